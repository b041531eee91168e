"""The log's size on disk for `/metrics`: the SQLite files, or PostgreSQL's own figure.

A scrape is answered on the event loop, so PostgreSQL's `pg_database_size()` is not asked
there: the gauge shows the last figure read, and a scrape that finds it older than
`REFRESH_SECONDS` asks for a new one in a reader, for the next scrape.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REFRESH_SECONDS = 5.0
log = logging.getLogger(__name__)


def sqlite_size(db_path: Path) -> float:
    """The database file and its WAL, in bytes."""
    total = 0
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return float(total)


def database_size(conn: Any) -> int:
    """`pg_database_size` of the database `conn` is connected to (a PgConnection)."""
    row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


class PgSize:
    """The PostgreSQL database's size, as last read; reading it again off the loop."""

    def __init__(self, read: Callable[[Callable[[Any], int]], Awaitable[int]]) -> None:
        self._read = read  # PgLog.read
        self.value = 0.0
        self._read_at = float("-inf")
        self._pending: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Read the size now (at start-up, and behind scrapes)."""
        self._read_at = time.monotonic()
        try:
            self.value = float(await self._read(database_size))
        except Exception as exc:  # a lost database: the next scrape tries again
            log.debug("could not read the database size: %s", exc)

    def __call__(self) -> float:
        """The gauge's value; a stale one schedules a new read when a loop is running."""
        stale = time.monotonic() - self._read_at > REFRESH_SECONDS
        if stale and (self._pending is None or self._pending.done()):
            with contextlib.suppress(RuntimeError):  # no running loop: keep the last value
                self._pending = asyncio.get_running_loop().create_task(self.refresh())
        return self.value
