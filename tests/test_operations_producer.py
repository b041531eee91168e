"""The producer API: what events an operation block emits, in one process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from notifycenter.catalogue import operations as codes
from notifycenter.client.builder import build_event
from notifycenter.client.operation import Operation
from notifycenter.model.errors import NotifyError
from notifycenter.model.operations import fold_events, read_operation_event
from notifycenter.model.tracecontext import TraceParent, current_traceparent


class RecordingEmitter:
    """Builds events exactly as the real Emitter does, and keeps them instead of sending."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any] | None = None, /, **fields: Any) -> dict[str, Any]:
        built = build_event(event, default_source="urn:meshery:server:test", **fields)
        self.events.append(built)
        return built

    def operation(
        self,
        name: str,
        total: float | None = None,
        subject: str | None = None,
        traceparent: str | None = None,
    ) -> Operation:
        return Operation(self, name, total=total, subject=subject, traceparent=traceparent)  # type: ignore[arg-type]

    def types(self) -> list[str]:
        return [e["type"].rsplit(".", 1)[-1] for e in self.events]


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


def test_a_block_reports_start_progress_and_success(emitter: RecordingEmitter) -> None:
    with emitter.operation("Provision Istio", total=3, subject="cluster/prod") as op:
        op.progress(1, message="CRDs applied")
        emitter.emit(type="io.meshery.log", summary="a log line inside the block")
    assert emitter.types() == ["started", "progress", "log", "succeeded"]
    assert {e["traceparent"] for e in emitter.events} == {op.traceparent}
    assert emitter.events[0]["subject"] == "cluster/prod"
    assert emitter.events[1]["data"]["operation"]["done"] == 1
    assert current_traceparent.get() is None  # the block left no trace behind
    view = fold_events(emitter.events).tree(op.id, datetime.now(UTC))
    assert view["state"] == "succeeded" and view["event_count"] == 4


def test_children_share_the_trace_and_name_their_parent(emitter: RecordingEmitter) -> None:
    with emitter.operation("Deploy design") as root:
        with root.child("Install CRDs", total=2) as child:
            with child.child("Apply CRD") as grandchild:
                pass
        nested = emitter.operation("Implicit child")  # opened inside root's block
    reports = [read_operation_event(e) for e in emitter.events]
    assert {r.trace_id for r in reports} == {root.trace_id}
    assert child.parent == root.id and grandchild.parent == child.id and nested.parent == root.id
    assert len({root.id, child.id, grandchild.id}) == 3


def test_an_exception_fails_the_operation_with_the_catalogued_error(
    emitter: RecordingEmitter,
) -> None:
    with pytest.raises(ValueError), emitter.operation("Import model"):
        raise ValueError("model.yaml: bad indentation")
    failed = emitter.events[-1]
    assert failed["type"] == "io.meshery.operation.failed" and failed["severitytext"] == "ERROR"
    error = failed["data"]["error"]
    assert error["code"] == codes.OPERATION_FAILED.code
    assert "ValueError: model.yaml: bad indentation" in error["longDescription"][0]
    assert error["suggestedRemediation"] == list(codes.OPERATION_FAILED.remedies)
    assert "raised at" in failed["data"]["details"]


def test_a_notify_error_keeps_its_code_cause_and_remediation(emitter: RecordingEmitter) -> None:
    problem = NotifyError(
        code="meshery-istio-1002",
        short_description=["istioctl failed"],
        probable_cause=["istioctl is not on PATH"],
        suggested_remediation=["Install istioctl"],
        severity="ALERT",
    )
    with pytest.raises(NotifyError), emitter.operation("Provision Istio"):
        raise problem
    failed = emitter.events[-1]
    assert failed["severitytext"] == "ALERT"
    assert failed["data"]["error"]["code"] == "meshery-istio-1002"
    assert failed["data"]["error"]["probableCause"] == ["istioctl is not on PATH"]
    assert failed["data"]["error"]["suggestedRemediation"] == ["Install istioctl"]


def test_cancel_ends_the_block_without_success(emitter: RecordingEmitter) -> None:
    with emitter.operation("Long import") as op:
        op.cancel("operator asked")
        op.progress(5)  # too late: nothing more is reported
    assert emitter.types() == ["started", "cancelled"]


def test_keyboard_interrupt_cancels(emitter: RecordingEmitter) -> None:
    with pytest.raises(KeyboardInterrupt), emitter.operation("Deploy"):
        raise KeyboardInterrupt
    assert emitter.types()[-1] == "cancelled"


async def test_async_blocks_keep_each_tasks_operation(emitter: RecordingEmitter) -> None:
    async def work(name: str) -> str:
        async with emitter.operation(name) as op:
            await asyncio.sleep(0)
            emitter.emit(type="io.meshery.log", summary=name)
            return op.traceparent

    first, second = await asyncio.gather(work("a"), work("b"))
    logs = {
        e["data"]["summary"]: e["traceparent"]
        for e in emitter.events
        if e["type"] == "io.meshery.log"
    }
    assert logs == {"a": first, "b": second}


async def test_task_cancellation_reports_cancelled(emitter: RecordingEmitter) -> None:
    started = asyncio.Event()

    async def work() -> None:
        async with emitter.operation("Wait forever"):
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(work())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert emitter.types() == ["started", "cancelled"]


def test_continuing_from_a_traceparent_makes_a_sub_operation(emitter: RecordingEmitter) -> None:
    server_op = TraceParent.new_root()
    with emitter.operation("Adapter work", traceparent=str(server_op)) as op:
        pass
    assert op.trace_id == server_op.trace_id and op.parent == server_op.span_id


def test_attach_speaks_for_the_same_operation_and_leaves_the_success_to_its_owner(
    emitter: RecordingEmitter,
) -> None:
    owner = TraceParent.new_root()
    with Operation.attach(emitter, str(owner)) as op:  # type: ignore[arg-type]
        op.progress(2, 4)
    assert emitter.types() == ["progress"]
    assert emitter.events[0]["traceparent"] == str(owner)
    with pytest.raises(RuntimeError):
        with Operation.attach(emitter, str(owner)):  # type: ignore[arg-type]
            raise RuntimeError("adapter crashed")
    assert emitter.types()[-1] == "failed"


def test_a_bad_traceparent_is_a_catalogued_error(emitter: RecordingEmitter) -> None:
    with pytest.raises(NotifyError) as caught:
        emitter.operation("x", traceparent="00-nope")
    assert caught.value.code == codes.INVALID_TRACEPARENT.code


def test_progress_or_ending_without_start_reports_the_start_first(
    emitter: RecordingEmitter,
) -> None:
    op = emitter.operation("Manual", total=2)
    op.progress(1)
    op.succeed()
    assert emitter.types() == ["started", "progress", "succeeded"]
