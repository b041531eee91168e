"""`/api/summary` from incrementally kept counts: equal to a full count, and not a scan."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notifycenter.hub import records
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.retention import RetentionProjection
from notifycenter.hub.retention_rules import Bounds, prune_step
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.summary_counts import SummaryCounts, summary
from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import Verb, format_time, lifecycle_event

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SEVERITIES = ("error", "warning", "info", "debug", "critical", "notice")


def _events(start: int, count: int) -> list[dict[str, Any]]:
    return [
        validate_event(
            {
                "specversion": "1.0",
                "id": f"e{n}",
                "source": "urn:meshery:adapter:istio",
                "type": "io.meshery.test",
                "severitytext": SEVERITIES[n % len(SEVERITIES)],
                "time": format_time(NOW - timedelta(days=2)),
                **({"category": "audit"} if n % 11 == 0 else {}),
                "data": {"summary": f"event {n}"},
            }
        )
        for n in range(start, start + count)
    ]


def _change(verb: Verb, n: int, **extra: Any) -> dict[str, Any]:
    return lifecycle_event(
        verb,
        "urn:meshery:adapter:istio",
        f"e{n}",
        actor="alice",
        hub_source="urn:notifycenter:hub",
        event_id=str(uuid.uuid4()),
        at=format_time(NOW - timedelta(hours=1)),
        **extra,
    )


def _both(log: SqliteLog) -> Any:
    async def read() -> tuple[Any, Any]:
        def both(conn: sqlite3.Connection) -> tuple[Any, Any]:
            return summary(conn, NOW, log.last_seq), records.summary(conn, NOW, log.last_seq)

        return await log.read(both)

    return read()


async def test_the_counts_follow_every_change_and_equal_a_full_count(tmp_path: Path) -> None:
    projections = [EventIndex(), SummaryCounts(), RetentionProjection()]
    log = SqliteLog(tmp_path / "hub.sqlite3", projections)
    await log.open()
    try:
        await log.append(_events(0, 300))
        changes = (
            [_change(Verb.READ, n) for n in range(0, 300, 2)]
            + [_change(Verb.ACK, n) for n in range(0, 300, 3)]
            # acks that lapsed an hour ago, their unack not recorded yet: counted unacked
            + [
                _change(Verb.ACK, n, until=format_time(NOW - timedelta(minutes=5)))
                for n in range(1, 300, 7)
            ]
            + [_change(Verb.ACK, n, until="resolved") for n in range(2, 300, 13)]
            + [_change(Verb.RESOLVE, n) for n in range(0, 300, 5)]
            + [_change(Verb.ARCHIVE, n) for n in range(0, 300, 17)]
            + [_change(Verb.REOPEN, n) for n in range(0, 300, 10)]
            + [_change(Verb.UNACK, n) for n in range(0, 300, 9)]
        )
        for start in range(0, len(changes), 40):
            await log.append(changes[start : start + 40])
        kept, counted = await _both(log)
        assert kept == counted
        assert kept["buckets"]["errors"]["total"] > 0
        # the lapsed acks are stored as acks and shown as unacknowledged
        stored = await log.read(
            lambda conn: conn.execute(
                "SELECT sum(n) FROM summary_counts WHERE status = 'acknowledged'"
            ).fetchone()[0]
        )
        shown = sum(c["open"] - c["unacknowledged"] for c in kept["buckets"].values())
        assert stored > shown > 0

        def prune(conn: sqlite3.Connection) -> int:  # retention's deletes
            bounds = Bounds(format_time(NOW - timedelta(days=1)), None, format_time(NOW), 10**9)
            return prune_step(conn, bounds, 0, 150).events

        assert await log.write(lambda txn: prune(txn.conn)) > 0
        kept, counted = await _both(log)
        assert kept == counted
    finally:
        await log.close()


async def test_a_log_from_before_the_counts_is_counted_once_at_start(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    log = SqliteLog(path, [EventIndex()])
    await log.open()
    await log.append(_events(0, 120))
    await log.append([_change(Verb.ACK, n) for n in range(0, 120, 4)])
    await log.close()
    log = SqliteLog(path, [EventIndex(), SummaryCounts()])
    await log.open()
    try:
        kept, counted = await _both(log)
        assert kept == counted
        assert kept["buckets"]["errors"]["total"] == counted["buckets"]["errors"]["total"] > 0
    finally:
        await log.close()


def _steps(conn: sqlite3.Connection, log: SqliteLog, count_with: Any = summary) -> int:
    """SQLite virtual-machine steps (in thousands) one summary costs: work, not time."""
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    conn.set_progress_handler(step, 1000)
    try:
        count_with(conn, NOW, log.last_seq)
    finally:
        conn.set_progress_handler(None, 0)
    return steps[0]


async def test_the_summary_does_not_grow_with_the_log(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex(), SummaryCounts()])
    await log.open()
    try:
        await log.append(_events(0, 200))
        small = await log.read(lambda conn: _steps(conn, log))
        for start in range(200, 8200, 2000):
            await log.append(_events(start, 2000))
        large = await log.read(lambda conn: _steps(conn, log))
        full = await log.read(lambda conn: _steps(conn, log, records.summary))
    finally:
        await log.close()
    assert large <= small + 1, (small, large)
    assert full > 10 * max(large, 1)  # what counting the index would cost
