"""Bucket, severity and status views read each place's own copy of its row's bucket and
severity (its "kind") and status. However rows fold, move to the top, change status or are
placed below by older pages, a view lists exactly the rows of the whole list that are of
its bucket, severity and status, in the same order."""

from __future__ import annotations

from array import array
from itertools import compress

from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import EventStore, ViewQuery
from notifycenter.store.columns import kept, kind_of, kinds, ones
from notifycenter.store.types import CODE_OF_BUCKET
from tests.hypothesis_profiles import examples
from tests.test_tui_backlog_store import ANY_STATUS, Backlog, backlogs, both

VIEWS = [
    *(ViewQuery(bucket=bucket) for bucket in Bucket),
    *(ViewQuery(min_severity=severity) for severity in (Severity.WARNING, Severity.ERROR)),
    ViewQuery(bucket=Bucket.ERRORS, min_severity=Severity.CRITICAL),
    ViewQuery(unacked_errors_only=True),
    ViewQuery(bucket=Bucket.WARNINGS, status="unacked"),
    *(ViewQuery(status=status) for status in ("unread", "read", "acknowledged", "open")),
]
STATUSES = {  # the row statuses each status filter keeps
    "unread": {"unread"},
    "read": {"read"},
    "acknowledged": {"acknowledged"},
    "unacked": {"unread", "read"},
    "open": {"unread", "read", "acknowledged"},
}


def wanted(store: EventStore, view: ViewQuery, row: int) -> bool:
    shown = store.row(row)
    if view.bucket is not None and shown.bucket != Bucket(view.bucket):
        return False
    if view.min_severity is not None and shown.severity < view.min_severity:
        return False
    if view.unacked_errors_only:
        return shown.bucket == Bucket.ERRORS and shown.status in STATUSES["unacked"]
    return view.status is None or shown.status in STATUSES[view.status]


@settings(max_examples=examples(80), deadline=None)
@given(backlogs(ANY_STATUS))
def test_a_bucket_severity_or_status_view_is_the_whole_list_narrowed(backlog: Backlog) -> None:
    for store in both(backlog):
        everything = list(store.select(ViewQuery()))
        for view in VIEWS:
            expected = [row for row in everything if wanted(store, view, row)]
            assert list(store.select(view)) == expected, view


def test_a_kind_holds_severity_and_bucket_and_the_table_keeps_what_a_view_wants() -> None:
    errors, warnings = CODE_OF_BUCKET[Bucket.ERRORS], CODE_OF_BUCKET[Bucket.WARNINGS]
    table = kinds({errors}, int(Severity.CRITICAL))
    assert table is not None
    assert table[kind_of(int(Severity.CRITICAL), errors)] == 1
    assert table[kind_of(int(Severity.EMERGENCY), errors)] == 1
    assert table[kind_of(int(Severity.ERROR), errors)] == 0  # below the floor
    assert table[kind_of(int(Severity.CRITICAL), warnings)] == 0  # another bucket
    assert kinds(None, None) is None


def test_ones_finds_every_kept_row_of_a_sparse_mask() -> None:
    mask = bytearray(100_000)
    for row in (0, 7, 99_999):
        mask[row] = 1
    assert ones(bytes(mask)) == [0, 7, 99_999]
    assert ones(b"") == []


@given(st.lists(st.booleans(), max_size=300), st.integers(0, 40))
def test_kept_takes_the_masked_values_in_order_whether_sparse_or_dense(
    flags: list[bool], sparse_to: int
) -> None:
    values = array("i", (3 * n + 1 for n in range(len(flags))))
    for mask in (bytes(flags), bytes(flag and n < sparse_to for n, flag in enumerate(flags))):
        assert kept(values, mask).tolist() == list(compress(values, mask))


@settings(max_examples=examples(80), deadline=None)
@given(backlogs(ANY_STATUS), st.integers(0, 12))
def test_a_first_screen_then_the_rest_below_is_the_whole_view(backlog: Backlog, limit: int) -> None:
    """What a big select shows first (its walk below the log stopped after `limit` places)
    and the rest appended below it make exactly the view, in order."""
    loaded, _ = both(backlog)
    for view in [ViewQuery(), *VIEWS]:
        first = loaded.select(view, older_limit=limit)
        assert first.older_end <= loaded.older_length
        rest = loaded.select_older(view, first.older_end)
        assert list(first) + list(rest) == list(loaded.select(view)), view
        step = limit + 1  # the rest in parts, as a big view shows it
        parts = list(loaded.select_older_steps(view, first.older_end, step))
        assert [part.older_end for part in parts][-1] == loaded.older_length
        assert [row for part in parts for row in part] == list(rest), view
