"""The incoming buffers between the hub and the screen.

The stream can deliver thousands of events a second and the first records arrive a
thousand a page; the screen takes at most a flush's worth from these buffers on a timer,
so that a burst costs one store update and one redraw, and a big replay never freezes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FLUSH_LIMIT = 2000  # events one flush takes in


class FeedBuffer:
    """Items waiting for the next flush, oldest first."""

    def __init__(self) -> None:
        self._pending: list[Mapping[str, Any]] = []
        self._start = 0  # taken items before this are dropped lazily

    def push(self, item: Mapping[str, Any]) -> None:
        self._pending.append(item)

    def push_all(self, items: Iterable[Mapping[str, Any]]) -> None:
        self._pending.extend(items)

    def take(self, limit: int | None = None) -> list[Mapping[str, Any]]:
        """Up to `limit` items (all without one), oldest first; the rest wait."""
        end = len(self._pending) if limit is None else min(self._start + limit, len(self._pending))
        taken = self._pending[self._start : end]
        self._start = end
        if self._start * 2 >= len(self._pending):  # compact once half is taken
            self._pending, self._start = self._pending[self._start :], 0
        return taken

    def __len__(self) -> int:
        return len(self._pending) - self._start
