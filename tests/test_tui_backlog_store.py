"""However the backlog's pages and the stream interleave, the store lists and counts what
one store fed everything in log order would: pages placed below the rows held change
nothing an operator can see but the time they arrive."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.store import EventStore, ViewQuery
from tests.hypothesis_profiles import examples
from tests.test_store import T0, event

SEVERITIES = ("ERROR", "WARNING", "INFO", "DEBUG")
# Statuses a repeat folds across. An acknowledged occurrence between two open repeats
# splits them in log order, but a page read newest first meets the open repeats first and
# folds them (as the client did before pages went below): not what this property is about.
FOLDING = ("unread", "read")
ANY_STATUS = ("unread", "read", "acknowledged")


def backlogs(statuses: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.tuples(
        # each event: severity, subject (few, so that repeats fold), summary word, status
        st.lists(
            st.tuples(
                st.sampled_from(SEVERITIES),
                st.integers(0, 2),
                st.sampled_from(["a", "b"]),
                st.sampled_from(statuses),
            ),
            min_size=1,
            max_size=40,
        ),
        st.integers(1, 40),  # where the hub's log ended when the client started
        st.integers(1, 9),  # page size
        st.integers(0, 3),  # first page's size in pages
    )


def record(cursor: int, sent: dict[str, Any], status: str) -> dict[str, Any]:
    return {"cursor": f"{cursor:016d}", "event": sent, "status": status}


def shown(store: EventStore, view: ViewQuery) -> list[tuple[str, int]]:
    """What the list shows: each row's newest cursor and fold count, top to bottom."""
    return [(store.row(r).cursor, store.row(r).count) for r in store.select(view)]


Backlog = tuple[list[tuple[str, int, str, str]], int, int, int]


def both(backlog: Backlog) -> tuple[EventStore, EventStore]:
    """The store as the client fills it, and one fed the same log in order."""
    steps, started_at, page, first_pages = backlog
    events = [
        event(n, severity=severity, subject=str(subject), summary=f"{word} happened")
        for n, (severity, subject, word, _) in enumerate(steps, 1)
    ]
    statuses = [status for *_, status in steps]
    end = min(started_at, len(events))
    stream = [{**e, "cursor": f"{n:016d}"} for n, e in enumerate(events[end:], end + 1)]

    # What the client does: the newest page first, then the stream from `end`, then
    # older pages, newest first, down to the start of the log.
    loaded = EventStore(clock=lambda: T0)
    older = [record(n, events[n - 1], statuses[n - 1]) for n in range(end, 0, -1)]
    first = max(page * first_pages, 1)
    loaded.add_records(older[:first])
    loaded.add(stream)
    for start in range(first, len(older), page):
        loaded.add_records(older[start : start + page])

    # The reference: every record of the backlog in log order, then the stream.
    whole = EventStore(clock=lambda: T0)
    whole.add_records(list(reversed(older)))
    whole.add(stream)
    return loaded, whole


@settings(max_examples=examples(80), deadline=None)
@given(backlogs(FOLDING))
def test_pages_below_and_news_on_top_list_and_count_as_the_log_does(backlog: Backlog) -> None:
    loaded, whole = both(backlog)
    for view in (ViewQuery(), ViewQuery(bucket="errors"), ViewQuery(status="unacked")):
        assert shown(loaded, view) == shown(whole, view)
    assert loaded.counts() == whole.counts()
    assert loaded.ordered


@settings(max_examples=examples(80), deadline=None)
@given(backlogs(ANY_STATUS))
def test_with_any_status_the_counts_agree_and_the_list_is_newest_first(
    backlog: Backlog,
) -> None:
    loaded, whole = both(backlog)
    assert loaded.counts() == whole.counts()
    cursors = [cursor for cursor, _ in shown(loaded, ViewQuery())]
    assert cursors == sorted(cursors, reverse=True)
    assert sum(count for _, count in shown(loaded, ViewQuery())) == loaded.event_count
