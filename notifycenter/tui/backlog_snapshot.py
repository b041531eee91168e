"""The backlog from the hub's snapshot: a million events in seconds, not a minute of pages.

Once the first page is drawn, a hub whose log holds at least `SNAPSHOT_WORTH` events is
asked for its snapshot (`GET /api/snapshot`, hub/snapshots.py). It is read and checked in
a thread (store/snapshot.py), where the current view is selected from it too; then, in
one turn of the event loop, it replaces the store: the list keeps the highlighted event
(found by its cursor), the marks and the user carry over, what waited in the buffers is
dropped and the stream starts again after the snapshot's position (the store skips what
it holds), so that nothing is missed or applied twice, and no page is read. A hub without
one, a failed request or a snapshot that fails a check (notifycenter-1221, on the status
line) leaves the backlog to the pages, as before.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from notifycenter.catalogue.client import SNAPSHOT_TOO_LARGE, SNAPSHOT_UNREADABLE
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount, EventStore, RowIndex, ViewQuery
from notifycenter.store.columns import paced, pause_point
from notifycenter.store.received import cursor_int
from notifycenter.store.snapshot import SnapshotError, read_snapshot
from notifycenter.tui.backlog import KEY_QUIET, counts_of
from notifycenter.tui.flush import FeedFlusher
from notifycenter.tui.row_index import view_fields
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session

SNAPSHOT_WORTH = 20_000  # events in the hub's log: below this, the pages take about as long
STEP_PLACES = 100_000
BUSY_WAIT = 0.01  # seconds the loading thread sleeps at a time after a key
TYPING = 1.0  # seconds after a key during which the operator counts as typing
# Seconds the loading thread works, then leaves the GIL alone: while the operator types,
# and when nobody does (a first key then waits for a short slice at most).
TYPING_WORK, TYPING_REST = 0.002, 0.004
IDLE_WORK, IDLE_REST = 0.008, 0.001


@dataclass(frozen=True)
class PreparedSnapshot:
    """A snapshot read and checked, with the rows of the view it was selected for."""

    store: EventStore
    through: int  # the log position it was read through: the stream resumes after it
    index: RowIndex
    query: ViewQuery
    # Events, errors and the loudest severity between the saved cursor and the first page.
    digest: tuple[int, int, int]
    log_end: int  # where the hub's log ended once it was read: the replay goes up to here
    counts: dict[Bucket, BucketCount]  # the hub's counts then, shown until the replay is in


async def fetch(
    session: Session,
    query: ViewQuery,
    clock: Callable[[], datetime] | None,
    digest_range: tuple[int, int] | None,
    since_key: Callable[[], float] = lambda: float("inf"),
) -> PreparedSnapshot | None:
    """The hub's snapshot prepared to replace the store; None to read pages instead. A
    snapshot that fails a check raises notifycenter-1221, one too large to hold 1222."""
    if session.client is None or session.hub_total < SNAPSHOT_WORTH:
        return None
    try:
        data = await session.client.snapshot()
    except NotifyError as error:
        if error.code == SNAPSHOT_TOO_LARGE.code:
            raise  # shown: the pages may fill this machine's memory as well
        return None  # the stream's state tells the operator; the pages will try again
    if data is None:
        return None
    try:
        prepared = await asyncio.to_thread(prepare, data, query, clock, digest_range, since_key)
    except SnapshotError as error:
        raise SNAPSHOT_UNREADABLE.error(str(error)) from None
    try:
        summary = await session.client.summary()  # where the replay must reach, and counts
    except NotifyError:
        return None
    end = cursor_int(summary.get("last_cursor")) or 0
    return replace(prepared, log_end=end, counts=counts_of(summary))


def prepare(
    data: bytearray,
    query: ViewQuery,
    clock: Callable[[], datetime] | None,
    digest_range: tuple[int, int] | None,
    since_key: Callable[[], float] = lambda: float("inf"),
) -> PreparedSnapshot:
    """In a thread: read, check and select; nothing else holds the new store yet. Between
    two slices of the work it gives way to the operator's keys (`Pacer`)."""
    with paced(Pacer(since_key)):
        store, through = read_snapshot(data, clock=clock)
        del data
        digest = store.tally(*digest_range) if digest_range is not None else (0, 0, 0)
        index = select_in_steps(store, query)
        return PreparedSnapshot(store, through, index, query, digest, through, {})


class Pacer:
    """Called between two slices of the loading thread's work. For `KEY_QUIET` after each
    key or click it waits; while the operator types (a key within `TYPING`) it rests
    after each few milliseconds of work, and less when nobody types. A thread that only
    shared the GIL by the switch interval took half of it from every key: a key's frame
    needs the GIL for ~15 ms, handed back and forth each millisecond."""

    def __init__(self, since_key: Callable[[], float]) -> None:
        self.since_key = since_key
        self.rested = time.monotonic()

    def __call__(self) -> None:
        while (since := self.since_key()) < KEY_QUIET:
            time.sleep(BUSY_WAIT)
        work, rest = (TYPING_WORK, TYPING_REST) if since < TYPING else (IDLE_WORK, IDLE_REST)
        if time.monotonic() - self.rested >= work:
            # What the store holds so far is here to stay: out of the collector's sight, or
            # a full collection walks it with the GIL held (seconds at a million).
            gc.freeze()
            time.sleep(rest)
            self.rested = time.monotonic()


def select_in_steps(store: EventStore, query: ViewQuery) -> RowIndex:
    """`store.select(query)` in steps of `STEP_PLACES` below the log: one select over a
    million places holds the GIL for ~80 ms, a key's whole budget."""
    index = store.select(query, older_limit=0)
    for rest in store.select_older_steps(query, index.older_end, STEP_PLACES):
        pause_point()
        index.extend(rest)
        index.older_end = rest.older_end
    return index


class AdoptHost(Protocol):
    """What taking a snapshot in needs from the app."""

    @property
    def center(self) -> CenterScreen: ...

    @property
    def flusher(self) -> FeedFlusher: ...

    def refresh_detail(self) -> None: ...

    def view_query(self) -> ViewQuery: ...


def adopt(host: AdoptHost, session: Session, prepared: PreparedSnapshot) -> None:
    """Replace the session's store by the snapshot's, in one turn of the event loop. The
    caller stops the stream first and starts it again after `prepared.through`."""
    old, new = session.store, prepared.store
    new.user = old.user
    marked = (new.find(old.row(row).cursor) for row in old.marks if row < len(old))
    new.marks = {row for row in marked if row is not None}
    session.feed.take()  # the restarted stream brings these again
    session.records.take()
    session.backfill = None
    replaying = prepared.log_end > prepared.through
    # Until the replay is in, the hub's counts are the exact ones (`replayed`).
    session.hub_counts = prepared.counts if replaying else None
    session.replay_until = prepared.log_end if replaying else None
    session.store = new
    gc.freeze()  # here to stay: no full collection walks it (as `backlog.py` does)
    current = host.view_query()
    same = current.predicate is None and view_fields(current) == view_fields(prepared.query)
    host.flusher.list_replaced(reselect=not same)
    center = host.center
    if center.alive:
        center.events.set_index(prepared.index, prepared.query, store=new)
        center.buckets.show(session.counts())
        center.header.backlog_percent = session.loaded_percent()
        host.refresh_detail()
    policy = session.policy
    policy.count_backlog_tally(*prepared.digest)
    policy.hold_backlog(False)
