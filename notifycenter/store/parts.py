"""Occurrences of a folded row handled one by one.

Another client can acknowledge, resolve or archive one event of a row that folds three:
that event is handled, the row stays to handle, and it shows `×3 (1 acked, 1 resolved)`.
This holds which occurrence has which status, and when an occurrence's timed ack lapses.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from notifycenter.model.lifecycle import Verb
from notifycenter.store.types import ACKNOWLEDGED, ARCHIVED, RESOLVED

# The status a verb gives one occurrence; a stronger status is not lowered by a weaker verb.
CODE_OF_VERB = {Verb.ACK: ACKNOWLEDGED, Verb.RESOLVE: RESOLVED, Verb.ARCHIVE: ARCHIVED}


class Parts:
    """Row -> {occurrence: status code}, and the lapse times of one-by-one timed acks."""

    def __init__(self) -> None:
        self.by_row: dict[int, dict[int, int]] = {}
        self._until: dict[int, int] = {}  # occurrence -> ms its ack lapses at
        self._expiry: list[tuple[int, int, int]] = []  # (ms, row, occurrence)

    def state(self) -> tuple[list[tuple[int, list[tuple[int, int]]]], list[tuple[int, int, int]]]:
        """What a snapshot keeps: each row's parts, and the lapses still waiting."""
        parts = [(row, list(held.items())) for row, held in self.by_row.items()]
        return parts, [lapse for lapse in self._expiry if self._until.get(lapse[2]) == lapse[0]]

    @classmethod
    def restore(
        cls,
        parts: list[tuple[int, list[tuple[int, int]]]],
        lapses: list[tuple[int, int, int]],
        rows: int,
        occurrences: int,
    ) -> Parts:
        """Parts from a snapshot's `state`, each row and occurrence checked to exist."""
        restored = cls()
        for row, held in parts:
            if not 0 <= row < rows or not held:
                raise ValueError("parts of no row")
            for occurrence, code in held:
                if not 0 <= occurrence < occurrences or code not in CODE_OF_VERB.values():
                    raise ValueError("a part of no occurrence, or of no status")
            restored.by_row[row] = dict(held)
        for at, row, occurrence in lapses:
            if restored.of(row).get(occurrence) != ACKNOWLEDGED:
                raise ValueError("a lapse of no acknowledged part")
            restored.lapse_at(row, occurrence, at)
        return restored

    def of(self, row: int) -> dict[int, int]:
        return self.by_row.get(row, {})

    def count(self, row: int, code: int) -> int:
        return sum(1 for held in self.of(row).values() if held == code)

    def set(self, row: int, occurrence: int, code: int | None) -> int | None:
        """Give the occurrence a status (None: back to the row's); returns the old one."""
        parts = self.by_row.setdefault(row, {})
        old = parts.pop(occurrence, None)
        self._until.pop(occurrence, None)
        if code is not None:
            parts[occurrence] = code
        if not parts:
            del self.by_row[row]
        return old

    def lapse_at(self, row: int, occurrence: int, milliseconds: int) -> None:
        self._until[occurrence] = milliseconds
        heapq.heappush(self._expiry, (milliseconds, row, occurrence))

    def drop(self, row: int) -> dict[int, int]:
        """Forget the row's parts (a status for the whole row covers them); returns them."""
        parts = self.by_row.pop(row, {})
        for occurrence in parts:
            self._until.pop(occurrence, None)
        return parts

    def lapsed(self, now_ms: int) -> Iterator[tuple[int, int]]:
        """(row, occurrence) of each one-by-one ack whose time passed and that still holds."""
        while self._expiry and self._expiry[0][0] <= now_ms:
            at, row, occurrence = heapq.heappop(self._expiry)
            if self._until.get(occurrence) == at and self.of(row).get(occurrence) == ACKNOWLEDGED:
                yield row, occurrence
