"""Row summaries in large immutable chunks, with a lower-cased twin to search.

A `str` per row costs ~50 bytes of header and scatters the heap; here a row costs its
UTF-8 bytes twice plus 10 bytes of offsets. Row i is line i, so a search turns straight
into a row mask: each chunk is decoded, split into lines and tested in C. Sealed chunks never
change, so a search from a worker thread needs no lock; only the open tail is copied.
A row whose text changes later (a newer occurrence said something else) keeps the new
text apart, in `_replaced`.
"""

from __future__ import annotations

import re
import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from functools import partial
from itertools import accumulate, repeat
from operator import contains

from notifycenter.model.sanitize import has_unsafe, sanitize_line
from notifycenter.store.columns import pause_point

CHUNK_BYTES = 1 << 20
_NEWLINE = b"\n"  # texts are single lines (sanitize_line), so it never occurs inside one


class TextColumn:
    def __init__(self) -> None:
        self._sealed: list[bytes] = []
        self._sealed_lower: list[bytes] = []
        self._first_row = array("i")  # first row of each sealed chunk
        self._open = bytearray()
        self._open_lower = bytearray()
        self._open_first = 0
        self._start = array("i")  # offset of each row's text in its chunk
        self._size = array("H")
        self._chunk = array("H")
        self._lower_start = array("i")  # offset of each row's lower-cased text, in characters
        self._open_lower_chars = 0
        self._replaced: dict[int, str] = {}
        self._lock = threading.Lock()  # a search snapshots chunks while rows are appended

    def __len__(self) -> int:
        return len(self._start)

    def append(self, text: str) -> int:
        """Store the next row's text; return its row number."""
        lowered = text.lower()
        data, lower = text.encode(), lowered.encode()
        with self._lock:
            if max(len(self._open) + len(data), len(self._open_lower) + len(lower)) >= CHUNK_BYTES:
                self._seal()
            self._start.append(len(self._open))
            self._size.append(len(data))
            self._chunk.append(len(self._sealed))
            self._lower_start.append(self._open_lower_chars)
            self._open_lower_chars += len(lowered) + 1
            self._open += data + _NEWLINE
            self._open_lower += lower + _NEWLINE
            return len(self._start) - 1

    def replace(self, row: int, text: str) -> None:
        if text == self.get(row):
            return
        if text == self._stored(row):
            self._replaced.pop(row, None)
        else:
            self._replaced[row] = text

    def get(self, row: int) -> str:
        replaced = self._replaced.get(row)
        return self._stored(row) if replaced is None else replaced

    def _stored(self, row: int) -> str:
        chunk, start = self._chunk[row], self._start[row]
        source = self._sealed[chunk] if chunk < len(self._sealed) else self._open
        return bytes(source[start : start + self._size[row]]).decode()

    def _seal(self) -> None:
        self._sealed.append(bytes(self._open))
        self._sealed_lower.append(bytes(self._open_lower))
        self._first_row.append(self._open_first)
        self._open_first = len(self._start)
        self._open, self._open_lower = bytearray(), bytearray()
        self._open_lower_chars = 0

    def stored_lines(self) -> tuple[bytes, dict[int, str]]:
        """Every row's first text as lines (UTF-8), and the texts that replaced some:
        what a snapshot keeps."""
        with self._lock:
            return b"".join(self._sealed) + bytes(self._open), dict(self._replaced)

    @classmethod
    def restore(cls, lines: memoryview, rows: int, replaced: dict[int, str]) -> TextColumn:
        """A column from `stored_lines` of a snapshot, in sealed chunks of about
        `CHUNK_BYTES`, read a chunk at a time (no call holds the GIL for long). Its texts
        are shown as they are, so they must already be inert: one that is not is refused
        (ValueError)."""
        if not all(map(_inert_line, replaced.values())):
            raise ValueError("a row text that is not sanitised")
        if replaced and not (min(replaced) >= 0 and max(replaced) < rows):
            raise ValueError("a replaced row text of no row")
        column = cls()
        for chunk in line_chunks(lines, CHUNK_BYTES):
            column._seal_restored(chunk)
        if len(column._start) != rows:
            raise ValueError("row texts that do not match the rows")
        column._open_first = rows
        column._replaced = replaced
        return column

    def _seal_restored(self, chunk: bytes) -> None:
        """One chunk of a snapshot's lines, checked, as a sealed chunk."""
        text = chunk.decode()
        if has_unsafe(text) or "\t" in text:
            raise ValueError("a row text that is not sanitised")
        encoded, lowered = chunk.split(_NEWLINE)[:-1], text.lower().split("\n")[:-1]
        if len(encoded) != len(lowered):
            raise ValueError("a row text that breaks its line")
        self._first_row.append(len(self._start))
        self._chunk.extend(repeat(len(self._sealed), len(encoded)))
        self._sealed.append(chunk)
        self._sealed_lower.append("\n".join([*lowered, ""]).encode())
        sizes = array("H", map(len, encoded))
        self._size.extend(sizes)
        self._start.extend(_offsets(sizes))
        self._lower_start.extend(_offsets(array("i", map(len, lowered))))

    def mask_containing(self, needle: str, rows: int) -> bytes:
        """A byte per row (of the first `rows`): 1 where its text contains `needle`,
        ignoring case."""
        wanted = needle.lower()
        with self._lock:
            chunks = [*self._sealed_lower, bytes(self._open_lower)]
            firsts = [*self._first_row, self._open_first, len(self._start)]
            starts = self._lower_start[:]
        mask = bytearray(max(rows, firsts[-1]))
        for chunk, first, end in zip(chunks, firsts, firsts[1:], strict=False):
            _search_chunk(chunk.decode(), wanted, mask, first, end, starts)
        del mask[rows:]
        for row, text in list(self._replaced.items()):
            if row < rows:
                mask[row] = wanted in text.lower()
        return bytes(mask)

    def nbytes(self) -> int:
        return (
            sum(map(len, self._sealed))
            + sum(map(len, self._sealed_lower))
            + len(self._open)
            + len(self._open_lower)
            + 8 * len(self._start)
            + sum(len(t) + 60 for t in self._replaced.values())
        )


def line_chunks(lines: memoryview, size: int) -> Iterator[bytes]:
    """`lines` (each ending in a newline) in pieces of about `size` bytes, whole lines
    each; ValueError when the last line is not ended."""
    start = 0
    while start < len(lines):
        pause_point()
        window = bytes(lines[start : start + size])
        cut = window.rfind(_NEWLINE)
        if cut < 0:  # one line longer than a piece
            window = bytes(lines[start:])
            cut = window.find(_NEWLINE)
            if cut < 0:
                raise ValueError("texts that do not end a line")
        yield window[: cut + 1]
        start += cut + 1


def _offsets(sizes: array[int]) -> array[int]:
    """Where each line starts when lines of these sizes follow each other, newline after each."""
    starts = array("i", accumulate(map((1).__add__, sizes), initial=0))
    starts.pop()
    return starts


def _inert_line(text: str) -> bool:
    return sanitize_line(text, len(text) + 1) == text


def _search_chunk(
    text: str, wanted: str, mask: bytearray, first: int, end: int, starts: array[int]
) -> None:
    """Set `mask` for rows first..end-1 (the lines of `text`) that contain `wanted`.

    Few hits: find them and bisect each to its line. Many: test every line (`in` on str
    is several times faster than on bytes, which first tries the needle as an int).
    """
    hits = text.count(wanted)
    if not hits:
        return
    if hits * 3 < end - first:
        line_of = partial(bisect_right, starts[first:end])
        for line in set(map(line_of, map(re.Match.start, re.finditer(re.escape(wanted), text)))):
            mask[first + line - 1] = 1
        return
    mask[first:end] = bytes(map(contains, text.split("\n")[:-1], repeat(wanted)))
