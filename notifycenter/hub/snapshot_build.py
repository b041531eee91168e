"""Builds the backlog snapshot: the log read into a client store, written whole.

Run by the hub as a child process (`python -m notifycenter.hub.snapshot_build`, its job as
JSON on stdin, its result as JSON on stdout) so that a build, a minute of Python at a
million events the first time, never holds the hub's event loop: it reads the log through
its own connection, at a lower priority than the hub.

The store is made as a client makes its own: every record of `GET /api/events`, newest
first, with the silences in force, then every log entry after the newest record as the
stream delivers it. A later build starts from the previous snapshot and replays the log
after its cursor; it starts from nothing when retention pruned events that snapshot holds
and `full_if_pruned` is set (the hub allows that at most once per `FULL_EVERY`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from notifycenter.hub.database import Database
from notifycenter.hub.log import bodies_after
from notifycenter.hub.query import EventQuery
from notifycenter.hub.records import list_events
from notifycenter.hub.retention_rules import pruned_through
from notifycenter.hub.silences import list_silences, parse_states
from notifycenter.hub.sqlconn import PgConnection, SqlConnection
from notifycenter.store import EventStore
from notifycenter.store.snapshot import SnapshotError, read_snapshot, readable, write_snapshot

PAGE = 1000  # records or log entries read at a time
SUFFIX = ".snap"
PREFIX = "backlog-"


@dataclass(frozen=True)
class Job:
    """What to build from: the log (a SQLite file or a PostgreSQL database), the
    directory snapshots are kept in, and whether pruned events call for a fresh start."""

    directory: str
    sqlite: str | None = None
    database_url: str | None = None
    database_password: str | None = None
    full_if_pruned: bool = True


def snapshot_name(through: int) -> str:
    """Names sort as the cursors they were read through: the last is the newest."""
    return f"{PREFIX}{through:016d}{SUFFIX}"


def through_of(path: Path) -> int:
    """The log position a snapshot's name says it was read through (`snapshot_name`)."""
    return int(path.name.removeprefix(PREFIX).removesuffix(SUFFIX))


def newest_snapshot(directory: Path) -> Path | None:
    """The newest snapshot this version reads; None when there is none."""
    found = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))
    return found[-1] if found and readable(found[-1]) else None


def build(job: Job) -> dict[str, Any]:
    """Write a snapshot of the log as it is now; what was built, for the hub's log line."""
    started = time.monotonic()
    directory = Path(job.directory)
    directory.mkdir(parents=True, exist_ok=True)
    for left in directory.glob(f"{PREFIX}*.part"):
        left.unlink()  # a build that did not finish (builds never run two at a time)
    conn = _connect(job)
    try:
        store, through, full = _starting_store(conn, newest_snapshot(directory), job.full_if_pruned)
        through = _catch_up(conn, store, through)
        target = directory / snapshot_name(through)
        partial = target.with_suffix(".part")
        with partial.open("wb") as out:
            size = write_snapshot(store, out, through=through)
        os.replace(partial, target)
    finally:
        conn.close()
    for older in sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))[:-2]:
        older.unlink(missing_ok=True)  # the one before stays for a client still reading it
    return {
        "path": str(target),
        "through": through,
        "events": store.event_count,
        "rows": len(store),
        "bytes": size,
        "full": full,
        "seconds": round(time.monotonic() - started, 3),
    }


def _connect(job: Job) -> SqlConnection:
    if job.database_url is not None:
        # Autocommit: a build's reads must not hold one transaction open for minutes.
        database = Database(job.database_url, job.database_password)
        return PgConnection(database.connect(autocommit=True))
    assert job.sqlite is not None
    return sqlite3.connect(f"file:{job.sqlite}?mode=ro", uri=True)


def _starting_store(
    conn: SqlConnection, previous: Path | None, full_if_pruned: bool
) -> tuple[EventStore, int, bool]:
    """The previous snapshot when it can go on; else every record, newest first. With
    the position read through, and whether it started from nothing."""
    if previous is not None:
        try:
            store, through = read_snapshot(previous.read_bytes())
        except (OSError, SnapshotError):
            store = None  # unreadable: start again (a crash mid-write leaves a `.part`)
        if store is not None and not (full_if_pruned and _pruned(conn, store)):
            return store, through, False
    store = _every_record(conn)
    return store, store.newest_cursor, True


def _pruned(conn: SqlConnection, store: EventStore) -> bool:
    return store.event_count > 0 and pruned_through(conn) >= store.oldest_cursor


def _every_record(conn: SqlConnection) -> EventStore:
    now = datetime.now(UTC)
    store = EventStore()
    store.add_silences(list_silences(conn, parse_states(None), now)["items"])
    before: int | None = None
    while True:
        page = list_events(conn, EventQuery(before=before, limit=PAGE), now)
        store.add_records(page["items"])
        following = page.get("next")
        if not following:
            return store
        before = int(following)


def _catch_up(conn: SqlConnection, store: EventStore, through: int) -> int:
    """Every log entry after `through`, as the stream delivers it; the position read
    through now."""
    (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()
    after = max(through, 0)
    while after < last:
        rows = bodies_after(conn, after, last, PAGE)
        if not rows:
            break
        store.add([orjson.loads(body) for _, body in rows])
        after = rows[-1][0]
    return max(int(last), through)


def main() -> None:
    """The child's entry point: a `Job` as JSON on stdin, the result as JSON on stdout."""
    with contextlib.suppress(OSError):
        os.nice(10)  # the hub's own requests go first on a busy machine
    job = Job(**json.load(sys.stdin))
    json.dump(build(job), sys.stdout)


if __name__ == "__main__":
    main()
