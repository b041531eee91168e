from datetime import UTC, datetime, timedelta

from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import (
    LifecycleState,
    Status,
    Verb,
    format_time,
    lifecycle_event,
    parse_duration,
    read_lifecycle_event,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
AT = format_time(NOW)


def test_status_follows_the_verbs():
    state = LifecycleState()
    assert state.status(NOW) is Status.UNREAD
    state.apply(Verb.READ, "alice", AT)
    assert state.status(NOW) is Status.READ
    state.apply(Verb.ACK, "alice", AT, comment="on it")
    assert state.status(NOW) is Status.ACKNOWLEDGED and state.ack_comment == "on it"
    state.apply(Verb.RESOLVE, "bob", AT)
    assert state.status(NOW) is Status.RESOLVED and not state.matches("open", NOW)
    state.apply(Verb.REOPEN, "bob", AT)
    assert state.status(NOW) is Status.ACKNOWLEDGED and state.matches("open", NOW)
    state.apply(Verb.UNACK, "bob", AT)
    assert state.matches("unacked", NOW) and state.acked_by is None
    state.apply(Verb.ARCHIVE, "bob", AT)
    assert state.status(NOW) is Status.ARCHIVED


def test_an_ack_lapses_at_until():
    state = LifecycleState()
    state.apply(Verb.ACK, "alice", AT, until=format_time(NOW + timedelta(hours=2)))
    assert state.matches("acknowledged", NOW + timedelta(hours=1))
    assert state.matches("unacked", NOW + timedelta(hours=3))
    assert state.status(NOW + timedelta(hours=3)) is Status.READ


def test_lifecycle_events_are_valid_cloudevents_and_read_back():
    raw = lifecycle_event(
        Verb.ACK,
        "urn:meshery:adapter:istio",
        "e1",
        actor="alice",
        hub_source="urn:notifycenter:hub",
        event_id="l1",
        at=AT,
        comment="mine",
    )
    stored = validate_event(raw)
    assert stored["type"] == "io.meshery.notification.ack"
    change = read_lifecycle_event(stored)
    assert (change.verb, change.target_id, change.actor, change.comment) == (
        Verb.ACK,
        "e1",
        "alice",
        "mine",
    )
    assert read_lifecycle_event({"type": "io.meshery.notification.bogus", "data": {}}) is None
    assert read_lifecycle_event({"type": "io.meshery.x"}) is None


def test_durations():
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("soon") is None and parse_duration("2x") is None
