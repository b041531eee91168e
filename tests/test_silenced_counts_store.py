"""The store's counts leave out what a hub silence keeps quiet, exactly while it is in force."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from notifycenter.model.lifecycle import format_time
from notifycenter.model.severity import Bucket
from notifycenter.model.silences import Silence, created_event, expired_event
from notifycenter.store import EventStore, ViewQuery
from notifycenter.store.types import READ, UNREAD
from tests.hypothesis_profiles import examples
from tests.test_store import T0, Clock, event, lifecycle

HUB = "urn:notifycenter:hub"
ENDS = T0 + timedelta(hours=1)


def silence(cursor: int, silence_id: str = "s1", ends: Any = ENDS) -> dict[str, Any]:
    window = Silence(
        id=silence_id,
        filter="source = 'urn:meshery:adapter:istio'",
        starts=format_time(T0),
        ends=format_time(ends),
        author="alice",
        comment="upgrade",
        created_at=format_time(T0),
    )
    return {
        **created_event(window, hub_source=HUB, event_id=f"c{cursor}"),
        "cursor": f"{cursor:016d}",
    }


def expired(cursor: int, silence_id: str = "s1") -> dict[str, Any]:
    at = format_time(T0 + timedelta(minutes=5))
    made = expired_event(silence_id, actor="bob", at=at, hub_source=HUB, event_id=f"x{cursor}")
    return {**made, "cursor": f"{cursor:016d}"}


def quiet(cursor: int, silence_id: str = "s1", **fields: Any) -> dict[str, Any]:
    return event(cursor, silence=silence_id, **fields)


def errors(store: EventStore) -> tuple[int, int, int]:
    count = store.counts()[Bucket.ERRORS]
    return count.total, count.unacknowledged, count.silenced


def make() -> tuple[EventStore, Clock]:
    clock = Clock()
    return EventStore(clock=clock), clock


def test_before_while_and_after_a_silence() -> None:
    store, clock = make()
    store.add([event(1, summary="before")])
    assert errors(store) == (1, 1, 0)
    change = store.add([silence(2), quiet(3, summary="a"), quiet(4, summary="b")])
    assert change.counts_changed
    assert errors(store) == (3, 1, 2)  # listed, but not waiting for an ack
    assert store.silenced(store.find(3) or 0) and not store.silenced(store.find(1) or 0)
    assert store.next_silence_end == ENDS

    clock.now = ENDS - timedelta(seconds=1)
    assert store.tick().empty
    assert errors(store) == (3, 1, 2)

    clock.now = ENDS
    change = store.tick()
    assert change.counts_changed and change.status_rows == {store.find(3), store.find(4)}
    assert errors(store) == (3, 3, 0)  # the unresolved ones are open again, then exactly
    assert store.next_silence_end is None
    assert not store.silenced(store.find(3) or 0)


def test_an_early_expiry_brings_them_back_at_once() -> None:
    store, _ = make()
    store.add([silence(1), quiet(2)])
    assert errors(store) == (1, 0, 1)
    store.add([expired(3)])
    assert errors(store) == (1, 1, 0)
    assert store.next_silence_end is None
    store.add([quiet(4, summary="stamped before the expiry reached this client")])
    assert errors(store) == (2, 2, 0)


def test_handled_silenced_events_move_between_the_counts_as_any_other() -> None:
    store, clock = make()
    first = quiet(2)
    store.add([silence(1), first, quiet(3, summary="other")])
    store.add([lifecycle(4, first, "ack")])
    assert errors(store) == (2, 0, 1)
    store.add([lifecycle(5, first, "unack")])
    assert errors(store) == (2, 0, 2)
    store.add([lifecycle(6, first, "resolve")])
    clock.now = ENDS
    store.tick()
    assert errors(store) == (2, 1, 0)  # the resolved one stays handled


def test_a_folded_row_counts_its_silenced_occurrences_only() -> None:
    store, clock = make()
    store.add([event(1), silence(2), quiet(3)])  # the same notification, twice: one row
    assert len(store) == 1 and store.occurrences(0) == 2
    assert errors(store) == (2, 1, 1)
    store.add([lifecycle(4, quiet(3), "ack")])  # one occurrence acked by another client
    assert errors(store) == (2, 1, 0)
    store.add([lifecycle(5, event(1), "ack")])  # the whole row acked
    assert errors(store) == (2, 0, 0)
    store.add([lifecycle(6, event(1), "unack"), lifecycle(7, quiet(3), "unack")])
    assert errors(store) == (2, 1, 1)
    clock.now = ENDS
    store.tick()
    assert errors(store) == (2, 2, 0)


def test_silences_known_from_the_hub_quiet_records_loaded_before_them() -> None:
    store, clock = make()
    records: list[dict[str, Any]] = [
        {"cursor": f"{n:016d}", "event": quiet(n, summary=f"n{n}"), "status": "unread"}
        for n in (5, 6)
    ]
    store.add_records(records)
    assert errors(store) == (2, 2, 0)  # not known yet: open, never hidden on a guess
    listed = {"id": "s1", "ends": format_time(ENDS), "state": "active", "expired_at": None}
    change = store.add_silences([listed, {"id": "old", "ends": "x", "state": "expired"}])
    assert change.counts_changed
    assert errors(store) == (2, 0, 2)
    store.add([silence(7)])  # the same silence again from the stream: nothing moves
    assert errors(store) == (2, 0, 2)
    clock.now = ENDS
    store.tick()
    assert errors(store) == (2, 2, 0)


def test_a_silence_already_over_quiets_nothing() -> None:
    store, _ = make()
    store.add([silence(1, ends=T0 - timedelta(minutes=1)), quiet(2)])
    assert errors(store) == (1, 1, 0)


def test_the_unacked_errors_view_counts_agree_with_the_rows() -> None:
    """`e` lists the unacknowledged errors; the count beside it leaves out the quiet ones,
    and the rows say which those are."""
    store, _ = make()
    store.add([event(1, summary="loud"), silence(2), quiet(3, summary="quiet")])
    rows = store.select(ViewQuery(unacked_errors_only=True))
    assert sum(not store.silenced(row) for row in rows) == errors(store)[1] == 1


def test_many_silences_end_one_by_one_on_ticks() -> None:
    store, clock = make()
    batch: list[dict[str, Any]] = []
    for n in range(50):
        ends = T0 + timedelta(minutes=n + 1)
        batch += [silence(1000 + n, f"s{n}", ends), quiet(2000 + n, f"s{n}", summary=f"q{n}")]
    store.add(batch)
    assert errors(store) == (50, 0, 50)
    for n in range(50):
        clock.now = T0 + timedelta(minutes=n + 1)
        store.tick()
        assert errors(store) == (50, n + 1, 49 - n)


VERBS = ("read", "ack", "unack", "resolve", "reopen", "archive")
steps = st.lists(
    st.one_of(
        st.tuples(st.just("event"), st.sampled_from(["", "s1", "s2"]), st.integers(0, 2)),
        st.tuples(st.just("silence"), st.sampled_from(["s1", "s2"]), st.integers(1, 4)),
        st.tuples(st.just("expire"), st.sampled_from(["s1", "s2"]), st.just(0)),
        st.tuples(st.just("lifecycle"), st.sampled_from(VERBS), st.integers(0, 30)),
        st.tuples(st.just("minutes"), st.just(""), st.integers(1, 3)),
    ),
    max_size=40,
)


@settings(max_examples=examples(80), deadline=None)
@given(steps)
@example([("event", "s2", 2), ("silence", "s2", 2), ("silence", "s2", 4), ("minutes", "", 3)])
def test_silenced_counts_agree_with_the_occurrences_read_one_by_one(
    script: list[tuple[str, str, int]],
) -> None:
    """Whatever arrives in whatever order: the quiet part of the counts is a recount of the
    occurrences whose silence is known and in force, each with its own status."""
    store, clock = make()
    windows: dict[str, Any] = {}  # silence id -> end, or None once expired
    sent: list[dict[str, Any]] = []
    for cursor, (kind, what, number) in enumerate(script, 1):
        if kind == "event":
            fields = {"silence": what} if what else {}
            sent.append(event(cursor, subject=str(number), **fields))
            store.add([sent[-1]])
        elif kind == "silence":
            ends = clock.now + timedelta(minutes=number)
            store.add([silence(cursor, what, ends)])
            if what not in windows:
                windows[what] = ends if ends > clock.now else None
        elif kind == "expire":
            store.add([expired(cursor, what)])
            windows[what] = None
        elif kind == "lifecycle" and sent:
            store.add([lifecycle(cursor, sent[number % len(sent)], what)])
        elif kind == "minutes":
            clock.now += timedelta(minutes=number)
            store.tick()
        in_force = {s for s, end in windows.items() if end is not None and end > clock.now}
        expected = {bucket: [0, 0] for bucket in Bucket}
        for occurrence, sent_event in enumerate(sent):
            row = store.find(sent_event["cursor"])
            assert row is not None
            held = store._parts.of(row).get(occurrence, store._status[row])
            if held in (UNREAD, READ):
                bucket = store.row(row).bucket
                expected[bucket][sent_event.get("silence") in in_force] += 1
        for bucket, count in store.counts().items():
            assert (count.unacknowledged, count.silenced) == tuple(expected[bucket])


def test_the_silenced_token_selects_what_a_silence_in_force_keeps_quiet() -> None:
    """`silenced:yes` means what the hub's `silenced=true` means: quiet now, not once."""
    store, clock = make()
    store.add([event(1, summary="loud"), silence(2), quiet(3, summary="quiet")])

    def rows(silenced: bool) -> set[int]:
        found = store.select(ViewQuery(silenced=silenced))
        return {found[n] for n in range(len(found))}

    loud, quiet_row = store.find(1), store.find(3)
    assert quiet_row in rows(True) and loud not in rows(True)
    assert loud in rows(False) and quiet_row not in rows(False)
    clock.now = ENDS
    store.tick()
    assert quiet_row not in rows(True)  # the silence is over: the error is open again
    assert {loud, quiet_row} <= rows(False)
