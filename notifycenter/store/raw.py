"""Full CloudEvents, kept as compact JSON compressed in blocks.

Events of one hub look alike (same attribute names, sources, types), so zlib over a block
of a few hundred compresses them several times better than one at a time. Entries are
append-only: when a newer occurrence folds into a row, its JSON is appended and the row
points at it; the old entry stays behind, compressed, and costs little.
"""

from __future__ import annotations

import threading
import zlib
from typing import Any

import orjson

BLOCK_ENTRIES = 256
COMPRESSION_LEVEL = 6
_DECODED_BLOCKS_KEPT = 4


class RawEvents:
    """Entry number -> one event's JSON."""

    def __init__(self) -> None:
        self._sealed: list[bytes] = []
        self._open: list[bytes] = []
        self._decoded: dict[int, list[bytes]] = {}
        self._lock = threading.Lock()  # select() may read from a worker thread

    def __len__(self) -> int:
        return len(self._sealed) * BLOCK_ENTRIES + len(self._open)

    def append(self, event: Any) -> int:
        """Store an event; return its entry number."""
        # orjson over-allocates its output (4 KiB); a copy of what was written keeps the
        # open block small and the heap less fragmented.
        data = bytes(memoryview(orjson.dumps(event)))
        with self._lock:
            entry = len(self._sealed) * BLOCK_ENTRIES + len(self._open)
            self._open.append(data)
            if len(self._open) == BLOCK_ENTRIES:
                # orjson never writes a raw newline, so it can separate entries.
                self._sealed.append(zlib.compress(b"\n".join(self._open), COMPRESSION_LEVEL))
                self._open = []
        return entry

    def get(self, entry: int) -> dict[str, Any]:
        return orjson.loads(self.get_bytes(entry))

    def get_bytes(self, entry: int) -> bytes:
        with self._lock:
            block, slot = divmod(entry, BLOCK_ENTRIES)
            if block == len(self._sealed):
                return self._open[slot]
            return self._block(block)[slot]

    def _block(self, block: int) -> list[bytes]:
        lines = self._decoded.get(block)
        if lines is None:
            if len(self._decoded) >= _DECODED_BLOCKS_KEPT:
                self._decoded.pop(next(iter(self._decoded)))
            lines = zlib.decompress(self._sealed[block]).split(b"\n")
            self._decoded[block] = lines
        return lines

    def nbytes(self) -> int:
        """Bytes held by the stored JSON (for the memory report)."""
        return sum(map(len, self._sealed)) + sum(map(len, self._open))
