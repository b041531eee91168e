"""The log's records, newest first, a page at a time: the first page paints the screen,
the rest fill the store in the background while the stream carries on from the top."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifycenter.client import HubClient
    from notifycenter.model import wire

# A page is decoded on the event loop: 250 records take a few milliseconds, 1,000 (the
# hub's largest page) held a key for tens of them on a busy machine. Pages of 500, read
# straight into their records, still made the keys' p95 ~4 ms slower (two runs each).
PAGE_SIZE = 250
FIRST_PAGE = 100  # two screenfuls or more: the first paint waits for nothing more


class Backfill:
    """Pages of `GET /api/events` from the cursor the stream starts after, going back."""

    def __init__(self, client: HubClient, last: str, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size
        self.last = int(last)  # the stream carries on after this cursor
        self._before: str | None = str(self.last + 1)  # `before` is exclusive
        self.loaded = 0

    @property
    def done(self) -> bool:
        return self._before is None

    async def next_page(self) -> list[wire.Record]:
        """Records with their status (lifecycle events are not among them: the status is)."""
        if self._before is None:
            return []
        size = FIRST_PAGE if self.loaded == 0 else self.page_size
        page = await self.client.list(before=self._before, limit=size)
        self._before = page.next  # a page the hub cut off may be empty: go on from next
        self.loaded += len(page.items)
        return page.items
