"""Each row's details, lower-cased, kept only to be searched (the hub's q= searches them too).

Details are shown from the stored event, so only the lower-cased text is kept here. Most
events carry none and cost nothing; the others cost their UTF-8 bytes, a row number and an
offset. Entries are lines of large chunks, searched in C, as `TextColumn` does for
summaries; a row whose newer occurrence says something else keeps the new text apart.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from itertools import accumulate, compress, repeat
from operator import contains

from notifycenter.store.columns import increasing
from notifycenter.store.text import line_chunks

CHUNK_BYTES = 1 << 20
# Entries are lines; a line break inside details (and in a needle) is stored as NUL.
_BREAK, _STORED_BREAK = "\n", "\0"


def searchable(details: str) -> str:
    """Details as q= searches them: lower-cased, line breaks stored as NUL."""
    return details.lower().replace(_BREAK, _STORED_BREAK)


class DetailsColumn:
    def __init__(self) -> None:
        self._sealed: list[bytes] = []
        self._first = array("i")  # first entry of each sealed chunk
        self._open = bytearray()
        self._open_first = 0
        self._rows = array("i")  # the row of each entry, increasing
        self._start = array("i")  # each entry's byte offset in its chunk
        self._latest: dict[int, str] = {}  # rows whose newest details differ from the entry
        self._lock = threading.Lock()  # a search snapshots chunks while rows are added

    def add(self, row: int, searchable: str) -> None:
        """The details of a new row, the highest so far (from `searchable`)."""
        if not searchable:
            return
        data = searchable.encode("utf-8", "replace")  # a lone surrogate must not stop the store
        with self._lock:
            if self._open and len(self._open) + len(data) >= CHUNK_BYTES:
                self._sealed.append(bytes(self._open))
                self._first.append(self._open_first)
                self._open, self._open_first = bytearray(), len(self._rows)
            self._rows.append(row)
            self._start.append(len(self._open))
            self._open += data + b"\n"

    def replace(self, row: int, searchable: str) -> None:
        """A newer occurrence's details for `row`."""
        with self._lock:
            if searchable == self._entry(row):
                self._latest.pop(row, None)
            else:
                self._latest[row] = searchable

    def _entry(self, row: int) -> str:
        entry = bisect_right(self._rows, row) - 1
        if entry < 0 or self._rows[entry] != row:
            return ""
        chunk = bisect_right(self._first, entry) - 1
        in_open = entry >= self._open_first
        source = self._open if in_open else self._sealed[chunk]
        start = self._start[entry]
        end = source.index(b"\n", start)
        return bytes(source[start:end]).decode()

    def stored_lines(self) -> tuple[bytes, array[int], dict[int, str]]:
        """Every entry as lines, the row of each, and the newer details of some rows:
        what a snapshot keeps."""
        with self._lock:
            lines = b"".join(self._sealed) + bytes(self._open)
            return lines, self._rows[:], dict(self._latest)

    @classmethod
    def restore(
        cls, lines: memoryview, rows: array[int], latest: dict[int, str], row_count: int
    ) -> DetailsColumn:
        """A column from `stored_lines` of a snapshot, in sealed chunks of about
        `CHUNK_BYTES` (never shown: only its shape is checked)."""
        if len(rows) and (rows[0] < 0 or rows[-1] >= row_count or not increasing(rows)):
            raise ValueError("details of rows out of order or of no row")
        if latest and not (min(latest) >= 0 and max(latest) < row_count):
            raise ValueError("newer details of no row")
        column = cls()
        for chunk in line_chunks(lines, CHUNK_BYTES):
            chunk.decode()  # searches decode it: refuse what is not UTF-8 now
            entries = chunk.split(b"\n")[:-1]
            column._first.append(len(column._start))
            column._sealed.append(chunk)
            starts = array("i", accumulate(map((1).__add__, map(len, entries)), initial=0))
            starts.pop()  # where the entry after the last would start
            column._start.extend(starts)
        if len(column._start) != len(rows):
            raise ValueError("details that do not match their rows")
        column._open_first, column._rows, column._latest = len(rows), rows, latest
        return column

    def mask_containing(self, needle: str, rows: int) -> bytes:
        """A byte per row (of the first `rows`): 1 where its details contain `needle`,
        ignoring case."""
        wanted = searchable(needle)
        with self._lock:
            chunks = [*self._sealed, bytes(self._open)]
            firsts = [*self._first, self._open_first, len(self._rows)]
            owners = self._rows[:]
            latest = dict(self._latest)
        mask = bytearray(rows)
        for chunk, first, end in zip(chunks, firsts, firsts[1:], strict=False):
            text = chunk.decode()
            if wanted not in text:
                continue
            lines = text.split(_BREAK)[: end - first]
            for entry in compress(range(first, end), map(contains, lines, repeat(wanted))):
                if owners[entry] < rows:
                    mask[owners[entry]] = 1
        for row, text in latest.items():
            if row < rows:
                mask[row] = wanted in text
        return bytes(mask)

    def nbytes(self) -> int:
        return (
            sum(map(len, self._sealed))
            + len(self._open)
            + 8 * len(self._rows)
            + sum(len(t) + 60 for t in self._latest.values())
        )
