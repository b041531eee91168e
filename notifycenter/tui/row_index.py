"""Index arithmetic for the event list: an index is an `array` of store row ids, newest
first. Pure functions, so that the list widget only moves a cursor and draws."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import compress

from notifycenter.store import EventStore, ViewQuery

SCAN_CHUNK = 4096


def without(index: array[int], rows: set[int], cursor: int) -> tuple[array[int], int]:
    """`index` minus `rows`, and how many of them sat above position `cursor`. Moved rows
    were recent, so the scan usually stops near the top."""
    if not rows:
        return index, 0
    wanted, kept, removed_above, start = set(rows), array("i"), 0, 0
    while wanted and start < len(index):
        chunk = index[start : start + SCAN_CHUNK]
        hits = bytes(map(wanted.__contains__, chunk))
        if any(hits):
            for offset in (i for i, hit in enumerate(hits) if hit):
                wanted.discard(chunk[offset])
                removed_above += start + offset < cursor
            kept.extend(compress(chunk, (not hit for hit in hits)))
        else:
            kept.extend(chunk)
        start += SCAN_CHUNK
    kept.extend(index[start:])
    return kept, removed_above


def position_in(store: EventStore, index: array[int], row: int) -> int:
    """Where `row` is in `index`, or where it would be (the nearest older row)."""
    if not store.ordered:
        try:
            return index.index(row)
        except ValueError:
            return 0
    position = store.position
    return bisect_left(index, -position(row), key=lambda r: -position(r))


def view_fields(view: ViewQuery) -> tuple[object, ...]:
    """A view's plain fields: a refilter compiles its predicate anew, so that is left out."""
    return (
        view.bucket,
        view.min_severity,
        view.status,
        view.unacked_errors_only,
        view.text,
        view.source,
        view.operation,
        view.predicate is None,
    )


def watermark(index: array[int], store: EventStore) -> tuple[int, int, int]:
    """(display-log length, row count, rows below the log) that `index` reflects."""
    return (
        getattr(index, "log_end", store.log_length),
        getattr(index, "row_end", len(store)),
        getattr(index, "older_end", store.older_length),
    )
