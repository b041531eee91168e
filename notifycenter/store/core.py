"""The client-side store: every event the notification center has seen, in columns.

A row is one notification as the list shows it: repeated occurrences (same source, type,
error code, subject, severity, summary and operation) fold into one row while it is still
unacknowledged and open. Per-row data lives in `array` columns and interned string
tables, not in a dict per event, so that a million events fit in a few hundred megabytes
(docs/store.md).
Row ids never change. Display order is a log of row ids: a row moves to the top by being
appended again, its old entry left behind as a tombstone. Rows older than everything held
(the pages of the backlog, read newest first) go to a second log below the first, so the
display order stays the cursor order without sorting a million rows.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from xxhash import xxh3_64_intdigest

from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import LifecycleChange, LifecycleState, Verb
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import Bucket, Severity, bucket_of
from notifycenter.model.silences import SILENCE_TYPES, silence_of
from notifycenter.store import received
from notifycenter.store.columns import SLICE, kind_of, pause_point
from notifycenter.store.details import DetailsColumn, searchable
from notifycenter.store.intindex import IntIndex
from notifycenter.store.parts import CODE_OF_VERB, Parts
from notifycenter.store.raw import RawEvents
from notifycenter.store.rowstate import (
    same_change,
    state_from_record,
    status_code,
    until_ms,
)
from notifycenter.store.silences import SilenceWindows
from notifycenter.store.strings import StringTable
from notifycenter.store.text import TextColumn
from notifycenter.store.types import (
    ACKNOWLEDGED,
    ARCHIVED,
    BUCKETS,
    CODE_OF_BUCKET,
    NONE,
    READ,
    RESOLVED,
    STATUS_OF_CODE,
    UNREAD,
    BucketCount,
    RowIndex,
    RowView,
    StoreChange,
    ViewQuery,
)

SUMMARY_LIMIT = 200
ACTOR_LIMIT = 64
# The most `reserve` sizes for at once (three index tables of ~24 MB): the number comes
# from the hub's counts, which a broken or hostile hub can make anything.
RESERVE_LIMIT = 4_000_000
_AUDIT = CODE_OF_BUCKET[Bucket.AUDIT]
_FOLDABLE = frozenset({UNREAD, READ})
_OWNERSHIP = frozenset({Verb.ASSIGN, Verb.TAKE, Verb.RELEASE})


class EventStore:
    """Holds events and their lifecycle; answers the list's queries. Never imports Textual.

    Writes (`add`, `add_records`, `tick`, marks) happen on one thread; `select` may run
    in another at the same time: it reads snapshots of the columns.
    """

    def __init__(
        self, *, clock: Callable[[], datetime] | None = None, capacity_hint: int = 0
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        # One entry per occurrence (event).
        self._ev_cursor = array("q")
        self._ev_key = array("q")  # hash of (source, id): lifecycle events name their target so
        self._ev_row = array("i")
        self._ev_span = array("Q")  # operation span id, 0 when none
        # Cursors arrive in log order, so `_ev_cursor` is sorted and bisected; an index is
        # built only once an older cursor arrives after a newer one (older record pages).
        self._by_cursor: IntIndex | None = None
        self._by_key = IntIndex(self._ev_key, capacity_hint)
        # One entry per row.
        self._time = array("q")
        self._severity = bytearray()
        self._bucket = bytearray()
        self._status = bytearray()
        self._label = array("I")  # (source, type, code) triple, see `labels`
        self._subject = array("I")
        self._count = array("I")
        self._newest = array("i")
        self._pos = array("i")
        self._fold_key = array("q")
        self._fold = IntIndex(self._fold_key, capacity_hint)
        self._summaries = TextColumn()
        self._details = DetailsColumn()  # searched by the list's text filter, never shown
        self._raw = RawEvents()
        self._raw_entry = array("i")  # the newest occurrence's JSON in `_raw`
        # Display order, oldest first; `_current[i]` is 0 once row `_log[i]` moved on.
        self._log = array("i")
        self._current = bytearray()
        # Below the log, newest first: rows older than every event held when they came.
        # Their position is -1 - their place here, so a larger position is still newer.
        self._older = array("i")
        self._older_current = bytearray()
        # Each place's row's severity and bucket (fixed for a row's life) as one byte, and
        # its status (kept right at the row's current place), so that a bucket, severity or
        # status view is a `translate` of these, not a gather through the rows: that
        # gather took ~100 ms per million places (`select.py`).
        self._log_kind = bytearray()
        self._older_kind = bytearray()
        self._log_status = bytearray()
        self._older_status = bytearray()
        self._min_cursor = 1 << 63
        self._reserved = 0  # occurrences the indexes were sized for (`reserve`)
        self.sources, self.types, self.codes, self.subjects = (StringTable() for _ in range(4))
        # Rows share few (source, type, code) triples: one column and one small table
        # serve folding, display and text search.
        self.labels: list[tuple[int, int, int]] = [(0, 0, 0)]
        self._label_ids: dict[tuple[int, int, int], int] = {(0, 0, 0): 0}
        self._states: dict[int, LifecycleState] = {}
        # Occurrences of a folded row handled one by one (another client acked or resolved
        # one event): the row stays to handle, and the counts say how many are handled.
        self._parts = Parts()
        self._history: dict[int, list[LifecycleChange]] = {}
        self._expiry: list[tuple[int, int]] = []
        self._counts = [[0] * 6 for _ in BUCKETS]
        # Silences: occurrences one keeps quiet now, and their part of `_counts`.
        self._silences = SilenceWindows()
        self._quiet_counts = [[0] * 6 for _ in BUCKETS]
        self._max_cursor = -1
        self._lifecycle_cursor = -1
        self.ordered = True
        self.orphans = 0
        self.marks: set[int] = set()
        # The user the client is logged in as: who `owner: me` selects (GET /api/whoami).
        self.user: str | None = None

    # -- size ------------------------------------------------------------------------

    def __len__(self) -> int:
        """Rows (folded notifications), archived ones included."""
        return len(self._time)

    @property
    def event_count(self) -> int:
        """Occurrences held: every stored event, folded or not."""
        return len(self._ev_cursor)

    @property
    def newest_cursor(self) -> int:
        """The newest event held (-1: none)."""
        return self._max_cursor

    @property
    def oldest_cursor(self) -> int:
        """The oldest event held (2**63: none)."""
        return self._min_cursor

    @property
    def log_length(self) -> int:
        return len(self._log)

    @property
    def older_length(self) -> int:
        """Rows placed below the log so far (see `select_older`)."""
        return len(self._older)

    def reserve(self, events: int) -> None:
        """Size the indexes for `events` occurrences now, while they are small: growing
        one that already holds most of a million entries would hold the screen. Beyond
        `RESERVE_LIMIT` they grow as the events come."""
        events = max(0, min(events, RESERVE_LIMIT))
        self._reserved = max(self._reserved, events)
        self._by_key.reserve(events)
        self._fold.reserve(events)
        if self._by_cursor is not None:
            self._by_cursor.reserve(events)

    # -- writing ---------------------------------------------------------------------

    def add(self, events: Iterable[Mapping[str, Any]]) -> StoreChange:
        """Streamed events (with `cursor`), in log order: lifecycle events are applied, the
        rest stored; an already held cursor is a duplicate and ignored."""
        change = StoreChange(log_start=len(self._log), older_start=len(self._older))
        now = self._clock()
        for event in events:
            cursor = received.cursor_int(event.get("cursor")) if _is_mapping(event) else None
            if cursor is None:
                change.skipped += 1
                continue
            lifecycle = received.lifecycle_change(event)
            if lifecycle is not None:
                if cursor <= self._lifecycle_cursor:
                    change.duplicates += 1
                else:
                    self._lifecycle_cursor = cursor
                    self._apply(lifecycle, now, change)
            elif _is_silence(event.get("type")):
                # The hub's record of a silence, not a notification (lists omit it).
                hushed, loud = self._silences.learn_event(event, _ms(now), self._ev_row)
                self._requiet(hushed, loud, change)
            elif self._occurrence(cursor) is not None:
                change.duplicates += 1
            else:
                self._insert(event, cursor, None, now, change)
        self._expire(now, change)
        change.log_end = len(self._log)
        change.older_end = len(self._older)
        return change

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> StoreChange:
        """Records of `GET /api/events` (newest first is fine): each carries its status.

        A record for an event already held refreshes that event's row status. Lifecycle
        events among them are skipped: the records' statuses already include them."""
        change = StoreChange(log_start=len(self._log), older_start=len(self._older))
        now = self._clock()
        given = list(records)
        ordered = sorted(
            (
                (c, r)
                for r in given
                if _is_mapping(r)
                and (c := received.cursor_int(r.get("cursor") or _event_of(r).get("cursor")))
                is not None
            ),
            key=lambda pair: pair[0],
        )
        change.skipped = len(given) - len(ordered)
        # What is older than everything held goes in newest first, below the rest.
        split = bisect_left(ordered, self._min_cursor, key=lambda pair: pair[0])
        if split:
            ordered = ordered[split:] + ordered[split - 1 :: -1]
        for cursor, record in ordered:
            event, state = _event_of(record), state_from_record(record)
            if received.lifecycle_change(event) is not None:
                continue
            known = self._occurrence(cursor)
            if known is None:
                self._insert(event, cursor, state, now, change)
            else:
                change.duplicates += 1
                self._refresh_from_record(known, state, now, change)
        # A new row's status is its first: no view has it yet, so none must select again.
        change.status_rows.difference_update(change.new_rows)
        self._expire(now, change)
        change.log_end = len(self._log)
        change.older_end = len(self._older)
        return change

    def add_silences(self, records: Iterable[Mapping[str, Any]]) -> StoreChange:
        """Silences as `GET /api/silences` answers them: those created before the stream
        began, so that what arrived under them before this client started stays quiet."""
        change = StoreChange(log_start=len(self._log), log_end=len(self._log))
        now_ms = _ms(self._clock())
        for record in records:
            if _is_mapping(record):
                self._requiet(*self._silences.learn_record(record, now_ms, self._ev_row), change)
        return change

    def tick(self) -> StoreChange:
        """Let acks whose `until` has passed lapse, and silences end; call it about once a
        second (`next_silence_end` says when the next silence ends)."""
        change = StoreChange(log_start=len(self._log), log_end=len(self._log))
        self._expire(self._clock(), change)
        return change

    def _insert(
        self,
        event: Mapping[str, Any],
        cursor: int,
        state: LifecycleState | None,
        now: datetime,
        change: StoreChange,
    ) -> None:
        summary_raw, details, code = received.texts(event)
        severity = received.severity(event)
        bucket = CODE_OF_BUCKET[bucket_of(severity, event.get("category"))]
        source = event.get("source")
        source_raw = source if isinstance(source, str) else ""
        label = self._label_of(
            (
                self.sources.intern(source_raw),
                self.types.intern(event.get("type")),
                self.codes.intern(code),
            )
        )
        ids = (label, self.subjects.intern(event.get("subject")))
        occurrence = len(self._ev_cursor)
        self._ev_cursor.append(cursor)
        self._ev_key.append(_key(source_raw, event.get("id", "")))
        span = received.span(event)
        self._ev_span.append(span)
        status = NONE if bucket == _AUDIT else status_code(state, now)
        summary = sanitize_line(summary_raw, SUMMARY_LIMIT)
        row_texts = (summary, details)  # the list's line, and the details q= searches
        # Only true repeats fold: two policy violations or two runs differ in their summary
        # or their operation, and an operator must see (and handle) each one.
        fold_key = hash((*ids, int(severity), stable_hash(summary), span))
        row = self._fold.get(fold_key)
        silence_id = silence_of(event)
        if row is not None and self._can_fold(row, (*ids, span), severity, status, summary):
            self._ev_row.append(row)
            if silence_id is not None:
                self._silences.arrived(occurrence, row, silence_id, _ms(now))
            self._fold_into(row, occurrence, event, row_texts, state, now, change)
        else:
            row = len(self._time)
            self._ev_row.append(row)
            if silence_id is not None:
                self._silences.arrived(occurrence, row, silence_id, _ms(now))
            below = occurrence > 0 and cursor < self._min_cursor
            self._new_row(
                row, occurrence, event, ids, severity, bucket, row_texts, fold_key, change, below
            )
            self._set_state(row, state, now, change)
        self._by_key.put(self._ev_key[occurrence], occurrence)
        if cursor < self._max_cursor:
            if cursor > self._min_cursor:  # between held ones: the order needs a sort
                self.ordered = False
                change.reordered = True
            if self._by_cursor is None:
                self._by_cursor = IntIndex(self._ev_cursor, max(occurrence, self._reserved))
                for earlier in range(occurrence):
                    self._by_cursor.put(self._ev_cursor[earlier], earlier)
        if self._by_cursor is not None:
            self._by_cursor.put(cursor, occurrence)
        self._max_cursor = max(self._max_cursor, cursor)
        self._min_cursor = min(self._min_cursor, cursor)
        change.events += 1

    def _label_of(self, triple: tuple[int, int, int]) -> int:
        found = self._label_ids.get(triple)
        if found is None:
            found = self._label_ids[triple] = len(self.labels)
            self.labels.append(triple)
        return found

    def _can_fold(
        self, row: int, ids: tuple[int, int, int], severity: Severity, status: int, summary: str
    ) -> bool:
        same = (self._label[row], self._subject[row], self._ev_span[self._newest[row]]) == ids
        if not same or self._severity[row] != severity or self._summaries.get(row) != summary:
            return False  # a hash collision, not a repeat
        current = self._status[row]
        return (current == status == NONE) or (current in _FOLDABLE and status in _FOLDABLE)

    def _new_row(
        self,
        row: int,
        occurrence: int,
        event: Mapping[str, Any],
        ids: tuple[int, int],
        severity: Severity,
        bucket: int,
        row_texts: tuple[str, str],
        fold_key: int,
        change: StoreChange,
        below: bool = False,
    ) -> None:
        self._time.append(received.time_ms(event.get("time")))
        self._severity.append(int(severity))
        self._bucket.append(bucket)
        self._status.append(NONE if bucket == _AUDIT else UNREAD)
        self._label.append(ids[0])
        self._subject.append(ids[1])
        self._count.append(1)
        self._newest.append(occurrence)
        self._fold_key.append(fold_key)
        summary, details = row_texts
        self._summaries.append(summary)
        self._details.add(row, searchable(details))
        self._raw_entry.append(self._raw.append(event))
        if below:
            self._pos.append(-1 - self._place(row, below=True))
            if self._fold.get(fold_key) is None:  # repeats fold into the newest such row
                self._fold.put(fold_key, row)
        else:
            self._pos.append(self._place(row, below=False))
            self._fold.put(fold_key, row)
        self._counts[bucket][self._status[row]] += 1
        if occurrence in self._silences.quiet:
            self._quiet_counts[bucket][self._status[row]] += 1
        change.new_rows.append(row)
        change.counts_changed = True

    def _place(self, row: int, below: bool) -> int:
        """Put `row` at the next place of the display log (or below it), with the copies
        of its kind and status that views read; that place's index."""
        places, current, kinds, statuses = (
            (self._older, self._older_current, self._older_kind, self._older_status)
            if below
            else (self._log, self._current, self._log_kind, self._log_status)
        )
        place = len(places)
        places.append(row)
        current.append(1)
        kinds.append(kind_of(self._severity[row], self._bucket[row]))
        statuses.append(self._status[row])
        return place

    def _fold_into(
        self,
        row: int,
        occurrence: int,
        event: Mapping[str, Any],
        row_texts: tuple[str, str],
        state: LifecycleState | None,
        now: datetime,
        change: StoreChange,
    ) -> None:
        """A repeat: count it; when it is the newest, show it and move the row to the top."""
        bucket = self._bucket[row]
        self._counts[bucket][self._status[row]] += 1
        if occurrence in self._silences.quiet:
            self._quiet_counts[bucket][self._status[row]] += 1
        self._count[row] += 1
        change.counts_changed = True
        change.changed_rows.add(row)
        if self._ev_cursor[occurrence] < self._ev_cursor[self._newest[row]]:
            return
        self._newest[row] = occurrence
        self._time[row] = received.time_ms(event.get("time"))
        summary, details = row_texts
        self._summaries.replace(row, summary)
        self._details.replace(row, searchable(details))
        self._raw_entry[row] = self._raw.append(event)
        place = self._pos[row]
        if place >= 0:
            self._current[place] = 0
        else:
            self._older_current[-1 - place] = 0
        self._pos[row] = self._place(row, below=False)
        change.moved_rows.append(row)
        if self._status[row] != NONE:
            # A new occurrence is news: the row is unread again unless the record says read.
            held = self._states.get(row)
            if held is not None:
                held.read = bool(state and state.read)
                self._set_status(row, status_code(held, now), change)
            elif state is not None:
                self._set_state(row, state, now, change)

    def _set_state(
        self, row: int, state: LifecycleState | None, now: datetime, change: StoreChange
    ) -> None:
        if state is None or self._status[row] == NONE:
            return
        self._states[row] = state
        self._set_status(row, status_code(state, now), change)
        lapse = until_ms(state)
        if lapse is not None:
            heapq.heappush(self._expiry, (lapse, row))

    def _set_status(self, row: int, code: int, change: StoreChange) -> None:
        old = self._status[row]
        if old == code:
            return
        counts, count = self._counts[self._bucket[row]], self._count[row]
        if code not in _FOLDABLE:
            self._drop_parts(row)  # a status for the whole row covers every occurrence
        parts = self._parts.of(row)
        moved = count - len(parts)
        counts[old] -= moved
        counts[code] += moved
        hushed = self._silences.rows.get(row)
        if hushed:
            quiet = self._silences.quiet
            hushed -= sum(1 for occurrence in parts if occurrence in quiet)
            quiet_counts = self._quiet_counts[self._bucket[row]]
            quiet_counts[old] -= hushed
            quiet_counts[code] += hushed
        self._status[row] = code
        place = self._pos[row]
        if place >= 0:
            self._log_status[place] = code
        else:
            self._older_status[-1 - place] = code
        change.changed_rows.add(row)
        change.status_rows.add(row)
        change.counts_changed = True

    def _refresh_from_record(
        self, occurrence: int, state: LifecycleState | None, now: datetime, change: StoreChange
    ) -> None:
        row = self._ev_row[occurrence]
        if self._newest[row] != occurrence or self._status[row] == NONE:
            return
        if state is None:
            self._states.pop(row, None)
            self._set_status(row, UNREAD, change)
        else:
            self._set_state(row, state, now, change)

    def _apply(self, lifecycle: LifecycleChange, now: datetime, change: StoreChange) -> None:
        occurrence = self._by_key.get(_key(lifecycle.target_source, lifecycle.target_id))
        row = None if occurrence is None else self._ev_row[occurrence]
        if (
            occurrence is None
            or row is None
            or self.sources.raw[self.labels[self._label[row]][0]] != lifecycle.target_source
        ):
            self.orphans += 1  # its target was never loaded here
            return
        if self._status[row] == NONE:
            return  # audit events have no lifecycle
        history = self._history.setdefault(row, [])
        if not history or not same_change(history[-1], lifecycle):
            history.append(lifecycle)
        if self._one_occurrence(row, occurrence, lifecycle, change):
            change.lifecycle += 1
            return
        state = self._states.setdefault(row, LifecycleState())
        state.apply(
            lifecycle.verb,
            lifecycle.actor,
            lifecycle.at,
            lifecycle.comment,
            lifecycle.until,
            lifecycle.to,
        )
        if lifecycle.verb in _OWNERSHIP:
            change.status_rows.add(row)  # an `owner:` filter may take it in or leave it out
        was_acked = self._status[row] == ACKNOWLEDGED
        self._set_status(row, status_code(state, now), change)
        if was_acked and lifecycle.verb is Verb.UNACK and self._count[row] > 1:
            # One occurrence of a fully acknowledged row lost its ack: the others keep theirs.
            for other in set(self._occurrences_of(row)) - {occurrence}:
                self._set_part(row, other, ACKNOWLEDGED, change)
        change.changed_rows.add(row)
        change.lifecycle += 1
        lapse = until_ms(lifecycle) if lifecycle.verb is Verb.ACK else None
        if lapse is not None:
            heapq.heappush(self._expiry, (lapse, row))

    def _one_occurrence(
        self, row: int, occurrence: int, lifecycle: LifecycleChange, change: StoreChange
    ) -> bool:
        """An ack, unack, resolve, reopen or archive of one occurrence of a folded row still
        to handle changes that occurrence only; True when done here. The change that
        handles its last unhandled occurrence is the row's (False: the caller applies it)."""
        if self._count[row] < 2 or self._status[row] not in _FOLDABLE:
            return False
        verb, parts = lifecycle.verb, self._parts.of(row)
        held, code = parts.get(occurrence), CODE_OF_VERB.get(lifecycle.verb)
        if code is not None:
            if held is not None and held >= code:
                return True  # so already (or more): nothing changes
            if held is None and len(parts) + 1 >= self._count[row]:
                self._drop_parts(row)
                return False
            self._set_part(row, occurrence, code, change)
            lapse = until_ms(lifecycle) if verb is Verb.ACK else None
            if lapse is not None:
                self._parts.lapse_at(row, occurrence, lapse)
            return True
        undone = {Verb.UNACK: (ACKNOWLEDGED,), Verb.REOPEN: (RESOLVED, ARCHIVED)}.get(verb, ())
        if held is not None and held in undone:
            self._set_part(row, occurrence, None, change)
            return True
        return False

    def _set_part(self, row: int, occurrence: int, code: int | None, change: StoreChange) -> None:
        """One occurrence's status (None: the row's again); the counts follow."""
        old = self._parts.set(row, occurrence, code)
        counts, status = self._counts[self._bucket[row]], self._status[row]
        counts[status if old is None else old] -= 1
        counts[status if code is None else code] += 1
        if occurrence in self._silences.quiet:
            quiet_counts = self._quiet_counts[self._bucket[row]]
            quiet_counts[status if old is None else old] -= 1
            quiet_counts[status if code is None else code] += 1
        change.changed_rows.add(row)
        change.status_rows.add(row)
        change.counts_changed = True

    def _drop_parts(self, row: int) -> None:
        """Give the row's one-by-one statuses back to its own (before a whole-row change)."""
        counts, status = self._counts[self._bucket[row]], self._status[row]
        quiet, quiet_counts = self._silences.quiet, self._quiet_counts[self._bucket[row]]
        for occurrence, held in self._parts.drop(row).items():
            counts[held] -= 1
            counts[status] += 1
            if occurrence in quiet:
                quiet_counts[held] -= 1
                quiet_counts[status] += 1

    def _occurrences_of(self, row: int) -> list[int]:
        from notifycenter.store.columns import positions_of

        return list(positions_of(self._ev_row, row))

    def _expire(self, now: datetime, change: StoreChange) -> None:
        now_ms = int(now.timestamp() * 1000)
        while self._expiry and self._expiry[0][0] <= now_ms:
            _, row = heapq.heappop(self._expiry)
            state = self._states.get(row)
            if state is not None and self._status[row] == ACKNOWLEDGED:
                self._set_status(row, status_code(state, now), change)
        for row, occurrence in list(self._parts.lapsed(now_ms)):
            self._set_part(row, occurrence, None, change)
        if self._silences:
            self._requiet([], self._silences.due(now_ms, self._ev_row), change)

    def _requiet(self, hushed: list[int], loud: list[int], change: StoreChange) -> None:
        """Occurrences a silence now keeps quiet, and those it no longer does: their part
        of the counts moves; their rows may enter or leave a view (and change label)."""
        for sign, occurrences in ((1, hushed), (-1, loud)):
            for occurrence in occurrences:
                row = self._ev_row[occurrence]
                status = self._parts.of(row).get(occurrence, self._status[row])
                self._quiet_counts[self._bucket[row]][status] += sign
                change.changed_rows.add(row)
                change.status_rows.add(row)
                change.counts_changed = True

    # -- reading ---------------------------------------------------------------------

    def row(self, row_id: int) -> RowView:
        status = self._status[row_id]
        state = self._states.get(row_id)
        acked_by = None
        if status == ACKNOWLEDGED and state is not None:
            acked_by = sanitize_line(state.acked_by or "", ACTOR_LIMIT)
        severity = Severity(self._severity[row_id])
        source, event_type, code = self.labels[self._label[row_id]]
        return RowView(
            row_id=row_id,
            cursor=format_cursor(self._ev_cursor[self._newest[row_id]]),
            time_ms=self._time[row_id],
            severity=severity,
            bucket=BUCKETS[self._bucket[row_id]],
            status=STATUS_OF_CODE[status],
            acked_by=acked_by,
            owner=sanitize_line(state.owner, ACTOR_LIMIT) if state and state.owner else None,
            source=self.sources.display[source],
            type=self.types.display[event_type],
            subject=self.subjects.display[self._subject[row_id]],
            summary=self._summaries.get(row_id),
            code=self.codes.display[code],
            count=self._count[row_id],
            marked=row_id in self.marks,
            acked=self._count[row_id]
            if status == ACKNOWLEDGED
            else self._parts.count(row_id, ACKNOWLEDGED),
            resolved=self._parts.count(row_id, RESOLVED),
            archived=self._parts.count(row_id, ARCHIVED),
        )

    def time_of(self, row_id: int) -> datetime | None:
        """The newest occurrence's time, cheaply (the list's AGE column asks every second)."""
        milliseconds = self._time[row_id]
        return received.from_ms(milliseconds) if milliseconds else None

    def event(self, row_id: int) -> dict[str, Any]:
        """The newest occurrence's full CloudEvent, as the hub sent it (untrusted text)."""
        return self._raw.get(self._raw_entry[row_id])

    def state(self, row_id: int) -> LifecycleState | None:
        """The row's lifecycle (who acked, when, comment, until); None when untouched."""
        return self._states.get(row_id)

    def history(self, row_id: int) -> list[LifecycleChange]:
        """Lifecycle changes this store has seen for the row, in log order."""
        return list(self._history.get(row_id, ()))

    def find(self, cursor: str | int) -> int | None:
        """The row holding the event with this cursor (any occurrence), or None."""
        value = received.cursor_int(cursor)
        occurrence = None if value is None else self._occurrence(value)
        return None if occurrence is None else self._ev_row[occurrence]

    def find_event(self, source: str, event_id: object) -> int | None:
        """The row holding the event with this source and id: a lifecycle event's target."""
        occurrence = self._by_key.get(_key(source, event_id))
        if occurrence is None:
            return None
        row = self._ev_row[occurrence]
        return row if self.sources.raw[self.labels[self._label[row]][0]] == source else None

    def _occurrence(self, cursor: int) -> int | None:
        if cursor > self._max_cursor:
            return None
        if self._by_cursor is not None:
            return self._by_cursor.get(cursor)
        found = bisect_left(self._ev_cursor, cursor)
        return found if found < len(self._ev_cursor) and self._ev_cursor[found] == cursor else None

    def cursors(
        self, row_id: int, *, unacked_only: bool = False, verb: Verb | None = None
    ) -> list[str]:
        """Cursors of every occurrence folded into the row, oldest first: acking a row
        means acking each of them. With `verb`, those it would not change are left out
        (resolving skips the occurrences resolved or archived one by one); `unacked_only`
        is `verb=Verb.ACK`."""
        chosen = Verb.ACK if unacked_only else verb
        wanted = CODE_OF_VERB.get(chosen) if chosen is not None else None
        parts = self._parts.of(row_id) if wanted is not None else {}
        skip = {i for i, held in parts.items() if wanted is not None and held >= wanted}
        return [
            format_cursor(self._ev_cursor[i]) for i in self._occurrences_of(row_id) if i not in skip
        ]

    def occurrences(self, row_id: int) -> int:
        """How many events the row folds: a lifecycle action on the row covers them all
        (`cursors`), so the app can say "acknowledged 33 occurrences"."""
        return self._count[row_id]

    def position(self, row_id: int) -> int:
        """The row's place in display order (larger is newer)."""
        return self._pos[row_id]

    def counts(self) -> dict[Bucket, BucketCount]:
        """Events (occurrences) per bucket; archived ones are not counted, as the hub does.
        Those a silence in force keeps quiet are not among the unacknowledged: they are
        `silenced` until the silence ends."""
        result = {}
        for code, bucket in enumerate(BUCKETS):
            counts, quiet = self._counts[code], self._quiet_counts[code]
            total = sum(counts) - counts[ARCHIVED]
            silenced = quiet[UNREAD] + quiet[READ]
            result[bucket] = BucketCount(total, counts[UNREAD] + counts[READ] - silenced, silenced)
        return result

    def tally(self, after: int, before: int) -> tuple[int, int, int]:
        """Events held with a cursor in (after, before) that no silence keeps quiet: how
        many, how many are errors, and the loudest severity (0: none). What a restart's
        digest counts when the backlog came whole rather than page by page."""
        events = errors = loudest = 0
        rows, quiet = self._ev_row, self._silences.quiet
        for occurrence, cursor in enumerate(self._ev_cursor):
            if occurrence % SLICE == 0:
                pause_point()
            if after < cursor < before and occurrence not in quiet:
                row = rows[occurrence]
                events += 1
                errors += self._bucket[row] == CODE_OF_BUCKET[Bucket.ERRORS]
                loudest = max(loudest, self._severity[row])
        return events, errors, loudest

    def silenced(self, row_id: int) -> bool:
        """Some occurrence of the row arrived under a silence that is still in force."""
        return row_id in self._silences.rows

    @property
    def next_silence_end(self) -> datetime | None:
        """When the next silence in force ends: `tick` then puts its events back in the
        counts. None when no known silence is in force."""
        end = self._silences.next_end
        return None if end is None else received.from_ms(end)

    def select(
        self, view: ViewQuery, start: int | None = None, older_limit: int | None = None
    ) -> RowIndex:
        """Row ids matching `view`, newest first. With `start`, only rows whose newest
        occurrence sits at display-log position `start` or later (a `StoreChange`'s
        `log_start`): how a view takes in what just arrived (rows placed below the log
        come from `select_older`). With `older_limit`, the rows below the log may stop
        after that many places (the index's `older_end`): a first screen at once, the
        rest from `select_older`."""
        from notifycenter.store.select import select

        return select(self, view, start, older_limit)

    def few_rows(self, view: ViewQuery) -> bool:
        """Whether a select of `view` is quick at any size: its byte columns keep few rows
        (a status or bucket almost nothing has). Costs a `translate` per column."""
        from notifycenter.store.select import few_rows

        return few_rows(self, view)

    def select_older(self, view: ViewQuery, start: int) -> RowIndex:
        """Rows matching `view` placed below the log from place `start` on (a
        `StoreChange`'s `older_start`), newest first: they go at the bottom of a list."""
        from notifycenter.store.select import select_older

        return select_older(self, view, start)

    def select_older_steps(self, view: ViewQuery, start: int, step: int) -> Iterator[RowIndex]:
        """`select_older` in parts of `step` places, each with the `older_end` it reached:
        a caller can show each part and stop between two."""
        from notifycenter.store.select import select_older_steps

        return select_older_steps(self, view, start, step)


def _event_of(record: Mapping[str, Any]) -> Mapping[str, Any]:
    return received.as_mapping(record.get("event"))


def _is_mapping(value: object) -> bool:
    return type(value) is dict or isinstance(value, Mapping)  # the ABC check is slower


def _is_silence(kind: object) -> bool:
    return isinstance(kind, str) and kind in SILENCE_TYPES  # a type may be anything


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _key(source: str, event_id: object) -> int:
    """What a lifecycle event's target and a stored event share: source and id."""
    return hash((stable_hash(source), stable_hash(received.as_text(event_id))))


def stable_hash(text: str) -> int:
    """A string's hash, the same in every process (`hash` of a str is salted per process,
    of a tuple of ints is not): the keys of a snapshot stay valid where it is loaded."""
    return xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))
