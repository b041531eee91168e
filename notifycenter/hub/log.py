"""The durable, ordered event log: what every backend provides.

SQLite (`sqlite_log.SqliteLog`) is the embedded default; PostgreSQL (`pg_log.PgLog`) lets
replicas share one log. Both write through `group_commit.GroupCommitLog` (one writer, group
commit); another backend (NATS JetStream) can build on it or implement `EventLog` itself.
A position in the log is a `seq` (int) and, on the wire, a cursor: the seq as a 16-digit
zero-padded decimal string, which sorts as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from notifycenter.catalogue import hub as codes

T = TypeVar("T")


def parse_cursor(text: str, name: str = "cursor") -> int:
    """Any decimal string is a cursor on input (`since=0`)."""
    text = text.strip()
    if not text.isdigit() or not text.isascii() or len(text) > 19:
        raise codes.INVALID_QUERY.error(f"{name} {text!r} is not a cursor (a decimal number)")
    return int(text)


def bodies_after(conn: Any, after: int, upto: int, limit: int) -> list[tuple[int, bytes]]:
    """(seq, body) of the entries in (after, upto], oldest first, at most `limit`: how the
    stream replays the log and the snapshot builder catches up with it."""
    rows: list[tuple[int, bytes]] = conn.execute(
        "SELECT seq, body FROM log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        (after, upto, limit),
    ).fetchall()
    return rows


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One event as appended: its position, and the normalised event (with `cursor`).

    `body` is the event serialised as JSON, as it is stored and streamed. `actor` is the
    user of the token that posted it (`anonymous` on an open hub; None when unknown, as
    for events stored before the hub recorded it): projections such as the operations
    one say who started something without trusting what the event claims.
    """

    seq: int
    cursor: str
    event: dict[str, Any]
    body: bytes = field(repr=False, default=b"")
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What POST /api/events answers: one cursor per event, duplicates pointing at the first copy."""

    cursors: list[str]
    duplicates: int

    @property
    def accepted(self) -> int:
        return len(self.cursors) - self.duplicates


class Transaction(Protocol):
    """What a write job sees inside the log's single write transaction."""

    @property
    def conn(self) -> Any: ...

    def insert(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> list[tuple[int, bool]]:
        """Append events (already validated) posted by `actor`; (seq, was_duplicate) per event."""
        ...


class EventLog(Protocol):
    last_seq: int

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def append(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> AppendResult:
        """Store validated events posted by `actor` durably, as one atomic unit, before returning."""
        ...

    async def write(self, job: Callable[[Transaction], T]) -> T:
        """Run `job` in the write transaction; committed durably before returning."""
        ...

    async def read(self, fn: Callable[[Any], T]) -> T:
        """Run `fn(connection)` on a read connection off the event loop."""
        ...
