"""The client store takes whatever a hub sends: no field value can make it raise, and
every row it holds renders (list row, CLI table) without a crash or unsafe character."""

from __future__ import annotations

import tracemalloc
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.commands.output import compact_time, render_table, short_time
from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.rows import RowStyles, columns_for, render_row
from tests.hypothesis_profiles import examples

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
FAR_EAST, FAR_WEST = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))
UNSAFE = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
HOSTILE_TIMES = (
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00Z",
    "2026-11-28",
    "2026-11-28T10:00:00",
    "not a time",
    "",
)


def store() -> EventStore:
    return EventStore(clock=lambda: NOW)


def event(cursor: int, **fields: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"e{cursor}",
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.test",
        "severitytext": "ERROR",
        "cursor": str(cursor),
        "data": {"summary": f"event {cursor}"},
        **fields,
    }


def rendered(held: EventStore, row_id: int, tz: timezone) -> str:
    strip = render_row(
        held.row(row_id), columns_for(100), RowStyles(), highlighted=False, now=NOW, tz=tz
    )
    return strip.text


def assert_safe(text: str) -> None:
    bad = {hex(ord(c)) for c in text if unicodedata.category(c) in UNSAFE}
    assert not bad, f"unsafe characters shown: {sorted(bad)}"


@pytest.mark.parametrize("time", HOSTILE_TIMES)
def test_a_time_at_the_edge_of_the_calendar_renders_in_every_time_zone(time: str) -> None:
    held = store()
    held.add([event(1, time=time)])
    row = held.row(0)
    if row.time is not None:  # clamped inside what every zone can show
        assert row.time.year in (1, 2026, 9999)
    for tz in (FAR_EAST, FAR_WEST, UTC):
        assert rendered(held, 0, tz)


def test_the_year_9999_is_shown_as_the_far_future_not_dropped() -> None:
    held = store()
    held.add([event(1, time="9999-12-31T23:59:59-01:00")])
    shown = held.row(0).time
    assert shown is not None and shown >= datetime(9999, 12, 30, tzinfo=UTC)
    assert rendered(held, 0, UTC).split()[0] == "0s"  # the list's AGE: not in the past


@pytest.mark.parametrize("claimed", [10**15, -(10**15), 2**70])
def test_the_indexes_are_never_sized_beyond_the_bound_whatever_the_hub_counts(
    claimed: int,
) -> None:
    """`reserve` takes the hub's counts: a claim no machine could hold allocates at most
    the bound's tables, and the store works on."""
    held = store()
    tracemalloc.start()
    try:
        held.reserve(claimed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20
    held.add([event(n) for n in range(1, 4)])
    assert len(held.select(ViewQuery())) == 3


def test_cursors_that_do_not_fit_are_skipped_not_fatal() -> None:
    held = store()
    change = held.add(
        [
            {**event(1), "cursor": c}
            for c in ("9" * 40, "1" * 5000, "²", "-3", -3, 1 << 70, None, [1])
        ]
    )
    assert change.skipped == 8 and len(held) == 0
    assert held.find("9" * 40) is None


def test_events_nested_deeper_than_the_json_writer_allows_are_kept() -> None:
    deep: Any = "bottom"
    for _ in range(400):  # orjson reads 1024 levels but writes only 254
        deep = [deep]
    held = store()
    held.add([event(1, data={"summary": "deep", "details": deep})])
    assert held.row(0).summary == "deep"
    assert held.event(0)["data"]["details"] == deep


def test_ack_with_an_unreadable_until_keeps_the_ack() -> None:
    held = store()
    target = event(1)
    ack = {
        "specversion": "1.0",
        "id": "l1",
        "source": "hub",
        "type": "io.meshery.notification.ack",
        "cursor": "2",
        "time": 5,
        "data": {
            "target": {"source": target["source"], "id": "e1"},
            "actor": ["bob"],
            "until": "2026-12-01",  # no offset: cannot be compared with now
        },
    }
    held.add([target, ack])
    held.tick()
    row = held.row(0)
    assert row.status is not None and row.status.value == "acknowledged"
    assert row.acked_by == '["bob"]'
    assert all(isinstance(c.actor, str) and isinstance(c.at, str) for c in held.history(0))


def test_records_with_fields_of_any_type_load() -> None:
    held = store()
    records: list[Any] = [
        {"cursor": "1", "event": event(1), "status": "acknowledged", "until": 7},
        {"cursor": "2", "event": event(2), "status": "acknowledged", "until": "soon"},
        {"cursor": "3", "event": event(3), "status": "resolved", "resolved_by": {"x": 1}},
        {"cursor": "4", "event": [1, 2]},  # kept as an event without attributes
        "not a record",
        ["nor", "this"],
    ]
    change = held.add_records(records)
    assert change.skipped == 2 and len(held) == 4
    statuses = [held.row(held.find(cursor)).status for cursor in (1, 2, 3, 4)]
    assert [s.value if s else None for s in statuses] == [
        "acknowledged",
        "acknowledged",
        "resolved",
        "unread",
    ]


# -- any event at all ---------------------------------------------------------------

_text = st.text(max_size=12) | st.sampled_from(
    [
        "\u2028x\u2029",
        "\x1b]52;c;aGk=\x07",
        "[/x]",
        "[@click=app.quit]",
        "\u202eevil",
        "²",
        "\ud800",
    ]
)
_scalar = st.none() | st.booleans() | st.integers() | st.floats() | _text
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)
_time = (
    st.sampled_from(HOSTILE_TIMES)
    | _json
    | st.datetimes(timezones=st.timezones()).map(datetime.isoformat)
)
_cursor = st.integers(0, 30) | st.integers(0, 30).map(str) | _json
_error = st.fixed_dictionaries(
    {},
    optional={
        name: _json
        for name in (
            "code",
            "shortDescription",
            "longDescription",
            "probableCause",
            "suggestedRemediation",
        )
    },
)
_data = _json | st.fixed_dictionaries(
    {},
    optional={
        "summary": _json,
        "details": _json,
        "error": _error | _json,
        "target": st.fixed_dictionaries({}, optional={"source": _json, "id": _json}) | _json,
        "actor": _json,
        "comment": _json,
        "until": _time,
    },
)
_type = _json | st.sampled_from(
    ["io.meshery.notification." + verb for verb in ("ack", "read", "resolve", "archive", "x")]
)
_event = st.fixed_dictionaries(
    {"cursor": _cursor},
    optional={
        "specversion": _json,
        "id": _json,
        "source": _json | st.just("urn:a"),
        "type": _type,
        "time": _time,
        "subject": _json,
        "severitytext": _json | st.sampled_from(["error", "warn", "debug", "loud"]),
        "severitynumber": _json,
        "category": _json | st.just("audit"),
        "traceparent": _json | st.just("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        "data": _data,
    },
)
_record = st.fixed_dictionaries(
    {"event": _event},
    optional={
        "cursor": _cursor,
        "status": _json | st.sampled_from(["unread", "read", "acknowledged", "resolved"]),
        "read": _json,
        "acknowledged_by": _json,
        "until": _time,
        "resolved_at": _json,
        "archived_at": _json,
    },
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_event | _json, max_size=8), records=st.lists(_record | _json, max_size=4))
def test_any_received_event_is_stored_and_renders(events: list[Any], records: list[Any]) -> None:
    held = store()
    held.add(events)
    held.add_records(records)
    held.tick()
    for view in (ViewQuery(), ViewQuery(text="a", status="open"), ViewQuery(source="urn")):
        held.select(view)
    held.counts()
    cells = []
    for row_id in range(len(held)):
        row = held.row(row_id)
        for text in (row.source, row.type, row.subject, row.summary, row.code, row.acked_by):
            assert_safe(text or "")
        for tz in (FAR_EAST, FAR_WEST):
            assert_safe(rendered(held, row_id, tz))
        raw = held.event(row_id)
        held.history(row_id)
        held.cursors(row_id)
        cells.append([compact_time(raw.get("time"), "2026-11-28"), short_time(raw.get("id"))])
        cells[-1] += [raw.get("source"), raw.get("type"), raw.get("data")]
    for line in render_table(["TIME", "ID", "SOURCE", "TYPE", "DATA"], cells, width=100):
        assert_safe(line.replace("\x1b[1m", "").replace("\x1b[0m", ""))


def test_a_filter_that_fails_on_an_event_does_not_match_it() -> None:
    held = store()
    held.add([event(1), event(2, data={"summary": "kept"})])

    def predicate(raw: Any) -> bool:
        if raw["data"]["summary"] != "kept":
            raise ZeroDivisionError("1 / 0 in a filter")
        return True

    assert list(held.select(ViewQuery(predicate=predicate))) == [1]


def test_attributes_of_another_type_show_as_their_json_text() -> None:
    held = store()
    held.add([event(1, type=10**5000, subject=["a", 1], id=10**5000)])
    row = held.row(0)
    assert row.subject == '["a",1]' and row.type == ""  # too long a number to write
