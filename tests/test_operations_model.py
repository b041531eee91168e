"""The derived operation model: what an operator sees from a stream of operation events."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import format_time
from notifycenter.model.operations import (
    OperationIndex,
    Phase,
    State,
    completion_of,
    fold_events,
    matches_state,
    operation_fields,
    operation_view,
    read_operation_event,
    state_of,
)
from tests.hypothesis_profiles import examples

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT, CHILD_A, CHILD_B, GRANDCHILD = (
    "00f067aa0ba902b7",
    "1111111111111111",
    "2222222222222222",
    "3333333333333333",
)
_ids = itertools.count()


def op_event(
    phase: Phase,
    op_id: str,
    *,
    parent: str | None = None,
    name: str = "op",
    at: float = 0,
    source: str = "urn:meshery:server:local",
    **kwargs: Any,
) -> dict[str, Any]:
    fields = operation_fields(
        phase, op_id=op_id, trace_id=TRACE, parent=parent, name=name, **kwargs
    )
    event = {
        "specversion": "1.0",
        "id": f"e{next(_ids)}",
        "source": source,
        "time": format_time(T0 + timedelta(seconds=at)),
        **fields,
    }
    return validate_event(event)


def plain_event(span: str, at: float, summary: str = "log line") -> dict[str, Any]:
    return validate_event(
        {
            "specversion": "1.0",
            "id": f"e{next(_ids)}",
            "source": "urn:x",
            "type": "io.meshery.log",
            "time": format_time(T0 + timedelta(seconds=at)),
            "traceparent": f"00-{TRACE}-{span}-01",
            "data": {"summary": summary},
        }
    )


def view(index: OperationIndex, op_id: str, at: float = 1) -> dict[str, Any]:
    record = index.get(op_id)
    assert record is not None
    return operation_view(record, T0 + timedelta(seconds=at))


def test_operation_fields_are_a_valid_cloudevent_in_the_design_format() -> None:
    event = op_event(
        Phase.PROGRESS,
        CHILD_A,
        parent=ROOT,
        name="Install CRDs",
        done=2,
        total=5,
        message="applying",
    )
    assert event["type"] == "io.meshery.operation.progress"
    assert event["traceparent"] == f"00-{TRACE}-{CHILD_A}-01"
    assert event["data"]["operation"] == {
        "id": CHILD_A,
        "parent": ROOT,
        "name": "Install CRDs",
        "done": 2,
        "total": 5,
        "message": "applying",
    }
    assert event["data"]["summary"] == "Install CRDs: 2/5 applying"


def test_non_operation_and_malformed_events_are_not_reports() -> None:
    assert read_operation_event(plain_event(ROOT, 0)) is None
    bad_phase = op_event(Phase.STARTED, ROOT) | {"type": "io.meshery.operation.exploded"}
    assert read_operation_event(bad_phase) is None
    no_id = {"type": "io.meshery.operation.started", "source": "s", "data": {"operation": {}}}
    assert read_operation_event(no_id) is None


def test_id_falls_back_to_the_traceparent_span() -> None:
    event = op_event(Phase.STARTED, ROOT)
    del event["data"]["operation"]["id"]
    report = read_operation_event(event)
    assert report is not None and report.id == ROOT and report.trace_id == TRACE


def test_started_is_running_and_success_fills_progress() -> None:
    index = fold_events([op_event(Phase.STARTED, ROOT, name="Provision Istio", total=3)])
    assert view(index, ROOT)["state"] == "running"
    assert view(index, ROOT)["progress"] == 0
    index.apply(op_event(Phase.PROGRESS, ROOT, done=1, at=10))
    assert (view(index, ROOT)["done"], view(index, ROOT)["total"]) == (1, 3)
    index.apply(op_event(Phase.SUCCEEDED, ROOT, at=30))
    result = view(index, ROOT, at=500)
    assert result["state"] == "succeeded"
    assert result["progress"] == 1.0 and result["done"] == 3
    assert result["duration"] == 30.0
    assert result["ended_at"] == format_time(T0 + timedelta(seconds=30))


def test_progress_without_total_is_the_share_of_finished_children() -> None:
    index = fold_events(
        [
            op_event(Phase.STARTED, ROOT),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT),
            op_event(Phase.STARTED, CHILD_B, parent=ROOT),
            op_event(Phase.FAILED, CHILD_B, parent=ROOT, at=2),
        ]
    )
    root = view(index, ROOT, at=3)
    assert (root["done"], root["total"], root["progress"]) == (1, 2, 0.5)
    assert root["children"] == 2 and root["finished_children"] == 1
    index.apply(op_event(Phase.SUCCEEDED, CHILD_A, parent=ROOT, at=4))
    assert view(index, ROOT, at=5)["progress"] == 1.0
    assert view(index, ROOT, at=5)["state"] == "running"  # its own end has not been reported


def test_an_operation_without_total_or_children_has_unknown_progress_and_no_eta() -> None:
    index = fold_events([op_event(Phase.STARTED, ROOT)])
    result = view(index, ROOT, at=60)
    assert result["progress"] is None and result["eta"] is None


def test_eta_follows_the_pace_so_far() -> None:
    index = fold_events(
        [op_event(Phase.STARTED, ROOT, total=4), op_event(Phase.PROGRESS, ROOT, done=1, at=10)]
    )
    assert view(index, ROOT, at=10)["eta"] == pytest.approx(30.0)


def test_the_first_ending_wins_and_late_progress_changes_nothing() -> None:
    index = fold_events(
        [
            op_event(Phase.STARTED, ROOT, total=10),
            op_event(Phase.PROGRESS, ROOT, done=4, at=1),
            op_event(Phase.FAILED, ROOT, at=2, error={"code": "meshery-istio-1002"}),
            op_event(Phase.SUCCEEDED, ROOT, at=3),
            op_event(Phase.PROGRESS, ROOT, done=9, at=4),
        ]
    )
    result = view(index, ROOT, at=5)
    assert result["state"] == "failed" and result["done"] == 4
    assert result["error"]["code"] == "meshery-istio-1002"


def test_an_ending_heard_before_the_parent_link_still_counts_once() -> None:
    index = fold_events(
        [
            op_event(Phase.SUCCEEDED, CHILD_A, parent=ROOT),
            op_event(Phase.SUCCEEDED, CHILD_A, parent=ROOT, at=1),
        ]
    )
    parent = view(index, ROOT)
    assert parent["state"] == "pending"
    assert (parent["finished_children"], parent["children"]) == (1, 1)


def test_children_announce_a_parent_that_is_pending_until_it_starts() -> None:
    index = fold_events([op_event(Phase.STARTED, CHILD_A, parent=ROOT, at=5)])
    assert view(index, ROOT, at=6)["state"] == "pending"
    index.apply(op_event(Phase.STARTED, ROOT, name="Deploy", at=1))
    root = view(index, ROOT, at=6)
    assert root["state"] == "running" and root["name"] == "Deploy"
    assert root["started_at"] == format_time(T0 + timedelta(seconds=1))


def test_stalled_after_silence_and_a_reporting_descendant_keeps_ancestors_alive() -> None:
    index = fold_events(
        [
            op_event(Phase.STARTED, ROOT),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT),
            op_event(Phase.STARTED, GRANDCHILD, parent=CHILD_A),
            plain_event(GRANDCHILD, at=500),
        ]
    )
    stall = timedelta(minutes=10)
    at = T0 + timedelta(seconds=700)
    assert state_of(index.get(ROOT), at, stall) is State.RUNNING
    later = T0 + timedelta(seconds=1101)
    assert {state_of(index.get(i), later, stall) for i in (ROOT, CHILD_A, GRANDCHILD)} == {
        State.STALLED
    }
    index.apply(op_event(Phase.PROGRESS, GRANDCHILD, parent=CHILD_A, done=1, at=1100))
    assert state_of(index.get(ROOT), later, stall) is State.RUNNING


def test_ended_operations_never_stall() -> None:
    index = fold_events([op_event(Phase.STARTED, ROOT), op_event(Phase.CANCELLED, ROOT, at=1)])
    assert state_of(index.get(ROOT), T0 + timedelta(days=3)) is State.CANCELLED


def test_events_in_an_operations_log_are_counted() -> None:
    index = fold_events(
        [
            op_event(Phase.STARTED, ROOT),
            plain_event(ROOT, 1),
            plain_event(ROOT, 2),
            plain_event("9999999999999999", 3),
        ]
    )
    assert view(index, ROOT, at=3)["event_count"] == 3
    assert index.get("9999999999999999") is None  # a traced event alone is no operation


def test_started_by_is_the_actor_or_else_the_source() -> None:
    index = OperationIndex()
    index.apply(op_event(Phase.STARTED, ROOT, source="urn:meshery:server:a"), actor="alice")
    index.apply(op_event(Phase.STARTED, CHILD_A, parent=ROOT, source="urn:meshery:adapter:istio"))
    assert view(index, ROOT)["started_by"] == "alice"
    assert view(index, CHILD_A)["started_by"] == "urn:meshery:adapter:istio"
    index.apply(op_event(Phase.PROGRESS, ROOT, source="urn:meshery:adapter:istio", done=1))
    assert view(index, ROOT)["source"] == "urn:meshery:server:a"


def test_tree_nests_children_in_start_order() -> None:
    index = fold_events(
        [
            op_event(Phase.STARTED, ROOT, name="Deploy"),
            op_event(Phase.STARTED, CHILD_B, parent=ROOT, name="second", at=2),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT, name="first", at=1),
            op_event(Phase.STARTED, GRANDCHILD, parent=CHILD_A, name="deep", at=3),
        ]
    )
    tree = index.tree(ROOT, T0)
    assert [c["name"] for c in tree["children"]] == ["first", "second"]
    assert tree["children"][0]["children"][0]["name"] == "deep"


def test_state_filters_group_the_states_as_documented() -> None:
    # The list's order is the hub's (test_operations_projection); here only the groups.
    groups = {
        "active": {State.RUNNING, State.STALLED, State.PENDING},
        "finished": {State.SUCCEEDED, State.FAILED, State.CANCELLED},
    }
    for name, members in groups.items():
        assert {s for s in State if matches_state(s, name)} == members, name
    for state in State:
        assert {s for s in State if matches_state(s, state.value)} == {state}


def test_completion_toast_is_sanitised_and_carries_the_remediation() -> None:
    error = {"code": "meshery-istio-1002", "suggestedRemediation": ["Install istioctl\x1b[31m"]}
    event = op_event(Phase.FAILED, ROOT, name="Provision \x1b]0;pwn\x07Istio", error=error)
    toast = completion_of(event)
    assert toast is not None and toast.state is State.FAILED
    assert "\x1b" not in toast.message and "\x07" not in toast.message
    assert "meshery-istio-1002" in toast.message and toast.remediation == ("Install istioctl[31m",)
    assert completion_of(op_event(Phase.PROGRESS, ROOT, done=1)) is None


phases = st.sampled_from(list(Phase))


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([CHILD_A, CHILD_B, GRANDCHILD]), phases), max_size=20),
    st.randoms(),
)
def test_parent_counts_agree_with_children_whatever_the_order(
    steps: list[tuple[str, Phase]], rnd: Any
) -> None:
    parents = {CHILD_A: ROOT, CHILD_B: ROOT, GRANDCHILD: CHILD_A}
    events = [op_event(phase, op, parent=parents[op], at=n) for n, (op, phase) in enumerate(steps)]
    rnd.shuffle(events)
    index = fold_events(events)
    for record in index.records.values():
        kids = index.children_of(record.id)
        assert record.children == len(kids)
        assert record.finished_children == sum(1 for k in kids if k.ended)


def test_display_helpers() -> None:
    from notifycenter.model.operations import (
        format_seconds,
        progress_bar,
        progress_text,
    )

    assert progress_bar(0.5, 10) == "█████░░░░░" and progress_bar(None, 4) == "····"
    assert progress_bar(1.7, 3) == "███"
    assert [format_seconds(s) for s in (4, 125, 3720, 273600)] == ["4s", "2m05s", "1h02m", "3d04h"]
    assert progress_text({"progress": 0.6, "done": 3, "total": 5}) == "60% 3/5"
    assert progress_text({"progress": None}) == ""


@pytest.mark.parametrize("value", [1e308, -1e308, math.inf, -math.inf, math.nan, -5.0])
def test_display_helpers_show_any_float_a_hub_sends(value: float) -> None:
    """An answer may hold any float: the operation center and `ops` show it, never raise."""
    from notifycenter.model.operations import format_seconds, progress_bar, progress_text

    text = progress_text({"progress": value, "done": value, "total": value})
    assert text == "" or 0 <= int(text.split("%")[0]) <= 100
    assert len(progress_bar(value, 10)) == 10
    assert len(format_seconds(value)) <= 6
