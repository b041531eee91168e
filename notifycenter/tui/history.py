"""Lifecycle history for the detail pane of rows that came as records.

Records carry their status but not who did what: for rows loaded from `GET /api/events`
the history comes from `GET /api/events/{ref}` when the row is first shown, merged with
the changes the stream brought since.
"""

from __future__ import annotations

from collections import OrderedDict

from textual import work

from notifycenter.model.lifecycle import LifecycleChange, read_lifecycle_event

CACHED = 256


class HistoryLoader:
    """A mixin of the app: needs `store`, `client`, `backfill`, `_highlighted`, `_refresh_detail`."""

    def history_of(self, row: int) -> list[LifecycleChange]:
        own = self.store.history(row)
        cursor = self.store.row(row).cursor
        if not self._from_records(cursor):
            return own
        cache = self._hub_histories()
        fetched = cache.get(cursor)
        if fetched is None:
            self._fetch_history(cursor)
            return own
        return merge_history(fetched, own)

    def _from_records(self, cursor: str) -> bool:
        backfill = self.backfill
        if backfill is None or self.client is None or not cursor.isdigit():
            return False
        return int(cursor) <= backfill.last

    def _hub_histories(self) -> OrderedDict[str, list[LifecycleChange]]:
        cache = getattr(self, "_history_cache", None)
        if cache is None:
            cache = self._history_cache = OrderedDict()
        return cache

    @work(group="history", exclusive=True, exit_on_error=False)
    async def _fetch_history(self, cursor: str) -> None:
        record = await self.client.get(cursor)
        changes = [
            c for c in map(read_lifecycle_event, record.get("history") or []) if c is not None
        ]
        cache = self._hub_histories()
        cache[cursor] = changes
        while len(cache) > CACHED:
            cache.popitem(last=False)
        row = self._highlighted()
        if row is not None and self.store.row(row).cursor == cursor:
            self._refresh_detail()


def merge_history(
    hub: list[LifecycleChange], streamed: list[LifecycleChange]
) -> list[LifecycleChange]:
    """The hub's history, then what the stream brought that it did not yet have."""
    seen = {(c.verb, c.actor, c.at) for c in hub}
    return [*hub, *(c for c in streamed if (c.verb, c.actor, c.at) not in seen)]
