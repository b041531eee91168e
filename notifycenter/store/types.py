"""What the store hands out: row views, counts, queries and change reports."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from notifycenter.model.lifecycle import Status
from notifycenter.model.severity import Bucket, Severity
from notifycenter.store.received import from_ms

if TYPE_CHECKING:
    _IntArray = array[int]
else:
    _IntArray = array  # not subscriptable at run time before Python 3.12

# Row status codes, ordered from "needs attention" to "handled"; NONE is audit (no lifecycle).
UNREAD, READ, ACKNOWLEDGED, RESOLVED, ARCHIVED, NONE = range(6)
STATUS_OF_CODE: tuple[Status | None, ...] = (
    Status.UNREAD,
    Status.READ,
    Status.ACKNOWLEDGED,
    Status.RESOLVED,
    Status.ARCHIVED,
    None,
)
CODE_OF_STATUS = {status: code for code, status in enumerate(STATUS_OF_CODE) if status}

# Bucket codes follow the enum's order: errors, warnings, infos, audit.
BUCKETS: tuple[Bucket, ...] = tuple(Bucket)
CODE_OF_BUCKET = {bucket: code for code, bucket in enumerate(BUCKETS)}

# Which status codes each STATUS_FILTERS value accepts (audit rows never match one).
STATUS_FILTER_CODES: Mapping[str, frozenset[int]] = {
    "unread": frozenset({UNREAD}),
    "read": frozenset({READ}),
    "acknowledged": frozenset({ACKNOWLEDGED}),
    "unacked": frozenset({UNREAD, READ}),
    "resolved": frozenset({RESOLVED}),
    "archived": frozenset({ARCHIVED}),
    "open": frozenset({UNREAD, READ, ACKNOWLEDGED}),
}


class RowIndex(_IntArray):
    """Row ids from `EventStore.select`, with the display-log length they were selected
    at (`log_end`): a view merging later changes skips what the index already has."""

    log_end: int = 0
    row_end: int = 0  # rows that existed then; ids from here on are newer
    older_end: int = 0  # rows below the log it holds (see `EventStore.select_older`)


class BucketCount(NamedTuple):
    """Events in a bucket (archived ones not counted) and how many still need an ack;
    `silenced` unacknowledged ones a silence in force keeps quiet are not among those."""

    total: int
    unacknowledged: int
    silenced: int = 0


@dataclass(frozen=True, slots=True)
class RowView:
    """One list row, built on demand. Every string is sanitised for display (one line).

    A row folds repeated occurrences (same source, type, error code, subject, severity,
    summary and operation); it shows the newest one and `count` says how many there are.
    """

    row_id: int
    cursor: str
    time_ms: int
    severity: Severity
    bucket: Bucket
    status: Status | None
    acked_by: str | None
    source: str
    type: str
    subject: str
    summary: str
    code: str
    count: int
    marked: bool
    acked: int = 0  # occurrences acknowledged one by one while the row as a whole is not
    owner: str | None = None  # who it is assigned to
    resolved: int = 0  # occurrences resolved one by one while the row as a whole is not
    archived: int = 0  # … archived one by one

    @property
    def handled(self) -> int:
        """Occurrences acknowledged, resolved or archived (all of them when the row is)."""
        return self.acked + self.resolved + self.archived

    @property
    def mixed(self) -> bool:
        """Some, not all, of the folded occurrences are handled."""
        return 0 < self.handled < self.count

    @property
    def time(self) -> datetime | None:
        """The newest occurrence's `time` (None when the event had none), clamped to a
        range every time zone can show."""
        return from_ms(self.time_ms) if self.time_ms else None


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """What the list shows. Every given field must hold (AND).

    Without `status`, archived rows are left out, as the hub's list does.
    `text` is a case-insensitive substring of summary, source, type or error code.
    `owner` selects notifications owned by a user, by `me` or by `none` (nobody), as the
    hub's `owner=` does.
    `predicate` (e.g. a compiled CESQL filter's `matches`) is called with each candidate's
    full event, after the cheap fields have narrowed the candidates down: it is slower.
    """

    bucket: Bucket | str | None = None
    min_severity: Severity | int | None = None
    status: str | None = None
    unacked_errors_only: bool = False
    text: str | None = None
    source: str | None = None
    operation: str | None = None
    predicate: Callable[[Mapping[str, Any]], bool] | None = None
    owner: str | None = None  # a user, `me` (the store's `user`) or `none`
    silenced: bool | None = None  # kept quiet by a silence in force (True) or not (False)


@dataclass(slots=True)
class StoreChange:
    """What one `add`/`add_records`/`tick` changed, so a view refreshes only that.

    `status_rows` (a subset of `changed_rows`) are rows whose status or owner changed:
    only those can leave or enter a view filtered by status or owner. `log_start`/`log_end` are positions in the store's display order log: rows whose
    newest occurrence arrived in this change sit in that range (see `EventStore.select`'s
    `start`). `moved_rows` are existing rows that a newer occurrence moved to the top.
    `reordered` is True when rows arrived between rows already held: a view should
    select again rather than put the new rows on top. Rows older than everything held go
    below instead, at `older_start`..`older_end` (`EventStore.select_older`): a view puts
    those at its bottom.
    """

    log_start: int = 0
    log_end: int = 0
    older_start: int = 0
    older_end: int = 0
    row_end: int = 0  # rows that existed then; ids from here on are newer
    new_rows: list[int] = field(default_factory=list)
    moved_rows: list[int] = field(default_factory=list)
    changed_rows: set[int] = field(default_factory=set)
    status_rows: set[int] = field(default_factory=set)
    events: int = 0
    duplicates: int = 0
    skipped: int = 0
    lifecycle: int = 0
    counts_changed: bool = False
    reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (self.new_rows or self.moved_rows or self.changed_rows or self.counts_changed)

    def merged(self, later: StoreChange) -> StoreChange:
        """One change that says what this one and a later one said together."""
        return StoreChange(
            log_start=min(self.log_start, later.log_start),
            log_end=max(self.log_end, later.log_end),
            older_start=min(self.older_start, later.older_start),
            older_end=max(self.older_end, later.older_end),
            new_rows=self.new_rows + later.new_rows,
            moved_rows=self.moved_rows + later.moved_rows,
            changed_rows=self.changed_rows | later.changed_rows,
            status_rows=self.status_rows | later.status_rows,
            events=self.events + later.events,
            duplicates=self.duplicates + later.duplicates,
            skipped=self.skipped + later.skipped,
            lifecycle=self.lifecycle + later.lifecycle,
            counts_changed=self.counts_changed or later.counts_changed,
            reordered=self.reordered or later.reordered,
        )
