"""Timed acks lapse on the hub: when an ack's `until` passes, the hub appends an `unack`.

Every client then sees the change at once on its stream, and the history says when and
why (actor `notifycenter`, comment "ack expired"). `expire_due` is the one place that
decides: it runs in the log's write transaction and re-reads each notification's state
there, so an expiry is recorded once however many tasks (or hub replicas sharing the
log) run it; with replicas only the holder of the `expiry` lease runs it, which spares
the others the work. `AckExpiry` sleeps until the next `until` in the index, not on a
poll; the `ExpiryWatch` projection wakes it when an ack with an earlier `until` is written. At
start it finds the acks that lapsed while the hub was down and records them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from notifycenter.catalogue.ownership import EXPIRY_FAILED
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.leases import LeaseGuard, leases_of
from notifycenter.hub.log import EventLog, StoredEntry, Transaction
from notifycenter.hub.projection import load_state
from notifycenter.hub.sqlconn import SqlConnection
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import (
    ACK_EXPIRED,
    HUB_ACTOR,
    UNTIL_RESOLVED,
    Verb,
    format_time,
    lifecycle_event,
    parse_time,
    read_lifecycle_event,
)

log = logging.getLogger("notifycenter.hub")

# Unacks appended per write transaction; more wait for the next round, right after.
BATCH = 500
# The longest sleep: a replica sharing the log wakes no other replica's task.
MAX_SLEEP_SECONDS = 60.0
RETRY_SECONDS = 1.0
LEASE = "expiry"

_PENDING = (
    "i.acked_by IS NOT NULL AND i.until IS NOT NULL AND i.until != ?"
    " AND i.resolved_at IS NULL AND i.archived_at IS NULL"
)


def next_due(conn: SqlConnection) -> str | None:
    """The earliest `until` of an ack still held on an open notification."""
    row = conn.execute(f"SELECT min(i.until) FROM idx i WHERE {_PENDING}", (UNTIL_RESOLVED,))
    due: str | None = row.fetchone()[0]
    return due


def expire_due(txn: Transaction, hub_source: str, now: datetime | None = None) -> list[str]:
    """Append an `unack` for each ack whose `until` has passed; their cursors.

    The write job: the state is read inside the write transaction, so an ack renewed or
    withdrawn meanwhile, or an expiry recorded by another writer, is left alone.
    """
    moment = now or datetime.now(UTC)
    at = format_time(moment)
    conn = txn.conn
    rows = conn.execute(
        f"SELECT i.seq, l.source, l.id, i.until FROM idx i JOIN log l ON l.seq = i.seq"
        f" WHERE {_PENDING} AND i.until <= ? ORDER BY i.until LIMIT ?",
        (UNTIL_RESOLVED, at, BATCH),
    ).fetchall()
    events = []
    for seq, source, event_id, until in rows:
        state = load_state(conn, seq)
        if state is None or not state.expired(moment):
            continue
        events.append(
            lifecycle_event(
                Verb.UNACK,
                source,
                event_id,
                actor=HUB_ACTOR,
                hub_source=hub_source,
                event_id=str(uuid.uuid4()),
                at=at,
                comment=ACK_EXPIRED,
                until=until,  # the `until` that passed: which ack this ends
            )
        )
    if not events:
        return []
    return [format_cursor(seq) for seq, _ in txn.insert(events, HUB_ACTOR)]


class ExpiryWatch:
    """A projection without tables: it wakes `AckExpiry` when an ack with an `until` (or a
    reopen, which may bring a lapsed ack back into view) is written."""

    stateless = True  # nothing to rebuild: the log is never replayed through it

    def __init__(self) -> None:
        self.wake: asyncio.Event | None = None
        self.expiry: AckExpiry | None = None  # the running task, set by the plug-in
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        self._loop, self.wake = loop, wake

    def create(self, conn: SqlConnection) -> None:
        """The `until` index is the event index's own (`idx_until`)."""

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        if self._loop is None or self.wake is None:
            return  # not started yet: the first round reads the index anyway
        if wakes_expiry(entries):
            with contextlib.suppress(RuntimeError):  # the loop has closed: the hub stops
                self._loop.call_soon_threadsafe(self.wake.set)


def wakes_expiry(entries: Sequence[StoredEntry]) -> bool:
    """An ack with an `until`, or a reopen (which may bring a lapsed ack back into view)."""
    for entry in entries:
        change = read_lifecycle_event(entry.event)
        if change is not None and (
            change.verb is Verb.REOPEN or (change.verb is Verb.ACK and change.until)
        ):
            return True
    return False


class AckExpiry:
    """The background task: sleep until the next `until`, then record what is due.

    Each round is a write job, queued behind every write before it: it sees the ack
    that woke it, and no read snapshot can be older than the last commit.
    """

    def __init__(
        self, log: EventLog, hub_source: str, health: HealthBoard, watch: ExpiryWatch
    ) -> None:
        self.log, self.hub_source, self.health, self.watch = log, hub_source, health, watch
        self.wake = asyncio.Event()
        self.expired = 0  # unacks recorded by this task
        self._guard: LeaseGuard | None = None
        self._chained: Callable[[list[StoredEntry]], None] | None = None
        self._hook: Callable[[list[StoredEntry]], None] | None = None

    def start(self) -> None:
        """Rounds run while this replica holds the `expiry` lease: deciding in the write
        transaction makes any replica's round correct, the lease spares the others' work."""
        self.watch.attach(asyncio.get_running_loop(), self.wake)
        self._follow_commits()
        self._guard = leases_of(self.log).guard(LEASE, self._run)
        self._guard.start()

    def _follow_commits(self) -> None:
        """Also wake on the commits the log hands on: with replicas sharing a database,
        those include acks written on another replica, which no projection here sees."""
        if not hasattr(self.log, "on_commit"):
            return
        chained = self._chained = self.log.on_commit

        def on_commit(entries: list[StoredEntry]) -> None:
            if chained is not None:
                chained(entries)
            if wakes_expiry(entries):
                self.wake.set()

        self._hook = on_commit
        self.log.on_commit = on_commit

    async def stop(self) -> None:
        shared: Any = self.log  # a log that hands on its commits (SqliteLog, PgLog)
        if self._hook is not None and getattr(shared, "on_commit", None) is self._hook:
            shared.on_commit = self._chained
        if self._guard is not None:
            await self._guard.stop()
            self._guard = None

    async def _run(self) -> None:
        while True:
            self.wake.clear()  # before the round: an ack written from here on wakes us
            try:
                recorded, due = await self.log.write(self._job)
            except Exception as exc:  # the log cannot be written: report, retry
                self.health.failed("ack-expiry", EXPIRY_FAILED, exc)
                delay = RETRY_SECONDS
            else:
                self.health.recovered("ack-expiry")
                self.expired += len(recorded)
                if recorded:
                    log.info("recorded %d expired acks", len(recorded))
                delay = 0.0 if len(recorded) == BATCH else seconds_until(due)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), delay)

    def _job(self, txn: Transaction) -> tuple[list[str], str | None]:
        recorded = expire_due(txn, self.hub_source)
        return recorded, next_due(txn.conn)


def seconds_until(due: str | None, now: datetime | None = None) -> float:
    """How long to sleep before `due`, a little late rather than early (`until` is kept
    to the millisecond), and never longer than MAX_SLEEP_SECONDS."""
    if due is None:
        return MAX_SLEEP_SECONDS
    seconds = (parse_time(due) - (now or datetime.now(UTC))).total_seconds() + 0.005
    return min(max(seconds, RETRY_SECONDS if seconds <= 0 else 0.005), MAX_SLEEP_SECONDS)
