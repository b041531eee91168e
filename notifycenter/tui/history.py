"""Lifecycle history for the detail pane of rows that came as records.

Records carry their status but not who did what: for rows loaded from `GET /api/events`
the history comes from `GET /api/events/{ref}` when the row is first shown, merged with
the changes the stream brought since.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from notifycenter.model.lifecycle import LifecycleChange, read_lifecycle_event

if TYPE_CHECKING:
    from notifycenter.client import HubClient

CACHED = 256


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
        changes = [
            c for c in map(read_lifecycle_event, record.get("history") or []) if c is not None
        ]
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
