"""Lifecycle history for the detail pane of rows that came as records.

Records carry their status but not who did what: for rows loaded from `GET /api/events`
the history comes from `GET /api/events/{ref}` when the row is first shown, merged with
the changes the stream brought since.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from notifycenter.model.lifecycle import LifecycleChange
from notifycenter.store.received import lifecycle_change

if TYPE_CHECKING:
    from notifycenter.client import HubClient

CACHED = 256
KEPT = 1000  # newest changes kept of one record's history: a hub may send any number


class HistoryCache:
    """The hub's history of the last `CACHED` records shown, by cursor."""

    def __init__(self) -> None:
        self._fetched: OrderedDict[str, list[LifecycleChange]] = OrderedDict()

    def merged(self, cursor: str, own: list[LifecycleChange]) -> list[LifecycleChange] | None:
        """The hub's history with `own` (what the stream brought) merged in; None when the
        hub's part has not been fetched yet."""
        fetched = self._fetched.get(cursor)
        return None if fetched is None else merge_history(fetched, own)

    async def fetch(self, client: HubClient, cursor: str) -> None:
        record = await client.get(cursor)
        # Read as the store reads the stream: every field text, whatever the hub sent.
        events = [e for e in record.get("history") or [] if isinstance(e, dict)]
        changes = [c for c in map(lifecycle_change, events[-KEPT:]) if c is not None]
        self._fetched[cursor] = changes
        while len(self._fetched) > CACHED:
            self._fetched.popitem(last=False)


def from_records(cursor: str, last_record: int | None) -> bool:
    """Whether the row with `cursor` came as a record (at or before the first page's top)."""
    return last_record is not None and cursor.isdigit() and int(cursor) <= last_record


def merge_history(
    hub: list[LifecycleChange], streamed: list[LifecycleChange]
) -> list[LifecycleChange]:
    """The hub's history, then what the stream brought that it did not yet have."""
    seen = {(c.verb, c.actor, c.at) for c in hub}
    return [*hub, *(c for c in streamed if (c.verb, c.actor, c.at) not in seen)]
