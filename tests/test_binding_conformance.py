"""The CloudEvents HTTP binding as the spec words it, and the property that makes the class
of consumer-breaking events impossible: whatever a client posts, the hub either refuses it
with a catalogued 4xx and stores nothing, or stores an event that the `cloudevents` SDK
reads and writes back unchanged and that the client store can hold and show."""

from __future__ import annotations

import base64
import itertools
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.catalogue import by_code
from notifycenter.hub.app import create_app
from notifycenter.hub.binding import decode_request
from notifycenter.hub.settings import HubSettings
from notifycenter.model.errors import NotifyError
from notifycenter.store import EventStore
from tests.hypothesis_profiles import examples
from tests.strategies import any_events

with warnings.catch_warnings():  # Starlette's notice about httpx2, at import: not our concern
    warnings.simplefilter("ignore")
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.v1.conversion import to_structured
    from cloudevents.v1.http import from_json
    from starlette.testclient import TestClient

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
# HTTP binding 3.1.3.2: printable ASCII except space, '"' and '%' needs no encoding.
SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')
BASE = [
    ("ce-specversion", "1.0"),
    ("ce-id", "b1"),
    ("ce-source", "urn:meshery:adapter:istio"),
    ("ce-type", "io.meshery.x"),
]


def decode_code(headers: list[tuple[str, str]], body: bytes) -> str:
    with pytest.raises(NotifyError) as caught:
        decode_request(headers, body)
    return caught.value.code


# -- binary mode ----------------------------------------------------------------------------


def test_a_body_without_content_type_is_kept_as_bytes() -> None:
    """No Content-Type: data of unknown type. Before, it was stored as a JSON string."""
    body = b"\x00\xffraw \xc3\xa9 bytes"
    (event,) = decode_request(BASE, body)
    assert "data" not in event and "datacontenttype" not in event
    assert base64.b64decode(event["data_base64"]) == body
    (text_like,) = decode_request(BASE, b'{"looks": "like json"}')
    assert base64.b64decode(text_like["data_base64"]) == b'{"looks": "like json"}'


def test_text_in_a_charset_other_than_utf8_is_kept_as_bytes() -> None:
    body = "café".encode("latin-1")
    headers = [*BASE, ("content-type", "text/plain; charset=ISO-8859-1")]
    (event,) = decode_request(headers, body)
    assert base64.b64decode(event["data_base64"]) == body
    (utf8,) = decode_request([*BASE, ("content-type", "text/plain; charset=utf-8")], b"caf\xc3\xa9")
    assert utf8["data"] == "café"


@pytest.mark.parametrize(
    ("header", "attribute"),
    [
        ('"quoted value"', "quoted value"),
        (
            r'"with \"escaped\" quotes and a \\ backslash"',
            'with "escaped" quotes and a \\ backslash',
        ),
        ('"percent%20after%20unquoting"', "percent after unquoting"),
        ('""', ""),
        ('plain"inner"quotes', 'plain"inner"quotes'),
    ],
)
def test_quoted_header_values_are_unescaped_then_percent_decoded(
    header: str, attribute: str
) -> None:
    (event,) = decode_request([*BASE, ("ce-comexample", header)], b"")
    assert event["comexample"] == attribute


@pytest.mark.parametrize("header", ['"unterminated', '"ends with escape\\"', '"a"b"'])
def test_a_malformed_quoted_header_is_refused(header: str) -> None:
    assert decode_code([*BASE, ("ce-comexample", header)], b"") == "notifycenter-1020"


def test_a_ce_datacontenttype_header_is_refused_in_binary_mode() -> None:
    headers = [*BASE, ("ce-datacontenttype", "text/plain"), ("content-type", "text/plain")]
    assert decode_code(headers, b"x") == "notifycenter-1021"


def test_json_content_types_follow_the_spec_rule() -> None:
    for content_type in ("application/json", "text/json", "application/vnd.x+json; v=1"):
        (event,) = decode_request([*BASE, ("content-type", content_type)], b'{"a": 1}')
        assert event["data"] == {"a": 1}
    (xml,) = decode_request([*BASE, ("content-type", "application/xml")], b"<a/>")
    assert xml["data"] == "<a/>"


def test_percent_decoded_control_characters_are_refused() -> None:
    headers = [*BASE, ("ce-subject", "line%0Abreak")]
    assert decode_code(headers, b"") == "notifycenter-1013"


# -- the property ---------------------------------------------------------------------------

# Breakages binary mode can carry unchanged (its values are all strings).
BINARY_KINDS = frozenset(
    {
        "valid",
        "control-in-id",
        "control-in-subject",
        "control-in-extension",
        "empty-subject",
        "empty-dataschema",
        "source-not-uri",
        "dataschema-not-absolute",
        "time-out-of-range",
        "time-not-rfc3339",
        "media-type-invalid",
        "data-too-deep",
    }
)


def canonical(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def binary_request(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    headers = {
        f"ce-{name}": quote(canonical(value).encode("utf-8", "surrogatepass"), safe=SAFE)
        for name, value in event.items()
        if name not in ("data", "data_base64", "datacontenttype")
    }
    content_type = event.get("datacontenttype")
    body = b""
    if "data_base64" in event:
        body = base64.b64decode(event["data_base64"])
    elif "data" in event:
        data = event["data"]
        content_type = content_type or "application/json"  # as the JSON format implies
        json_data = content_type.split(";")[0].endswith("json")
        text = isinstance(data, str) and not json_data
        body = data.encode() if text else json.dumps(data).encode()
    if content_type is not None:
        headers["content-type"] = content_type
    return headers, body


def request_for(mode: str, event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    if mode == "binary":
        return binary_request(event)
    # stdlib json writes what orjson refuses to (deep nesting), as a hostile client would
    if mode == "batch":
        return {"content-type": BATCH}, json.dumps([event]).encode()
    return {"content-type": STRUCTURED}, json.dumps(event).encode()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(HubSettings(data_dir=tmp_path))) as client:
        yield client


def log_length(client: TestClient) -> int:
    """The hub's last log position: any stored event or lifecycle change moves it."""
    return int(client.app.state.hub.log.last_seq)  # type: ignore[attr-defined]


def keep_bytes(data: Any) -> Any:
    return data if isinstance(data, bytes | bytearray) else json.loads(data)


def assert_consumers_take(stored: dict[str, Any], cursor: str) -> None:
    text = json.dumps(stored)
    # The reference SDK (v1 API) reads it and writes back the same event. Its default data
    # reader parses any data as JSON, bytes too (b"0" becomes 0): keep bytes as bytes.
    _, body = to_structured(from_json(text, data_unmarshaller=keep_bytes))
    assert json.loads(body) == stored
    # the SDK's core API reads it too (it parses time, checks every attribute)
    assert JSONFormat().read(None, text).get_id() == stored["id"]
    # the client store holds it and shows its time in any time zone
    store = EventStore()
    store.add([stored])
    row_id = store.find(cursor)
    assert row_id is not None
    shown = store.row(row_id).time
    assert shown is not None
    assert shown.astimezone().isoformat()


def test_any_event_is_refused_cleanly_or_taken_by_every_consumer(hub: TestClient) -> None:
    serial = itertools.count()

    @settings(
        max_examples=examples(150),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=any_events(), mode=st.sampled_from(["structured", "batch", "binary"]))
    def check(case: tuple[str, dict[str, Any]], mode: str) -> None:
        kind, event = case
        if mode == "binary" and kind not in BINARY_KINDS:
            mode = "structured"
        if kind == "data-too-deep":
            event["datacontenttype"] = "application/json"  # or binary mode keeps it as text
        if isinstance(event.get("id"), str):
            event["id"] = f"{next(serial)}-{event['id']}"  # no accidental duplicates
        headers, body = request_for(mode, event)
        before = log_length(hub)
        response = hub.post("/api/events", content=body, headers=headers)
        if kind != "valid":
            assert 400 <= response.status_code < 500, (kind, mode, headers, response.text)
            assert by_code(response.json()["code"]) is not None, response.text
            assert log_length(hub) == before, f"{kind} was refused but something was stored"
            return
        assert response.status_code == 202, (mode, response.text)
        (cursor,) = response.json()["cursors"]
        stored = hub.get(f"/api/events/{cursor}").json()["event"]
        assert_consumers_take(stored, cursor)

    check()


header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=30)


@settings(max_examples=examples(300), deadline=None)
@given(
    attributes=st.dictionaries(
        st.sampled_from(
            [
                "specversion",
                "id",
                "source",
                "type",
                "time",
                "subject",
                "severitynumber",
                "severitytext",
                "traceparent",
                "dataschema",
                "datacontenttype",
                "x",
                "data",
            ]
        ),
        header_values | st.sampled_from(['"', '"a\\', "%", "%FF", "%C0%A0", "²", "1" * 5000]),
    ),
    content_type=st.none() | header_values | st.sampled_from(["application/json", "text/plain"]),
    body=st.binary(max_size=40),
)
def test_any_binary_request_decodes_or_is_a_catalogued_error(
    attributes: dict[str, str], content_type: str | None, body: bytes
) -> None:
    headers = [(f"ce-{name}", value) for name, value in attributes.items()]
    if content_type is not None:
        headers.append(("content-type", content_type))
    try:
        (event,) = decode_request(headers, body)
    except NotifyError as error:
        assert by_code(error.code) is not None
        assert 400 <= error.http_status < 500
    else:
        assert event["specversion"] == "1.0" and event["id"] and event["source"]
