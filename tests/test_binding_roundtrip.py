"""Every valid event survives structured and binary round trips through the HTTP binding."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.hub.binding import BATCH, STRUCTURED, decode_request
from notifycenter.model.event import validate_event

# CloudEvents HTTP binding 3.1.3.2: printable ASCII is safe except space, '"' and '%'.
SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')
RESERVED = {
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "data",
    "datacontenttype",
    "severitytext",
    "severitynumber",
    "traceparent",
    "cursor",
    "dataschema",
}

text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
extension_names = st.from_regex(r"\A[a-z0-9]{1,12}\Z").filter(lambda n: n not in RESERVED)
severities = st.sampled_from(
    [
        "EMERGENCY",
        "alert",
        "crit",
        "Error",
        "warn",
        "NOTICE",
        "info",
        "debug",
        "SUCCESS",
        "fatal",
        "panic",
    ]
)
times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.isoformat())
traceparents = (
    st.tuples(st.from_regex(r"\A[0-9a-f]{32}\Z"), st.from_regex(r"\A[0-9a-f]{16}\Z"))
    .filter(lambda ids: set(ids[0]) != {"0"} and set(ids[1]) != {"0"})
    .map(lambda ids: f"00-{ids[0]}-{ids[1]}-01")
)


@st.composite
def events(draw: st.DrawFn, extension_values: st.SearchStrategy = text) -> dict:
    event = {"specversion": "1.0", "id": draw(text), "source": draw(text), "type": draw(text)}
    optional = {
        "time": times,
        "subject": text,
        "severitytext": severities,
        "traceparent": traceparents,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            event[name] = draw(strategy)
    event.update(draw(st.dictionaries(extension_names, extension_values, max_size=4)))
    payload = draw(st.sampled_from(["none", "json", "text"]))
    if payload == "json":
        event["datacontenttype"] = "application/json"
        event["data"] = draw(st.dictionaries(text, json_value, max_size=5))
    elif payload == "text":
        event["datacontenttype"] = "text/plain; charset=utf-8"
        event["data"] = draw(text)
    return event


def to_binary(event: dict) -> tuple[list[tuple[str, str]], bytes]:
    headers = [
        (f"ce-{name}", quote(str(value), safe=SAFE))
        for name, value in event.items()
        if name not in ("data", "datacontenttype")
    ]
    body = b""
    if "datacontenttype" in event:
        headers.append(("content-type", event["datacontenttype"]))
        data = event["data"]
        body = data.encode() if isinstance(data, str) else orjson.dumps(data)
    return headers, body


@settings(max_examples=150, deadline=None)
@given(events(extension_values=text | st.integers(-(2**31), 2**31)))
def test_structured_round_trip_keeps_the_event(event: dict) -> None:
    (decoded,) = decode_request([("content-type", STRUCTURED)], orjson.dumps(event))
    assert decoded == validate_event(event)
    assert decode_request([("content-type", BATCH)], orjson.dumps([event, event])) == [
        decoded,
        decoded,
    ]


@settings(max_examples=150, deadline=None)
@given(events())
def test_binary_round_trip_keeps_the_event(event: dict) -> None:
    headers, body = to_binary(event)
    (decoded,) = decode_request(headers, body)
    assert decoded == validate_event(event)


def test_events_written_by_the_cloudevents_sdk_are_read_back() -> None:
    """Interoperability with the reference SDK as a producer, in both modes."""
    from cloudevents.core.bindings import http
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    sent = CloudEvent(
        attributes={
            "id": "sdk-1",
            "source": "urn:meshery:adapter:istio",
            "type": "io.meshery.x",
            "time": datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
            "severitytext": "warn",
            "subject": "café #1",
            "datacontenttype": "application/json",
        },
        data={"summary": "from the SDK"},
    )
    for message in (http.to_binary(sent, JSONFormat()), http.to_structured(sent, JSONFormat())):
        (event,) = decode_request(
            [(k.lower(), v) for k, v in message.headers.items()], message.body
        )
        assert (event["id"], event["subject"], event["severitytext"]) == (
            "sdk-1",
            "café #1",
            "WARNING",
        )
        assert event["data"] == {"summary": "from the SDK"}
        assert event["time"].startswith("2026-11-28T09:00:00")
