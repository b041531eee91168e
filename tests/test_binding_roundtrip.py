"""Every valid event survives structured and binary round trips through the HTTP binding."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import quote

import orjson
from hypothesis import given, settings

from notifycenter.hub.binding import BATCH, STRUCTURED, decode_request
from notifycenter.model.event import validate_event
from tests.hypothesis_profiles import examples
from tests.strategies import valid_events

# CloudEvents HTTP binding 3.1.3.2: printable ASCII is safe except space, '"' and '%'.
SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')


def canonical_string(value: object) -> str:
    """The CloudEvents canonical string of an attribute value (Boolean is true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_binary_attributes(event: dict) -> dict:
    """What binary mode can carry: every attribute a string, JSON data declared."""
    out = {k: v if k in ("data", "data_base64") else canonical_string(v) for k, v in event.items()}
    if "data" in out and "datacontenttype" not in out:
        out["datacontenttype"] = "application/json"
    return out


def to_binary(event: dict) -> tuple[list[tuple[str, str]], bytes]:
    event = as_binary_attributes(event)
    headers = [
        (f"ce-{name}", quote(value, safe=SAFE))
        for name, value in event.items()
        if name not in ("data", "data_base64", "datacontenttype")
    ]
    body = b""
    if "datacontenttype" in event:
        headers.append(("content-type", event["datacontenttype"]))
    if "data_base64" in event:
        body = base64.b64decode(event["data_base64"])
    elif "data" in event:
        data = event["data"]
        json_data = event["datacontenttype"].split(";")[0].endswith("json")
        body = orjson.dumps(data) if json_data else data.encode()
    return headers, body


@settings(max_examples=examples(150), deadline=None)
@given(valid_events())
def test_structured_round_trip_keeps_the_event(event: dict) -> None:
    (decoded,) = decode_request([("content-type", STRUCTURED)], orjson.dumps(event))
    assert decoded == validate_event(event)
    assert decode_request([("content-type", BATCH)], orjson.dumps([event, event])) == [
        decoded,
        decoded,
    ]


@settings(max_examples=examples(150), deadline=None)
@given(valid_events())
def test_binary_round_trip_keeps_the_event(event: dict) -> None:
    headers, body = to_binary(event)
    (decoded,) = decode_request(headers, body)
    if not body:  # an empty body is no data: there is nothing to tell apart
        event = {k: v for k, v in event.items() if k not in ("data", "data_base64")}
    assert decoded == validate_event(as_binary_attributes(event))


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
