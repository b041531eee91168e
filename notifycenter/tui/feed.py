"""The incoming-event buffer between the stream and the screen.

The stream can deliver thousands of events a second; the screen takes them from this
buffer on a timer, so that a burst costs one store update and one redraw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FeedBuffer:
    """Events waiting for the next flush."""

    def __init__(self) -> None:
        self._pending: list[Mapping[str, Any]] = []

    def push(self, event: Mapping[str, Any]) -> None:
        self._pending.append(event)

    def take(self) -> list[Mapping[str, Any]]:
        """Everything waiting, oldest first; the buffer is empty afterwards."""
        pending, self._pending = self._pending, []
        return pending

    def __len__(self) -> int:
        return len(self._pending)
