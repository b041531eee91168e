"""The pure side of silences: states, the request's checks, the log events read back, the
quick filter's `silenced:` token and the filter `:silence` builds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifycenter.hub.params import parse_moment
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql
from notifycenter.model.filters.quick import quick_filter
from notifycenter.model.lifecycle import format_time, parse_duration
from notifycenter.model.silences import (
    Silence,
    SilenceState,
    created_event,
    expired_event,
    parse_silence_request,
    read_silence_event,
    source_type_filter,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def at(hours: float) -> str:
    return format_time(NOW + timedelta(hours=hours))


def test_a_silence_is_pending_active_then_expired() -> None:
    silence = Silence("s", "source = 'x'", at(1), at(3), "alice", None, at(0))
    assert silence.state(NOW) is SilenceState.PENDING
    assert silence.state(NOW + timedelta(hours=2)) is SilenceState.ACTIVE
    assert silence.in_force(at(2)) and not silence.in_force(at(3))
    assert silence.state(NOW + timedelta(hours=3)) is SilenceState.EXPIRED
    ended = silence.expire("bob", at(2))
    assert ended.state(NOW + timedelta(hours=2)) is SilenceState.EXPIRED
    assert not ended.in_force(at(2.5))


def test_the_log_events_read_back_as_the_silence_and_its_end() -> None:
    silence = Silence("s", "type = 'x'", at(0), at(2), "alice", "upgrade", at(0))
    created = read_silence_event(created_event(silence, hub_source="urn:hub", event_id="1"), "42")
    assert created is not None and created.silence == Silence(
        "s", "type = 'x'", at(0), at(2), "alice", "upgrade", at(0), cursor="42"
    )
    ended = expired_event("s", actor="bob", at=at(1), hub_source="urn:hub", event_id="2")
    change = read_silence_event(ended)
    assert change is not None and (change.expired_id, change.actor) == ("s", "bob")
    assert read_silence_event({"type": "io.meshery.test"}) is None


def test_a_request_needs_a_filter_and_one_end() -> None:
    def parse(body: object) -> object:
        return parse_silence_request(body, NOW, parse_moment, parse_duration)

    request = parse({"filter": " source = 'x' ", "duration": "2h", "comment": "why"})
    assert request.filter == "source = 'x'" and request.ends - request.starts == timedelta(hours=2)
    for body, code in (
        ({"duration": "2h"}, "notifycenter-2050"),
        ({"filter": "x = 1", "duration": "2h", "ends": at(3)}, "notifycenter-2050"),
        ({"filter": "x = 1", "ends": at(-1)}, "notifycenter-2052"),
        ({"filter": "x = 1", "starts": at(2), "ends": at(1)}, "notifycenter-2052"),
        ({"filter": "x = 1", "duration": "0s"}, "notifycenter-2052"),
    ):
        with pytest.raises(NotifyError) as refused:
            parse(body)
        assert refused.value.code == code


def test_the_quick_filter_takes_silenced_yes_and_no() -> None:
    # The token is for the caller to apply (a silence's end changes the answer), not CESQL.
    yes, no, negated = (quick_filter(t) for t in ("silenced:yes", "silenced:no", "-silenced:yes"))
    assert (yes.silenced, no.silenced, negated.silenced) == (True, False, False)
    assert yes.filter is None and yes.cesql == ""
    assert quick_filter("sev:error silenced:no").cesql != ""
    with pytest.raises(NotifyError) as refused:
        quick_filter("silenced:maybe")
    assert refused.value.code == "notifycenter-1305"


def test_the_source_and_type_filter_quotes_what_it_quotes() -> None:
    text = source_type_filter("urn:it's", "io.x")
    event = {"specversion": "1.0", "id": "1", "source": "urn:it's", "type": "io.x"}
    assert compile_cesql(text, strict=True).matches(event)
    assert not compile_cesql(text).matches({**event, "type": "io.y"})
