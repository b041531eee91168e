"""A store written out whole and read back: how a client takes in a hub's backlog at once.

Taking a million records into a store one by one costs ~40 µs of Python each, over a
minute (docs/performance.md). A snapshot is the store's own columns, so reading one back
is mostly copying bytes. The hub keeps one made ahead of time (`hub/snapshots.py`); the
notification center loads it and replays the log after its cursor.

Layout: `MAGIC`, the header's length (8 bytes, little-endian), the header (JSON: the
format's version, the small state, the length of each section), then the sections' bytes
in the header's order. Columns are `array` bytes in little-endian order.

The reader trusts nothing: the header is decoded into strict types, every column's length
and every id it holds are checked against what it points into, display strings are made
again from the raw ones and row texts checked for what `sanitize` removes. A file that
fails a check is refused (`SnapshotError`) rather than loaded.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import msgspec

from notifycenter.model.lifecycle import LifecycleChange, LifecycleState
from notifycenter.model.severity import Severity
from notifycenter.store.columns import bounds, kind_of, pause_point, table
from notifycenter.store.core import EventStore
from notifycenter.store.details import DetailsColumn
from notifycenter.store.intindex import IntIndex
from notifycenter.store.parts import Parts
from notifycenter.store.raw import RawEvents
from notifycenter.store.silences import SilenceWindows
from notifycenter.store.strings import StringTable
from notifycenter.store.text import TextColumn
from notifycenter.store.types import BUCKETS, STATUS_OF_CODE

VERSION = 3  # any change of the layout or of what a section means changes it
MAGIC = b"NCSNAP" + VERSION.to_bytes(2, "big")
TABLE_SLICE = 1 << 14  # strings of a table decoded at a time
MAX_HEADER = 256 << 20  # the header's JSON holds the small state: states, history, silences

# Columns: (attribute of the store, typecode). Per occurrence, per row, per display place.
EVENT_COLUMNS = (("_ev_cursor", "q"), ("_ev_key", "q"), ("_ev_row", "i"), ("_ev_span", "Q"))
ROW_COLUMNS = (
    ("_time", "q"),
    ("_label", "I"),
    ("_subject", "I"),
    ("_count", "I"),
    ("_newest", "i"),
    ("_pos", "i"),
    ("_fold_key", "q"),
    ("_raw_entry", "i"),
)
ROW_BYTES = ("_severity", "_bucket", "_status")
PLACES = (
    ("_log", "_current", "_log_kind", "_log_status"),
    ("_older", "_older_current", "_older_kind", "_older_status"),
)
TABLES = ("sources", "types", "codes", "subjects")

_SEVERITIES = table(int(severity) for severity in Severity)
_BUCKETS = table(range(len(BUCKETS)))
_STATUSES = table(range(len(STATUS_OF_CODE)))
_FLAGS = table((0, 1))
_KINDS = table(kind_of(severity, bucket) for severity in Severity for bucket in range(4))


class SnapshotError(ValueError):
    """The bytes are not a snapshot this version can read, or fail one of its checks."""


class Snapshot(NamedTuple):
    """A store read back, and the log position it was read through: replay after it."""

    store: EventStore
    through: int


class Header(msgspec.Struct, forbid_unknown_fields=True):
    """Everything but the columns; `sections` says how long each following section is."""

    version: int
    through: int  # the log position read through: the log is replayed after it
    cursor: int  # the newest event held
    events: int
    rows: int
    labels: int
    min_cursor: int
    lifecycle_cursor: int
    ordered: bool
    orphans: int
    by_cursor: bool  # whether the store keeps a cursor index (older pages came after newer)
    counts: list[list[int]]
    quiet_counts: list[list[int]]
    states: list[tuple[int, LifecycleState]]
    history: list[tuple[int, list[LifecycleChange]]]
    expiry: list[tuple[int, int]]
    parts: list[tuple[int, list[tuple[int, int]]]]
    lapses: list[tuple[int, int, int]]
    silence_ends: dict[str, int]
    silence_members: dict[str, list[int]]
    quiet: list[int]
    replaced_summaries: dict[int, str]
    latest_details: dict[int, str]
    sections: list[tuple[str, int]]


def write_snapshot(store: EventStore, out: BinaryIO, through: int = -1) -> int:
    """Write `store` to `out`, read through log position `through` (at least its newest
    event); the number of bytes written. Runs where the store is written (one thread),
    so that nothing changes underneath."""
    sections = dict(_sections(store))
    lengths = [(name, len(data)) for name, data in sections.items()]
    header = msgspec.json.encode(_header(store, lengths, max(through, store.newest_cursor)))
    written = out.write(MAGIC) + out.write(len(header).to_bytes(8, "little")) + out.write(header)
    for data in sections.values():
        written += out.write(data)
    return written


def read_snapshot(
    data: bytes | bytearray | memoryview, clock: Callable[[], datetime] | None = None
) -> Snapshot:
    """The store `write_snapshot` wrote, checked (see the module's docstring)."""
    view = memoryview(data)
    try:
        header, sections = _split(view)
        return Snapshot(_restore(header, sections, clock), header.through)
    except SnapshotError:
        raise
    except (
        ValueError,
        OverflowError,
        IndexError,
        TypeError,
        KeyError,
        msgspec.DecodeError,
    ) as error:
        raise SnapshotError(f"the snapshot fails a check: {error}") from None


def readable(path: Path) -> bool:
    """Whether the file begins as a snapshot this version reads (a hub upgraded across a
    format change must not serve one its clients refuse)."""
    try:
        with path.open("rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _header(store: EventStore, sections: list[tuple[str, int]], through: int) -> Header:
    parts, lapses = store._parts.state()
    silences = store._silences.state()
    return Header(
        version=VERSION,
        through=through,
        cursor=store._max_cursor,
        events=store.event_count,
        rows=len(store),
        labels=len(store.labels),
        min_cursor=store._min_cursor,
        lifecycle_cursor=store._lifecycle_cursor,
        ordered=store.ordered,
        orphans=store.orphans,
        by_cursor=store._by_cursor is not None,
        counts=store._counts,
        quiet_counts=store._quiet_counts,
        states=list(store._states.items()),
        history=list(store._history.items()),
        expiry=list(store._expiry),
        parts=parts,
        lapses=lapses,
        silence_ends=silences["ends"],
        silence_members=silences["members"],
        quiet=silences["quiet"],
        replaced_summaries=store._summaries.stored_lines()[1],
        latest_details=store._details.stored_lines()[2],
        sections=sections,
    )


def _sections(store: EventStore) -> Iterator[tuple[str, bytes]]:
    for name, _ in EVENT_COLUMNS + ROW_COLUMNS:
        yield name, _little(getattr(store, name))
    for name in ROW_BYTES:
        yield name, bytes(getattr(store, name))
    for places in PLACES:
        yield places[0], _little(getattr(store, places[0]))
        for name in places[1:]:
            yield name, bytes(getattr(store, name))
    yield "labels", _little(array("I", [i for triple in store.labels for i in triple]))
    for name in TABLES:
        yield name, _json_slices(getattr(store, name).raw)
    yield "by_key", _little(store._by_key.slots)
    yield "fold", _little(store._fold.slots)
    if store._by_cursor is not None:
        yield "by_cursor", _little(store._by_cursor.slots)
    yield "summaries", store._summaries.stored_lines()[0]
    details, detail_rows, _ = store._details.stored_lines()
    yield "details", details
    yield "detail_rows", _little(detail_rows)
    sealed, open_entries = store._raw.blocks()
    yield "raw_sizes", _little(array("q", map(len, sealed)))
    yield "raw_blocks", b"".join(sealed)
    yield "raw_open", b"\n".join(open_entries)


def _split(view: memoryview) -> tuple[Header, dict[str, memoryview]]:
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise SnapshotError("not a notifycenter snapshot (or of another version)")
    size = int.from_bytes(view[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    if size > MAX_HEADER or start + size > len(view):
        raise SnapshotError("the snapshot is cut short")
    header = msgspec.json.decode(view[start : start + size], type=Header, strict=True)
    if header.version != VERSION:
        raise SnapshotError(f"a snapshot of version {header.version}; this reads {VERSION}")
    sections, offset = {}, start + size
    for name, length in header.sections:
        if length < 0 or offset + length > len(view) or name in sections:
            raise SnapshotError(f"section {name!r} is cut short or repeated")
        sections[name] = view[offset : offset + length]
        offset += length
    if offset != len(view):
        raise SnapshotError("bytes after the last section")
    return header, sections


def _restore(
    header: Header, sections: dict[str, memoryview], clock: Callable[[], datetime] | None
) -> EventStore:
    events, rows = header.events, header.rows
    store = EventStore(clock=clock)
    for name, code in EVENT_COLUMNS:
        setattr(store, name, _column(sections, name, code, events))
    for name, code in ROW_COLUMNS:
        setattr(store, name, _column(sections, name, code, rows))
    for name, allowed in zip(ROW_BYTES, (_SEVERITIES, _BUCKETS, _STATUSES), strict=True):
        setattr(store, name, _bytes(sections, name, rows, allowed))
    for places in PLACES:
        column = _array(sections, places[0], "i")
        _within(column, 0, rows, places[0])
        setattr(store, places[0], column)
        for name, allowed in zip(places[1:], (_FLAGS, _KINDS, _STATUSES), strict=True):
            setattr(store, name, _bytes(sections, name, len(column), allowed))
    _restore_tables(store, header, sections)
    _restore_texts(store, header, sections)
    _check_rows(store, header)
    _restore_indexes(store, header, sections)
    _restore_state(store, header)
    return store


def _restore_tables(store: EventStore, header: Header, sections: dict[str, memoryview]) -> None:
    for name in TABLES:
        setattr(store, name, StringTable.restore(_strings(sections[name])))
    flat = _column(sections, "labels", "I", 3 * header.labels)
    tables = [len(getattr(store, name)) for name in TABLES[:3]]
    for place, size in enumerate(tables):
        _within(flat[place::3], 0, size, "labels")
    store.labels = list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
    store._label_ids = {triple: label for label, triple in enumerate(store.labels)}
    if (
        not store.labels
        or store.labels[0] != (0, 0, 0)
        or len(store._label_ids) != len(store.labels)
    ):
        raise SnapshotError("the labels do not begin with the empty one, or repeat")


def _restore_texts(store: EventStore, header: Header, sections: dict[str, memoryview]) -> None:
    rows = header.rows
    store._summaries = TextColumn.restore(
        sections["summaries"], rows, _rows_of(header.replaced_summaries, rows)
    )
    store._details = DetailsColumn.restore(
        sections["details"],
        _array(sections, "detail_rows", "i"),
        _rows_of(header.latest_details, rows),
        rows,
    )
    sizes = _array(sections, "raw_sizes", "q")
    blob, sealed, offset = sections["raw_blocks"], [], 0
    for block, size in enumerate(sizes):
        if block % 256 == 0:
            pause_point()
        if size < 0 or offset + size > len(blob):
            raise SnapshotError("the stored events are cut short")
        sealed.append(bytes(blob[offset : offset + size]))
        offset += size
    open_blob = bytes(sections["raw_open"])
    open_entries = open_blob.split(b"\n") if open_blob else []
    store._raw = RawEvents.restore(sealed, open_entries)


def _check_rows(store: EventStore, header: Header) -> None:
    """Every id a row or an occurrence holds points at something held."""
    events, rows = header.events, header.rows
    _within(store._ev_row, 0, rows, "_ev_row")
    _within(store._label, 0, len(store.labels), "_label")
    _within(store._subject, 0, len(store.subjects), "_subject")
    _within(store._newest, 0, events, "_newest")
    _within(store._raw_entry, 0, len(store._raw), "_raw_entry")
    _within(store._pos, -len(store._older), len(store._log), "_pos")
    if rows and bounds(store._count)[0] < 1:
        raise SnapshotError("a row of no occurrence")


def _restore_indexes(store: EventStore, header: Header, sections: dict[str, memoryview]) -> None:
    store._by_key = IntIndex.restore(store._ev_key, _array(sections, "by_key", "i"))
    store._fold = IntIndex.restore(store._fold_key, _array(sections, "fold", "i"))
    store._by_cursor = (
        IntIndex.restore(store._ev_cursor, _array(sections, "by_cursor", "i"))
        if header.by_cursor
        else None
    )
    store._reserved = header.events


def _restore_state(store: EventStore, header: Header) -> None:
    events, rows = header.events, header.rows
    store._max_cursor, store._min_cursor = header.cursor, header.min_cursor
    store._lifecycle_cursor, store.ordered = header.lifecycle_cursor, header.ordered
    store.orphans = header.orphans
    store._counts = _counts(header.counts)
    store._quiet_counts = _counts(header.quiet_counts)
    store._states = _rows_of(dict(header.states), rows)
    store._history = _rows_of(dict(header.history), rows)
    store._expiry = sorted(header.expiry)
    _rows_of({row: None for _, row in header.expiry}, rows)
    store._parts = Parts.restore(header.parts, header.lapses, rows, events)
    store._silences = SilenceWindows.restore(
        header.silence_ends, header.silence_members, header.quiet, store._ev_row
    )


def _json_slices(strings: list[str]) -> bytes:
    """A string table as JSON arrays of `TABLE_SLICE` strings, one per line: read back
    a slice at a time (`_strings`), so that no one decode holds the GIL for long."""
    return b"".join(
        msgspec.json.encode(strings[start : start + TABLE_SLICE]) + b"\n"
        for start in range(0, len(strings), TABLE_SLICE)
    )


def _strings(section: memoryview) -> list[str]:
    strings: list[str] = []
    for line in bytes(section).split(b"\n")[:-1]:
        pause_point()
        strings += msgspec.json.decode(line, type=list[str], strict=True)
    return strings


def _column(sections: dict[str, memoryview], name: str, code: str, length: int) -> array[Any]:
    column = _array(sections, name, code)
    if len(column) != length:
        raise SnapshotError(f"column {name} holds {len(column)} entries, not {length}")
    return column


def _array(sections: dict[str, memoryview], name: str, code: str) -> array[Any]:
    column = array(code)
    data = sections.get(name)
    if data is None or len(data) % column.itemsize:
        raise SnapshotError(f"section {name!r} is missing or cut short")
    column.frombytes(data)
    if sys.byteorder != "little":
        column.byteswap()
    return column


def _bytes(sections: dict[str, memoryview], name: str, length: int, allowed: bytes) -> bytearray:
    data = sections.get(name)
    if data is None or len(data) != length:
        raise SnapshotError(f"section {name!r} is missing or of the wrong length")
    if bytes(data).translate(allowed).count(0):
        raise SnapshotError(f"section {name!r} holds a value it cannot")
    return bytearray(data)


def _within(column: array[int], low: int, high: int, name: str) -> None:
    if not column:
        return
    least, most = bounds(column)
    if least < low or most >= high:
        raise SnapshotError(f"{name} points at something not held")


def _rows_of(by_row: dict[int, Any], rows: int) -> dict[int, Any]:
    if by_row and (min(by_row) < 0 or max(by_row) >= rows):
        raise SnapshotError("a row's state for a row not held")
    return by_row


def _counts(counts: list[list[int]]) -> list[list[int]]:
    if len(counts) != len(BUCKETS) or any(len(row) != len(STATUS_OF_CODE) for row in counts):
        raise SnapshotError("counts of another shape")
    return [list(row) for row in counts]


def _little(column: array[Any]) -> bytes:
    if sys.byteorder == "little":
        return column.tobytes()
    swapped = array(column.typecode, column)
    swapped.byteswap()
    return swapped.tobytes()
