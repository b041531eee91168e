"""Which stored occurrences a hub silence keeps quiet right now, and until when.

The hub stamps a notification that arrives while a silence matches it (its `silence`
attribute); it stays quiet while that silence is in force, then counts as open again. The
store learns each silence's window from the silence events on the stream and from
`GET /api/silences`; an occurrence whose silence it does not know counts as open (never
hide an error on a guess) until the window is learned. Ends wait in a heap, so finding
what ends now is one look at its top, not a walk over the silenced occurrences.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Mapping
from typing import Any

from notifycenter.model.silences import SilenceChange, read_silence_event
from notifycenter.store.received import time_ms

_ENDED = -1  # a window that is over: what arrives under it later is not quiet


class SilenceWindows:
    """Silence id -> end; the occurrences stamped with each; those quiet now."""

    def __init__(self) -> None:
        self._ends: dict[str, int] = {}  # epoch ms, or _ENDED
        self._heap: list[tuple[int, str]] = []  # (end ms, id) of windows not yet over
        # Occurrences stamped with a silence that is in force or not known yet.
        self._members: dict[str, array[int]] = {}
        self.quiet: set[int] = set()  # occurrences a silence in force keeps quiet
        self.rows: dict[int, int] = {}  # row -> how many of its occurrences are quiet

    def __bool__(self) -> bool:
        return bool(self._ends or self._members)

    @property
    def next_end(self) -> int | None:
        """When the next window in force ends (epoch ms): when counts change by themselves."""
        while self._heap and self._ends.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # ended early: expired
        return self._heap[0][0] if self._heap else None

    def state(self) -> dict[str, Any]:
        """What a snapshot keeps (see `restore`)."""
        return {
            "ends": dict(self._ends),
            "members": {key: list(value) for key, value in self._members.items()},
            "quiet": sorted(self.quiet),
        }

    @classmethod
    def restore(
        cls,
        ends: dict[str, int],
        members: dict[str, list[int]],
        quiet: list[int],
        row_of: array[int],
    ) -> SilenceWindows:
        """Windows from a snapshot's `state`; the heap and the per-row counts are made
        again from them, and every occurrence is checked to exist."""
        windows = cls()
        windows._ends = dict(ends)
        windows._heap = [(end, key) for key, end in ends.items() if end != _ENDED]
        heapq.heapify(windows._heap)
        for key, held in members.items():
            windows._members[key] = array("i", held)
        everyone = [o for held in members.values() for o in held] + quiet
        if everyone and not (min(everyone) >= 0 and max(everyone) < len(row_of)):
            raise ValueError("a silenced occurrence that is not held")
        for occurrence in quiet:
            windows._hush(occurrence, row_of[occurrence])
        return windows

    def arrived(self, occurrence: int, row: int, silence_id: str, now_ms: int) -> bool:
        """An occurrence stamped with `silence_id`; True when it is quiet from now."""
        end = self._ends.get(silence_id)
        if end is not None and (end == _ENDED or end <= now_ms):
            return False
        self._members.setdefault(silence_id, array("i")).append(occurrence)
        if end is None:
            return False
        self._hush(occurrence, row)
        return True

    def learn_event(
        self, event: Mapping[str, Any], now_ms: int, row_of: array[int]
    ) -> tuple[list[int], list[int]]:
        """A silence event from the stream: (occurrences now quiet, occurrences now not)."""
        change = read_silence_event(event)
        if change is None:
            return [], []
        return self._learn(change, now_ms, row_of)

    def learn_record(
        self, record: Mapping[str, Any], now_ms: int, row_of: array[int]
    ) -> tuple[list[int], list[int]]:
        """A silence as `GET /api/silences` answers it."""
        silence_id, ends = record.get("id"), record.get("ends")
        if not isinstance(silence_id, str) or not isinstance(ends, str):
            return [], []
        if record.get("expired_at") is not None or record.get("state") == "expired":
            return [], self._end(silence_id, row_of)
        return self._open(silence_id, time_ms(ends), now_ms, row_of)

    def due(self, now_ms: int, row_of: array[int]) -> list[int]:
        """Occurrences whose window ended by `now_ms`; they are no longer quiet."""
        loud: list[int] = []
        while (end := self.next_end) is not None and end <= now_ms:
            _, silence_id = heapq.heappop(self._heap)
            loud += self._end(silence_id, row_of)
        return loud

    def _learn(
        self, change: SilenceChange, now_ms: int, row_of: array[int]
    ) -> tuple[list[int], list[int]]:
        if change.silence is not None:
            silence = change.silence
            return self._open(silence.id, time_ms(silence.ends), now_ms, row_of)
        if change.expired_id is not None:
            return [], self._end(change.expired_id, row_of)
        return [], []

    def _open(
        self, silence_id: str, end: int, now_ms: int, row_of: array[int]
    ) -> tuple[list[int], list[int]]:
        if silence_id in self._ends:
            return [], []  # known already: a silence's window never changes
        if end <= now_ms:
            return [], self._end(silence_id, row_of)
        self._ends[silence_id] = end
        heapq.heappush(self._heap, (end, silence_id))
        hushed = list(self._members.get(silence_id, ()))
        for occurrence in hushed:
            self._hush(occurrence, row_of[occurrence])
        return hushed, []

    def _end(self, silence_id: str, row_of: array[int]) -> list[int]:
        self._ends[silence_id] = _ENDED
        loud = [o for o in self._members.pop(silence_id, ()) if o in self.quiet]
        for occurrence in loud:
            self.quiet.discard(occurrence)
            row = row_of[occurrence]
            left = self.rows[row] - 1
            if left:
                self.rows[row] = left
            else:
                del self.rows[row]
        return loud

    def _hush(self, occurrence: int, row: int) -> None:
        if occurrence not in self.quiet:
            self.quiet.add(occurrence)
            self.rows[row] = self.rows.get(row, 0) + 1
