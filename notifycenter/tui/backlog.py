"""Taking the backlog into the store in slices of a few milliseconds, between keys.

A hub of a million events sends its backlog in pages for a minute or more; taking a page
in at once held the screen for tens of milliseconds, so a key waited for it. Here each
slice is sized to take about `SLICE_SECONDS`, the event loop runs whatever is ready (a
key, a redraw) before the next one, and for `KEY_QUIET` seconds after each key or click
nothing is taken in at all: a key travels through several of the loop's turns (app,
screen, widget, redraw) and must not wait for a slice at each. Until the last page is in, the bucket strip shows
the hub's own counts (`GET /api/summary`, asked again every `COUNTS_EVERY` seconds), which
are exact, instead of what the store holds so far.

What a slice leaves behind is moved out of the cyclic garbage collector's sight
(`gc.freeze`): the store only grows while the backlog loads, and a full collection that
walks everything it holds took over 100 ms at 150,000 events, more as it grew — a pause
no key can get through. Only the objects made since the last slice are collected.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Mapping
from typing import Protocol

from notifycenter.model import wire
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount
from notifycenter.tui.flush import FeedFlusher
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session

SLICE_SECONDS = 0.004  # store work per slice: a key waits at most about this long
FIRST_SLICE = 32  # records; the size then follows the time each slice took
MAX_SLICE = 2000
IDLE_SECONDS = 0.02  # nothing to take in: look again after this long
KEY_QUIET = 0.1  # seconds without loading after the operator's key or click
COUNTS_EVERY = 1.0  # seconds between two summaries while the backlog loads


class LoaderHost(Protocol):
    """What the loader needs from the app."""

    @property
    def session(self) -> Session: ...

    @property
    def center(self) -> CenterScreen: ...

    @property
    def flusher(self) -> FeedFlusher: ...


class BacklogLoader:
    """Runs for the app's life; follows whichever session is current."""

    def __init__(self, host: LoaderHost) -> None:
        self.host = host
        self.size = FIRST_SLICE
        self._acted = 0.0  # when the operator last pressed a key or clicked

    def operator_acted(self) -> None:
        self._acted = time.monotonic()

    def since_operator_acted(self) -> float:
        """Seconds since the operator's last key or click."""
        return time.monotonic() - self._acted

    def operator_active(self) -> bool:
        """A key or click came within `KEY_QUIET`: loading (and fetching) waits."""
        return time.monotonic() - self._acted < KEY_QUIET

    async def run(self) -> None:
        while True:
            quiet = self._acted + KEY_QUIET - time.monotonic()
            if quiet > 0:
                await asyncio.sleep(quiet)
            elif self.step():
                await asyncio.sleep(0)  # keys and redraws that are ready go first
            else:
                await asyncio.sleep(IDLE_SECONDS)

    def step(self) -> bool:
        """Take one slice of records into the store; False when there was nothing to do."""
        host = self.host
        session = host.session
        if not session.records or host.flusher.selecting or not host.center.alive:
            return False
        started = time.perf_counter()
        change = session.store.add_records(session.records.take(self.size))
        host.flusher.apply(change)
        self._resize(time.perf_counter() - started)
        gc.freeze()  # what is held now is here to stay: no full collection walks it
        if not session.loading and session.hub_counts is not None:
            session.hub_counts = None  # everything is in: the store's counts are exact
            host.center.buckets.show(session.store.counts())
        host.center.header.backlog_percent = session.loaded_percent()
        return True

    def _resize(self, spent: float) -> None:
        """The next slice's size, so that it takes about `SLICE_SECONDS`."""
        if spent <= 0:
            self.size = min(self.size * 2, MAX_SLICE)
            return
        wanted = int(self.size * SLICE_SECONDS / spent)
        self.size = max(1, min(wanted, self.size * 2, MAX_SLICE))

    async def count_from_hub(self) -> None:
        """While the backlog loads, the hub's counts, asked again every `COUNTS_EVERY`."""
        while True:
            await asyncio.sleep(COUNTS_EVERY)
            session = self.host.session
            if session.hub_counts is None or session.client is None or not session.loading:
                continue
            try:
                summary = await session.client.summary()
            except NotifyError:
                continue  # the stream's state tells the operator; the last counts stay
            if session is self.host.session and session.loading and session.hub_counts:
                session.hub_counts = counts_of(summary)
                if self.host.center.alive:
                    self.host.center.buckets.show(session.hub_counts)


def counts_of(summary: wire.Summary) -> dict[Bucket, BucketCount]:
    """The bucket strip's counts from the hub's summary."""
    buckets: Mapping[str, wire.BucketCounts] = summary.get("buckets") or {}
    counts = {}
    for bucket in Bucket:
        found = buckets.get(bucket.value)
        if found is not None:
            silenced = found.get("silenced", 0)
            numbers = (found["total"], found["unacknowledged"], silenced)
            counts[bucket] = BucketCount(*(max(number, 0) for number in numbers))  # any int
    return counts
