"""Full CloudEvents, kept as compact JSON compressed in blocks.

Events of one hub look alike (same attribute names, sources, types), so zlib over a block
of a few hundred compresses them several times better than one at a time. Entries are
append-only: when a newer occurrence folds into a row, its JSON is appended and the row
points at it; the old entry stays behind, compressed, and costs little.

An event orjson cannot write (nested deeper than it allows, integers past 64 bits, keys
that are not strings) is written by the standard library instead; one that neither can
write keeps its attributes that are plain values. Storing never raises.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Mapping
from typing import Any, cast

import orjson

BLOCK_ENTRIES = 256
COMPRESSION_LEVEL = 3  # level 6 took twice the time (7 µs an event) for 16% less: 51 B against 61
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
        data = _encode(event)
        with self._lock:
            entry = len(self._sealed) * BLOCK_ENTRIES + len(self._open)
            self._open.append(data)
            if len(self._open) == BLOCK_ENTRIES:
                # orjson never writes a raw newline, so it can separate entries.
                self._sealed.append(zlib.compress(b"\n".join(self._open), COMPRESSION_LEVEL))
                self._open = []
        return entry

    def get(self, entry: int) -> dict[str, Any]:
        """The entry's event; `{}` for one a damaged snapshot left unreadable."""
        data = self.get_bytes(entry)
        try:
            decoded = orjson.loads(data)
        except orjson.JSONDecodeError:
            try:
                decoded = json.loads(data)  # written by `_encode`'s fallback
            except ValueError:
                return {}
        return cast(dict[str, Any], decoded) if isinstance(decoded, dict) else {}

    def get_bytes(self, entry: int) -> bytes:
        with self._lock:
            block, slot = divmod(entry, BLOCK_ENTRIES)
            if block == len(self._sealed):
                return self._open[slot]
            lines = self._block(block)
            return lines[slot] if slot < len(lines) else b""

    def _block(self, block: int) -> list[bytes]:
        lines = self._decoded.get(block)
        if lines is None:
            if len(self._decoded) >= _DECODED_BLOCKS_KEPT:
                self._decoded.pop(next(iter(self._decoded)))
            try:
                lines = zlib.decompress(self._sealed[block]).split(b"\n")
            except zlib.error:
                lines = []  # only a snapshot's block can be damaged: its events read as {}
            self._decoded[block] = lines
        return lines

    def blocks(self) -> tuple[list[bytes], list[bytes]]:
        """The sealed (compressed) blocks and the open block's entries: what a snapshot keeps."""
        with self._lock:
            return list(self._sealed), list(self._open)

    @classmethod
    def restore(cls, sealed: list[bytes], open_entries: list[bytes]) -> RawEvents:
        """Entries from a snapshot's `blocks`. A block is only inflated when one of its
        events is asked for, so a damaged one shows as `{}` then, not here."""
        if len(open_entries) >= BLOCK_ENTRIES or any(b"\n" in entry for entry in open_entries):
            raise ValueError("an open block that does not fit")
        raw = cls()
        raw._sealed, raw._open = sealed, open_entries
        return raw

    def nbytes(self) -> int:
        """Bytes held by the stored JSON (for the memory report)."""
        return sum(map(len, self._sealed)) + sum(map(len, self._open))


def _encode(event: Any) -> bytes:
    try:
        return bytes(memoryview(orjson.dumps(event)))
    except TypeError:  # orjson.JSONEncodeError
        pass
    try:
        return json.dumps(event, default=_plain).encode()  # ASCII: lone surrogates escaped
    except (TypeError, ValueError, RecursionError):
        fields = event.items() if isinstance(event, Mapping) else ()
        plain = {
            str(k): v
            for k, v in fields
            if v is None or isinstance(v, (str, float)) or _small_int(v)
        }
        return json.dumps(plain).encode()


def _plain(value: Any) -> Any:
    """What the standard library cannot write by itself, as JSON values."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return repr(value)


def _small_int(value: object) -> bool:
    return isinstance(value, int) and -(1 << 63) <= value < (1 << 64)  # bool included
