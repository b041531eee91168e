"""Retention's rules, exactly: what a pruning round removes and what it must keep, on a log
built through the hub's own write path (events, lifecycle changes, operations, silences)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifycenter.hub.hubstate import Hub
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.operations import OperationsProjection
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.retention import Pruner, RetentionProjection, check_resume
from notifycenter.hub.retention_rules import Retention, parse_max_events, parse_retain
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.silences import SilencesProjection
from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import Verb, format_time
from notifycenter.model.silences import Silence, created_event

NOW = datetime.now(UTC)
OLD = format_time(NOW - timedelta(days=3))
NEW = format_time(NOW - timedelta(minutes=5))
SOURCE = "urn:meshery:adapter:istio"


def event(name: str, severity: str = "INFO", time: str = OLD, **extra: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": name,
        "source": SOURCE,
        "type": "io.meshery.test",
        "severitytext": severity,
        "severitynumber": {"INFO": 9, "WARNING": 13, "ERROR": 17, "DEBUG": 5}[severity],
        "time": time,
        **extra,
    }


def operation(name: str, span: str, state: str, time: str = OLD) -> dict[str, Any]:
    trace = "0" * 31 + "1"
    return event(
        name,
        type=f"io.meshery.operation.{state}",
        traceparent=f"00-{trace}-{span}-01",
        data={"operation": {"id": span, "name": "provision"}},
        time=time,
    )


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    settings = HubSettings(data_dir=tmp_path)
    projections = [
        EventIndex(),
        OperationsProjection(),
        SilencesProjection(),
        RetentionProjection(),
    ]
    running = Hub(settings, projections)
    await running.start()
    yield running
    await running.stop()


async def change(hub: Hub, verb: Verb, name: str, until: str | None = None) -> None:
    request = LifecycleRequest(verb=verb, actor="alice", refs=(f"{SOURCE}#{name}",), until=until)
    await hub.log.write(lambda txn: apply_request(txn, request, hub.settings.hub_source))


async def names_left(hub: Hub) -> set[str]:
    def read(conn: sqlite3.Connection) -> set[str]:
        return {row[0] for row in conn.execute("SELECT id FROM log")}

    return await hub.log.read(read)


async def test_a_round_prunes_exactly_what_the_rules_allow(hub: Hub) -> None:
    running_span, ended_span = "a" * 16, "b" * 16
    await hub.log.append(
        [
            event("old-info"),
            event("old-audit", "DEBUG", category="audit"),
            event("old-error-open", "ERROR"),
            event("old-error-read", "ERROR"),
            event("old-error-acked", "ERROR"),
            event("old-error-resolved", "ERROR"),
            event("old-error-archived", "ERROR"),
            event("old-warning-lapsed", "WARNING"),
            event("old-warning-open", "WARNING"),
            operation("op-running-started", running_span, "started"),
            operation("op-ended-started", ended_span, "started"),
            operation("op-ended-failed", ended_span, "failed"),
            event("new-info", time=NEW),
            event("new-error-resolved", "ERROR", time=NEW),
        ],
        "producer",
    )
    await change(hub, Verb.READ, "old-error-read")
    await change(hub, Verb.ACK, "old-error-acked")
    await change(hub, Verb.RESOLVE, "old-error-resolved")
    await change(hub, Verb.ARCHIVE, "old-error-archived")
    await change(hub, Verb.ACK, "old-warning-lapsed", until=format_time(NOW - timedelta(hours=1)))
    await change(hub, Verb.RESOLVE, "new-error-resolved")
    silence = Silence("s1", "source = 'x'", OLD, NEW, "alice", None, OLD)
    await hub.log.append(
        [created_event(silence, hub_source="urn:hub", event_id="s1-created")], "alice"
    )

    def lifecycle_targets(conn: sqlite3.Connection) -> dict[str, str]:
        rows = conn.execute(
            "SELECT l.id, t.id FROM idx i JOIN log l ON l.seq = i.seq"
            " JOIN log t ON t.seq = i.target WHERE i.lifecycle = 1"
        )
        return dict(rows.fetchall())

    history = await hub.log.read(lifecycle_targets)
    result = await Pruner(hub, Retention(retain=timedelta(days=1)), 60).prune_round()

    pruned = {
        "old-info",
        "old-audit",
        "old-error-acked",
        "old-error-resolved",
        "old-error-archived",
        "op-ended-started",
        "op-ended-failed",
    }
    kept = {
        "old-error-open",
        "old-error-read",
        "old-warning-lapsed",
        "old-warning-open",
        "op-running-started",
        "new-info",
        "new-error-resolved",
        "s1-created",
    }
    kept_history = {lc for lc, target in history.items() if target in kept}
    assert await names_left(hub) == kept | kept_history
    assert len(kept_history) == 3  # read, lapsed ack, resolve of the new error
    assert (result.events, result.lifecycle) == (len(pruned), len(history) - len(kept_history))

    # Readers resuming from before the highest pruned position are told where to resume.
    start = hub.log.projections[-1].log_start  # type: ignore[attr-defined]
    assert start == 12  # op-ended-failed, the last pruned event
    with pytest.raises(NotifyError) as refused:
        await check_resume(hub, 3, "since")
    assert refused.value.code == "notifycenter-2071"
    assert refused.value.extra["log_start"] == "0000000000000012"
    await check_resume(hub, 12, "since")
    await check_resume(hub, 0, "since")  # the whole log: whatever it holds

    again = await Pruner(hub, Retention(retain=timedelta(days=1)), 60).prune_round()
    assert (again.events, again.lifecycle) == (0, 0)


async def test_max_events_keeps_the_newest_and_every_unhandled_error(hub: Hub) -> None:
    errors = [event(f"error-{n}", "ERROR", time=NEW) for n in range(5)]
    infos = [event(f"info-{n}", time=NEW) for n in range(2500)]
    await hub.log.append([*errors, *infos], "producer")
    await change(hub, Verb.ACK, "error-0")
    pruner = Pruner(hub, Retention(max_events=1000), 60)
    result = await pruner.prune_round()

    left = await names_left(hub)
    expected = {f"info-{n}" for n in range(1500, 2500)} | {f"error-{n}" for n in range(1, 5)}
    assert left == expected
    assert result.events == 1501 and result.lifecycle == 1
    assert result.steps >= 2  # done in bounded steps, not one long transaction


@pytest.mark.parametrize("text", ["30 days", "0d", "-1d", "forever"])
def test_a_bad_retain_is_refused(text: str) -> None:
    with pytest.raises(NotifyError) as refused:
        parse_retain(text)
    assert refused.value.code == "notifycenter-2070"


def test_retention_settings_parse() -> None:
    assert parse_retain("30d") == timedelta(days=30)
    assert parse_retain(None) is None
    assert parse_max_events("1000000") == 1_000_000
    with pytest.raises(NotifyError):
        parse_max_events("999")
