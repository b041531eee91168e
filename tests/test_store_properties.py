"""Whatever arrives, the store's counts and queries agree with its rows read one by one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.model.lifecycle import Status
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount, EventStore, ViewQuery
from tests.hypothesis_profiles import examples
from tests.test_store import T0, event, lifecycle

SEVERITIES = ("CRITICAL", "ERROR", "WARNING", "INFO", "SUCCESS", "DEBUG")
VERBS = ("read", "unread", "ack", "unack", "resolve", "reopen", "archive")

arrivals = st.lists(
    st.one_of(
        st.tuples(
            st.just("event"),
            st.sampled_from(SEVERITIES),
            st.integers(0, 3),
            st.sampled_from(["a", "B", "c"]),
        ),
        st.tuples(st.just("lifecycle"), st.sampled_from(VERBS), st.integers(0, 30), st.just("")),
    ),
    max_size=40,
)


def replay(steps: list[tuple[str, str, int, str]]) -> EventStore:
    store = EventStore(clock=lambda: T0)
    sent: list[dict[str, Any]] = []
    for cursor, (kind, what, number, word) in enumerate(steps, 1):
        if kind == "event":
            sent.append(
                event(cursor, severity=what, subject=str(number), summary=f"{word} happened")
            )
            store.add([sent[-1]])
        elif sent:
            store.add([lifecycle(cursor, sent[number % len(sent)], what)])
    return store


def newest_first(store: EventStore) -> list[int]:
    return sorted(range(len(store)), key=store.position, reverse=True)


@settings(max_examples=examples(60), deadline=None)
@given(arrivals)
def test_counts_are_the_sum_of_the_rows(steps: list[tuple[str, str, int, str]]) -> None:
    store = replay(steps)
    expected = {bucket: [0, 0] for bucket in Bucket}
    for row_id in range(len(store)):
        row = store.row(row_id)
        if row.status is not Status.ARCHIVED:  # less the ones archived one by one
            expected[row.bucket][0] += row.count - row.archived
        if row.status in (Status.UNREAD, Status.READ):  # less the ones handled one by one
            expected[row.bucket][1] += row.count - row.handled
    assert store.counts() == {bucket: BucketCount(*pair) for bucket, pair in expected.items()}
    assert sum(store.row(r).count for r in range(len(store))) == store.event_count


@settings(max_examples=examples(60), deadline=None)
@given(
    arrivals,
    st.sampled_from([None, *Bucket]),
    st.sampled_from(
        [None, "unread", "read", "acknowledged", "unacked", "resolved", "archived", "open"]
    ),
    st.sampled_from([None, "b", "HAPPENED", "zzz"]),
)
def test_select_agrees_with_reading_every_row(
    steps: list[tuple[str, str, int, str]],
    bucket: Bucket | None,
    status: str | None,
    text: str | None,
) -> None:
    store = replay(steps)
    wanted = {"unacked": {"unread", "read"}, "open": {"unread", "read", "acknowledged"}}

    def keep(row_id: int) -> bool:
        row = store.row(row_id)
        value = row.status.value if row.status else None
        if status is None and value == "archived":
            return False
        if status is not None and value not in wanted.get(status, {status}):
            return False
        if bucket is not None and row.bucket is not bucket:
            return False
        return (
            text is None
            or text.lower() in f"{row.summary}\n{row.source}\n{row.type}\n{row.code}".lower()
        )

    expected = [r for r in newest_first(store) if keep(r)]
    assert list(store.select(ViewQuery(bucket=bucket, status=status, text=text))) == expected


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y"]), st.integers(0, 2), st.integers(0, 2)), max_size=30
    )
)
def test_a_row_folds_only_true_repeats(steps: list[tuple[str, int, int]]) -> None:
    """Every occurrence of a row has the row's summary and operation: nothing else folds."""
    store = EventStore(clock=lambda: T0)
    sent = {}
    for cursor, (word, subject, span) in enumerate(steps, 1):
        traceparent = f"00-{'c' * 32}-{span + 1:016x}-01" if span else None
        sent[cursor] = event(
            cursor, subject=str(subject), summary=f"{word} failed", traceparent=traceparent
        )
        store.add([sent[cursor]])
    for row_id in range(len(store)):
        members = [sent[int(cursor)] for cursor in store.cursors(row_id)]
        keys = {(m["subject"], m["data"]["summary"], m.get("traceparent")) for m in members}
        assert len(keys) == 1 and len(members) == store.occurrences(row_id)
