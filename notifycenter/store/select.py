"""`EventStore.select`: the list's rows for a query, computed over column snapshots.

Cheap fields become byte masks via `bytes.translate`. Beside each place in the display
log the store keeps a byte of its row's severity and bucket (its "kind", fixed for a
row's life) and of its status (kept right at the row's current place), so those masks
are one `translate` of the places; only the text search's row mask is gathered through
the places, in C with `map`. The places kept are read out with `itertools.compress`, or,
when few rows are kept, found by a byte search and sorted by place. The costlier filters
(operation, source, text, predicate) then run only on the rows left. Nothing here writes
to the store, so it can run in a worker thread.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import compress
from typing import TYPE_CHECKING, Any

from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import owner_wanted
from notifycenter.model.severity import Bucket, Severity, parse_severity
from notifycenter.store.columns import (
    SPARSE_SHARE,
    kept,
    kinds,
    mask_and,
    mask_or,
    ones,
    positions_of,
    table,
)
from notifycenter.store.types import (
    ARCHIVED,
    CODE_OF_BUCKET,
    NONE,
    READ,
    RESOLVED,
    STATUS_FILTER_CODES,
    UNREAD,
    RowIndex,
    ViewQuery,
)

if TYPE_CHECKING:
    from notifycenter.store.core import EventStore

_NOT_ARCHIVED = frozenset({UNREAD, READ, 2, RESOLVED, NONE})


def select(
    store: EventStore, view: ViewQuery, start: int | None = None, older_limit: int | None = None
) -> RowIndex:
    """Every row (`start` None), or the rows placed in the log from `start` on. With
    `older_limit`, the walk below the log may stop after that many places: the index says
    where (`older_end`), and `select_older` from there gives the rest."""
    end, row_end = len(store._log), len(store._time)  # rows are created before logged
    older_end = len(store._older) if start is None else 0
    masks = _Masks(store, view)
    row_mask = masks.rows()
    if (
        row_mask is not None
        and start is None
        and row_mask.count(1) * SPARSE_SHARE < end + older_end
    ):
        rows = _few_in_order(store, row_mask, end, older_end)
    else:
        if older_limit is not None and store.ordered:
            older_end = min(older_end, older_limit)
        rows = _walk_log(store, masks, start or 0, end)
        if older_end:
            rows.extend(_walk_older(store, masks, 0, older_end))
    rows = _post_filters(store, view, rows)
    if not store.ordered:
        cursor, newest = store._ev_cursor, store._newest
        rows = array("i", sorted(rows, key=lambda row: cursor[newest[row]], reverse=True))
    index = RowIndex("i", rows)
    index.log_end, index.row_end = end, row_end
    index.older_end = older_end
    return index


FEW_ROWS = 5_000  # sorted by display position in a few milliseconds


def few_rows(store: EventStore, view: ViewQuery) -> bool:
    """Whether `view` keeps at most `FEW_ROWS` rows by its byte columns alone (bucket,
    severity, status): a select of it then sorts those few and costs a few `translate`s,
    however big the store. A text filter reads text, so it never counts as quick to tell."""
    if view.text:
        return False
    row_mask = _Masks(store, view).rows()
    return row_mask is not None and row_mask.count(1) <= FEW_ROWS


def select_older(store: EventStore, view: ViewQuery, start: int) -> RowIndex:
    """Rows below the log from place `start` on, newest first, that match `view`."""
    return next(select_older_steps(store, view, start, len(store._older) - start or 1))


def select_older_steps(
    store: EventStore, view: ViewQuery, start: int, step: int
) -> Iterator[RowIndex]:
    """`select_older` in parts of `step` places each (at least one, even if empty): the
    view's masks (a text search's among them) are worked out once for all the parts."""
    masks, end = _Masks(store, view), len(store._older)
    while True:
        stop = min(start + step, end)
        index = RowIndex("i", _post_filters(store, view, _walk_older(store, masks, start, stop)))
        index.older_end = stop
        yield index
        if stop >= end:
            return
        start = stop


def _walk_older(store: EventStore, masks: _Masks, start: int, end: int) -> array[int]:
    """Rows below the log, newest first (the order they were placed in)."""
    older = store._older[start:end]
    keep = masks.places(
        older,
        store._older_current[start:end],
        store._older_kind[start:end],
        store._older_status[start:end],
    )
    return kept(older, keep)


def _walk_log(store: EventStore, masks: _Masks, start: int, end: int) -> array[int]:
    """Rows in display order: the log read backwards, keeping live entries of kept rows."""
    log = store._log[start:end]
    keep = masks.places(
        log, store._current[start:end], store._log_kind[start:end], store._log_status[start:end]
    )
    rows = kept(log, keep)
    rows.reverse()
    return rows


def _few_in_order(store: EventStore, row_mask: bytes, end: int, older_end: int) -> array[int]:
    """When few rows are kept, sorting them by display position beats walking the log.
    Rows placed at or after `end` (meanwhile) are left for the next `start=end` select,
    and those placed below the log after `older_end` for the next `select_older`."""
    position = store._pos[: len(row_mask)]
    kept = ones(row_mask)
    floor = -1 - older_end
    placed = compress(kept, (floor < place < end for place in map(position.__getitem__, kept)))
    return array("i", sorted(placed, key=position.__getitem__, reverse=True))


class _Masks:
    """A view's byte-column filters, as a mask over rows and as masks over places."""

    def __init__(self, store: EventStore, view: ViewQuery) -> None:
        self.store, self.count = store, len(store._status)
        self.buckets = _buckets(view)
        self.floor = None if view.min_severity is None else _severity(view.min_severity)
        self.kinds = kinds(self.buckets, self.floor)
        statuses = _statuses(store, view)
        self.statuses = None if statuses is None else table(statuses)
        self.text = _text_mask(store, view.text, self.count) if view.text else None

    def rows(self) -> bytes | None:
        """Rows kept, or None when every row is."""
        masks: list[bytes | bytearray] = [] if self.text is None else [self.text]
        if self.statuses is not None:
            masks.append(self.store._status[: self.count].translate(self.statuses))
        if self.buckets is not None:
            masks.append(self.store._bucket[: self.count].translate(table(self.buckets)))
        if self.floor is not None:
            severities = self.store._severity[: self.count]
            masks.append(severities.translate(table(range(self.floor, 256))))
        return _all_of(masks)

    def places(
        self, rows: array[int], current: bytearray, kind: bytearray, status: bytearray
    ) -> bytes:
        """Which places to keep: live ones (whose status copy is the row's), of a wanted
        kind and status (a `translate` each), whose rows hold the text (gathered)."""
        keep = bytes(current)
        if self.kinds is not None:
            keep = mask_and(keep, kind.translate(self.kinds))
        if self.statuses is not None:
            keep = mask_and(keep, status.translate(self.statuses))
        if self.text is not None:
            keep = mask_and(keep, bytes(map(self.text.__getitem__, rows)))
        return keep


def _all_of(masks: list[bytes | bytearray]) -> bytes | None:
    if not masks:
        return None
    result = bytes(masks[0])
    for mask in masks[1:]:
        result = mask_and(result, mask)
    return result


def _statuses(store: EventStore, view: ViewQuery) -> frozenset[int] | None:
    wanted = STATUS_FILTER_CODES[view.status] if view.status else None
    if view.unacked_errors_only:
        wanted = (wanted or STATUS_FILTER_CODES["unacked"]) & STATUS_FILTER_CODES["unacked"]
    if wanted is None:
        archived = sum(counts[ARCHIVED] for counts in store._counts)
        return _NOT_ARCHIVED if archived else None
    return wanted


def _buckets(view: ViewQuery) -> set[int] | None:
    wanted = None if view.bucket is None else {CODE_OF_BUCKET[Bucket(view.bucket)]}
    if view.unacked_errors_only:
        errors = {CODE_OF_BUCKET[Bucket.ERRORS]}
        wanted = errors if wanted is None else wanted & errors
    return wanted


def _severity(value: Severity | int | str) -> int:
    return int(parse_severity(value)) if isinstance(value, str) else int(value)


def _post_filters(store: EventStore, view: ViewQuery, rows: array[int]) -> array[int]:
    if view.operation:
        rows = _keep_operation(store, view.operation, rows)
    if view.source:
        sources = store.sources.ids_with_prefix(view.source)
        labels = {n for n, (source, _, _) in enumerate(store.labels[:]) if source in sources}
        rows = array(
            "i", compress(rows, map(labels.__contains__, map(store._label.__getitem__, rows)))
        )
    if view.owner is not None:
        rows = _keep_owner(store, view.owner, rows)
    if view.silenced is not None:
        quiet, wanted = store.silenced, view.silenced
        rows = array("i", (row for row in rows if quiet(row) is wanted))
    if view.predicate is not None:
        rows = _keep_predicate(store, view.predicate, rows)
    return rows


def _keep_owner(store: EventStore, wanted: str, rows: array[int]) -> array[int]:
    """Rows owned by the user `owner=` names; `none` keeps the notifications nobody owns
    (audit rows have no lifecycle, so no owner to lack), as the hub's list does."""
    owner = owner_wanted(wanted, store.user)
    states, status = store._states, store._status
    return array(
        "i",
        (
            row
            for row in rows
            if status[row] != NONE and getattr(states.get(row), "owner", None) == owner
        ),
    )


def _keep_operation(store: EventStore, span_hex: str, rows: array[int]) -> array[int]:
    try:
        span = int(span_hex, 16)
    except ValueError:
        return array("i")
    spans = store._ev_span[: len(store._ev_row)]  # a copy: `add` may append meanwhile
    owners = {store._ev_row[i] for i in positions_of(spans, span)}
    return array("i", compress(rows, map(owners.__contains__, rows)))


def _text_mask(store: EventStore, text: str, count: int) -> bytes:
    """Rows whose summary, details or subject contains `text`, or whose source, type or
    code does (as the hub's q= searches): those come from the few (source, type, code)
    triples that contain it."""
    needle = text.lower()
    hits = mask_or(
        store._summaries.mask_containing(needle, count),
        store._details.mask_containing(needle, count),
    )
    subjects = {i for i, raw in enumerate(store.subjects.raw[:]) if i and needle in raw.lower()}
    if subjects:
        hits = mask_or(hits, bytes(map(subjects.__contains__, store._subject[:count])))
    sources, types, codes = (
        strings.ids_containing(needle) for strings in (store.sources, store.types, store.codes)
    )
    labels = set()
    if sources or types or codes:
        labels = {
            n
            for n, (source, kind, code) in enumerate(store.labels[:])
            if source in sources or kind in types or code in codes
        }
    if labels:
        hits = mask_or(hits, bytes(map(labels.__contains__, store._label[:count])))
    return hits


def _keep_predicate(store: EventStore, predicate: Any, rows: array[int]) -> array[int]:
    kept = array("i")
    for row in rows:
        try:
            matched = predicate(store.event(row))
        except (NotifyError, LookupError, TypeError, ValueError, ArithmeticError, RecursionError):
            matched = False  # a filter that cannot evaluate an event does not match it
        if matched:
            kept.append(row)
    return kept
