"""The SQLite log on its own: group commit, atomic jobs, restart, projection rebuild."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from notifycenter.hub.log import StoredEntry
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from tests.hubprocess import make_event


def events(*names: object) -> list[dict]:
    return [validate_event(make_event(n)) | {"time": "2026-11-28T09:00:00.000Z"} for n in names]


class Recorder:
    """A plug-in projection that records what it is given, and may fail on demand."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def create(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS recorder (seq INTEGER PRIMARY KEY)")

    def apply(self, conn: sqlite3.Connection, entries: list[StoredEntry]) -> None:
        if any(e.event["id"] == "evt-poison" for e in entries):
            raise ValueError("poison")
        conn.executemany("INSERT INTO recorder VALUES (?)", [(e.seq,) for e in entries])
        self.seen += [e.seq for e in entries]


async def test_concurrent_appends_share_commits_and_all_get_their_cursors(tmp_path) -> None:
    published: list[int] = []
    log = SqliteLog(
        tmp_path / "hub.sqlite3",
        [EventIndex()],
        on_commit=lambda entries: published.extend(e.seq for e in entries),
    )
    await log.open()
    try:
        results = await asyncio.gather(*(log.append(events(f"{r}-a", f"{r}-b")) for r in range(50)))
        assert log.commits < 50  # requests queued during a commit went into the next one
        cursors = [c for result in results for c in result.cursors]
        assert sorted(cursors) == [f"{n:016d}" for n in range(1, 101)]
        assert published == list(range(1, 101))
    finally:
        await log.close()


async def test_a_failing_job_leaves_no_trace_and_the_others_commit(tmp_path) -> None:
    recorder = Recorder()
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex(), recorder])
    await log.open()
    try:
        good, bad, after = await asyncio.gather(
            log.append(events(1, 2)),
            log.append(events(3, "poison")),
            log.append(events(4)),
            return_exceptions=True,
        )
        assert isinstance(bad, ValueError)
        assert good.cursors == ["0000000000000001", "0000000000000002"]
        assert after.cursors == ["0000000000000003"]  # no gap where the failed job was
        rows = await log.read(
            lambda conn: conn.execute("SELECT id FROM log ORDER BY seq").fetchall()
        )
        assert [r[0] for r in rows] == ["evt-1", "evt-2", "evt-4"]
        assert recorder.seen == [1, 2, 3]
    finally:
        await log.close()


async def test_reopening_continues_the_log_and_rebuilds_a_new_projection(tmp_path) -> None:
    path = tmp_path / "hub.sqlite3"
    log = SqliteLog(path, [EventIndex()])
    await log.open()
    await log.append(events(1, 2, 3))
    await log.close()

    recorder = Recorder()
    reopened = SqliteLog(path, [EventIndex(), recorder])
    await reopened.open()
    try:
        assert reopened.last_seq == 3 and recorder.seen == [1, 2, 3]  # caught up from the log
        result = await reopened.append(events(3, 4))
        assert result.cursors == ["0000000000000003", "0000000000000004"] and result.duplicates == 1
    finally:
        await reopened.close()


async def test_storage_failure_is_a_catalogued_error(tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    log = SqliteLog(blocker / "hub.sqlite3", [EventIndex()])
    with pytest.raises(NotifyError) as failure:
        await log.open()
    assert failure.value.code == "notifycenter-1113"


async def test_duplicates_within_one_call_are_answered_per_event(tmp_path) -> None:
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    await log.open()
    try:
        result = await log.append(events(1, 1, 2, 1))
        assert result.cursors == [
            "0000000000000001",
            "0000000000000001",
            "0000000000000002",
            "0000000000000001",
        ]
        assert (result.accepted, result.duplicates) == (2, 2)
    finally:
        await log.close()


async def test_a_second_hub_on_the_same_data_dir_is_refused(tmp_path) -> None:
    first = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    await first.open()
    try:
        second = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
        with pytest.raises(NotifyError) as refused:
            await second.open()
        assert refused.value.code == "notifycenter-1121" and "another hub" in refused.value.message
        assert any("is running on this data directory" in c for c in refused.value.probable_cause)
    finally:
        await first.close()
    reopened = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    await reopened.open()  # the lock goes with the hub that held it
    await reopened.close()
