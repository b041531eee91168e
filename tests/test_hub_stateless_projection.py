"""A projection that keeps no tables is not fed the whole log when it is added.

The ack-expiry watch is such a projection: upgrading a hub that holds a large log must
not read and parse every stored event once just to wake a task that has nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from notifycenter.hub.expiry import ExpiryWatch
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from tests.hubprocess import make_event


class Counting:
    stateless = False

    def __init__(self) -> None:
        self.seen = 0

    def create(self, conn: Any) -> None:
        pass

    def apply(self, conn: Any, entries: Sequence[StoredEntry]) -> None:
        self.seen += len(entries)


class CountingStateless(Counting):  # projections are known by their class name
    stateless = True


async def _fill(path: Path, count: int) -> None:
    log = SqliteLog(path, [EventIndex()])
    await log.open()
    try:
        await log.append([make_event(i) for i in range(count)])
    finally:
        await log.close()


async def test_a_stateless_projection_skips_the_past_and_sees_what_comes(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    await _fill(path, 50)
    stateless, rebuilt = CountingStateless(), Counting()
    log = SqliteLog(path, [EventIndex(), stateless, rebuilt])
    await log.open()
    try:
        assert (stateless.seen, rebuilt.seen) == (0, 50)  # only the one with tables catches up
        await log.append([make_event(100)])
        assert (stateless.seen, rebuilt.seen) == (1, 51)
    finally:
        await log.close()


def test_the_expiry_watch_is_stateless() -> None:
    assert getattr(ExpiryWatch(), "stateless", False) is True
