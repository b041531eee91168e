"""The group-commit writer as each backend runs it: SQLite, then PostgreSQL, same answers."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from notifycenter.hub import group_commit
from notifycenter.hub.database import parse_database
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.pg_log import PgLog
from notifycenter.hub.projection import EventIndex, Projection
from notifycenter.hub.sqlconn import SqlConnection
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from tests.hubprocess import make_event

DEADLINE = 20.0
Log = SqliteLog | PgLog
MakeLog = Callable[..., Log]


def events(*names: int | str) -> list[dict[str, Any]]:
    return [validate_event(make_event(n)) | {"time": "2026-11-28T09:00:00.000Z"} for n in names]


class Recorder:
    """A projection with a table of its own, that notes each batch it is given."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def create(self, conn: SqlConnection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS recorder (seq BIGINT PRIMARY KEY)")

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        conn.executemany("INSERT INTO recorder (seq) VALUES (?)", [(e.seq,) for e in entries])
        self.batches.append([e.seq for e in entries])


@pytest.fixture(params=["sqlite", "postgresql"])
def make_log(request: pytest.FixtureRequest, tmp_path: Path) -> MakeLog:
    """A log on one store, opened as often as a test likes."""
    if request.param == "postgresql":
        database = parse_database(request.getfixturevalue("pg_database"))
        assert database is not None
        return lambda projections, **options: PgLog(database, projections, **options)
    path = tmp_path / "hub.sqlite3"
    return lambda projections, **options: SqliteLog(path, projections, **options)


async def rows(log: Log) -> list[str]:
    found = await log.read(lambda conn: conn.execute("SELECT id FROM log ORDER BY seq").fetchall())
    return [row[0] for row in found]


async def test_writes_queued_together_share_one_commit_and_a_failing_one_fails_alone(
    make_log: MakeLog,
) -> None:
    log = make_log([EventIndex()])
    await log.open()
    try:
        await asyncio.wait_for(log.append(events("warm-up")), DEADLINE)
        before = log.commits

        def failing(txn: Any) -> None:
            txn.insert(events("rolled-back"))
            raise ValueError("a defect in one request")

        first, bad, last = await asyncio.wait_for(
            asyncio.gather(
                log.append(events(1, 2)),
                log.write(failing),
                log.append(events(3)),
                return_exceptions=True,
            ),
            DEADLINE,
        )
        assert log.commits == before + 1  # one transaction, one durable commit
        assert isinstance(bad, ValueError)
        assert not isinstance(first, BaseException) and not isinstance(last, BaseException)
        assert first.cursors == ["0000000000000002", "0000000000000003"]
        assert last.cursors == ["0000000000000004"]  # no gap where the failed job was
        assert await rows(log) == ["evt-warm-up", "evt-1", "evt-2", "evt-3"]
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_a_duplicate_is_answered_with_the_first_copy(make_log: MakeLog) -> None:
    log = make_log([EventIndex()])
    await log.open()
    try:
        await asyncio.wait_for(log.append(events(1)), DEADLINE)
        result = await asyncio.wait_for(log.append(events(2, 1, 2, 3)), DEADLINE)
        assert result.cursors == [
            "0000000000000002",
            "0000000000000001",
            "0000000000000002",
            "0000000000000003",
        ]
        assert result.duplicates == 2
        assert await rows(log) == ["evt-1", "evt-2", "evt-3"]
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_a_projection_added_later_catches_up_page_by_page_once(
    make_log: MakeLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit, "REPLAY_PAGE", 2)
    log = make_log([EventIndex()])
    await log.open()
    await asyncio.wait_for(log.append(events(1, 2, 3, 4, 5)), DEADLINE)
    await asyncio.wait_for(log.close(), DEADLINE)

    recorder = Recorder()
    projections: list[Projection] = [EventIndex(), recorder]
    reopened = make_log(projections)
    await reopened.open()
    try:
        assert recorder.batches == [[1, 2], [3, 4], [5]]
        assert reopened.last_seq == 5
        result = await asyncio.wait_for(reopened.append(events(6)), DEADLINE)
        assert result.cursors == ["0000000000000006"] and recorder.batches[-1] == [6]
    finally:
        await asyncio.wait_for(reopened.close(), DEADLINE)

    again = Recorder()
    third = make_log([EventIndex(), again])
    await third.open()
    try:
        assert again.batches == []  # its progress was kept: nothing is replayed twice
    finally:
        await asyncio.wait_for(third.close(), DEADLINE)


async def test_a_failing_subscriber_neither_loses_the_commit_nor_stops_the_writer(
    make_log: MakeLog,
) -> None:
    delivered: list[int] = []

    def publish(entries: list[StoredEntry]) -> None:
        if entries[0].event["id"] == "evt-1":
            raise ValueError("a subscriber's filter blew up")
        delivered.extend(e.seq for e in entries)

    log = make_log([EventIndex()], on_commit=publish)
    await log.open()
    try:
        first = await asyncio.wait_for(log.append(events(1)), DEADLINE)
        assert first.cursors == ["0000000000000001"]
        assert "publisher" in log.health.faults
        second = await asyncio.wait_for(log.append(events(2)), DEADLINE)
        assert second.cursors == ["0000000000000002"] and delivered == [2]
        assert log.health.ok
        assert await rows(log) == ["evt-1", "evt-2"]
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_a_job_whose_caller_stopped_waiting_fails_without_an_unretrieved_error(
    make_log: MakeLog,
) -> None:
    log = make_log([EventIndex()])
    await log.open()
    unheard: list[str] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: unheard.append(context["message"]))
    started, release = threading.Event(), threading.Event()

    def slow_then_failing(txn: Any) -> None:
        started.set()
        release.wait(DEADLINE)
        raise ValueError("the database went away")

    try:
        caller = asyncio.ensure_future(log.write(slow_then_failing))
        assert await asyncio.to_thread(started.wait, DEADLINE)
        caller.cancel()  # a request whose client hung up: the commit goes on
        await asyncio.gather(caller, return_exceptions=True)
        release.set()
        await asyncio.wait_for(log.append(events(1)), DEADLINE)  # after the failed commit
    finally:
        release.set()
        await asyncio.wait_for(log.close(), DEADLINE)
    del caller
    gc.collect()
    await asyncio.sleep(0)
    assert unheard == []


async def test_a_closed_log_refuses_writes_with_the_catalogued_error(make_log: MakeLog) -> None:
    log = make_log([EventIndex()])
    await log.open()
    await asyncio.wait_for(log.append(events(1)), DEADLINE)
    await asyncio.wait_for(log.close(), DEADLINE)
    with pytest.raises(NotifyError) as refused:
        await log.append(events(2))
    assert refused.value.code == "notifycenter-1706"
