"""Events that used to be accepted and then broke a consumer (or the hub) are refused at the
edge with a catalogued 400, and the edge cases the spec allows are accepted."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette's notice about httpx2, at import: not our concern
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from notifycenter.catalogue import by_code
from notifycenter.hub.app import create_app
from notifycenter.hub.settings import HubSettings
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import MAX_DATA_DEPTH, validate_event
from notifycenter.model.severity import severity_from_number
from notifycenter.model.tracecontext import TraceParent
from notifycenter.store import EventStore

STRUCTURED = "application/cloudevents+json"


def event(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e1",
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.x",
    }
    base.update(over)
    return base


def code_of(raw: dict[str, Any]) -> str:
    with pytest.raises(NotifyError) as caught:
        validate_event(raw)
    assert by_code(caught.value.code) is not None, caught.value.code
    return caught.value.code


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(HubSettings(data_dir=tmp_path))) as client:
        yield client


def stored_count(client: TestClient) -> int:
    summary = client.get("/api/summary").json()
    return sum(bucket["total"] for bucket in summary["buckets"].values())


def post(client: TestClient, raw: dict[str, Any]) -> Any:
    # stdlib json: it writes what orjson refuses to (deep nesting), as a hostile client would
    return client.post("/api/events", content=json.dumps(raw), headers={"content-type": STRUCTURED})


# -- time: every consumer can represent what the hub accepts -------------------------------


@pytest.mark.parametrize(
    "time",
    [
        "9999-12-31T23:59:59-01:00",  # 10000-01-01 in UTC
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "9999-12-31T12:00:00Z",  # representable, but not in a time zone east of UTC
        "0001-01-01T06:00:00Z",
    ],
)
def test_a_time_no_consumer_can_represent_is_refused_and_not_stored(
    hub: TestClient, time: str
) -> None:
    response = post(hub, event(time=time))
    assert response.status_code == 400
    assert response.json()["code"] == "notifycenter-1011"
    assert stored_count(hub) == 0


def test_times_at_the_edges_of_the_range_are_accepted_and_shown_by_the_client_store(
    hub: TestClient,
) -> None:
    for n, time in enumerate(["0001-01-02T00:00:00Z", "9999-12-30T23:59:59.999Z"]):
        response = post(hub, event(id=f"edge-{n}", time=time))
        assert response.status_code == 202, response.text
        (cursor,) = response.json()["cursors"]
        stored = hub.get(f"/api/events/{cursor}").json()["event"]
        store = EventStore()
        store.add([stored])
        row_id = store.find(cursor)
        assert row_id is not None
        shown = store.row(row_id).time
        assert shown is not None
        assert shown.astimezone(UTC).isoformat().startswith(time[:19])


def test_leap_seconds_are_accepted_and_read_as_the_last_second_of_the_minute() -> None:
    assert validate_event(event(time="2016-12-31T23:59:60Z"))["time"] == "2016-12-31T23:59:59Z"
    assert (
        validate_event(event(time="2016-12-31T18:59:60.5-05:00"))["time"]
        == "2016-12-31T23:59:59.5Z"
    )


def test_times_are_written_in_utc_with_the_fraction_kept() -> None:
    assert validate_event(event(time="2026-11-28T09:00:00Z"))["time"] == "2026-11-28T09:00:00Z"
    assert (
        validate_event(event(time="2026-11-28t09:00:00.123456789+02:00"))["time"]
        == "2026-11-28T07:00:00.123456789Z"
    )
    assert code_of(event(time=1764320400)) == "notifycenter-1005"
    assert code_of(event(time="2026-02-30T00:00:00Z")) == "notifycenter-1005"


# -- the CloudEvents type system ------------------------------------------------------------


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**40, 2**63 - 1])
def test_integers_beyond_32_bits_are_refused(value: int) -> None:
    assert code_of(event(comexampleint=value)) == "notifycenter-1012"
    assert code_of(event(severitynumber=value)) == "notifycenter-1012"


def test_32_bit_integers_and_booleans_are_accepted() -> None:
    out = validate_event(event(low=-(2**31), high=2**31 - 1, flag=False))
    assert (out["low"], out["high"], out["flag"]) == (-(2**31), 2**31 - 1, False)


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1b", "\x7f", "\x85", "\x9b", "\ufdd0", "\uffff"])
@pytest.mark.parametrize("name", ["id", "type", "subject", "comexample", "severitytext"])
def test_strings_with_control_characters_or_noncharacters_are_refused(name: str, char: str) -> None:
    assert code_of(event(**{name: f"a{char}b"})) == "notifycenter-1013"


def test_strings_with_any_other_unicode_are_accepted() -> None:
    out = validate_event(event(subject="café ✓ 😀 \u200b", comexample="x y"))
    assert out["subject"] == "café ✓ 😀 \u200b"


@pytest.mark.parametrize("name", ["subject", "datacontenttype", "dataschema"])
def test_empty_optional_attributes_are_refused(name: str) -> None:
    assert code_of(event(**{name: ""})) == "notifycenter-1017"


@pytest.mark.parametrize("subject", [1, True, ["a"], {"a": 1}, 1.5])
def test_subject_must_be_a_string(subject: object) -> None:
    assert code_of(event(subject=subject)) == "notifycenter-1001"


@pytest.mark.parametrize("value", [1.5, [1], {"a": 1}])
def test_extension_values_must_be_cloudevents_types(value: object) -> None:
    assert code_of(event(comexample=value)) == "notifycenter-1001"


@pytest.mark.parametrize("source", ["a b", "café", "1a:b", "http://[zz]/", "%zz", "a\\b", "x|y"])
def test_source_must_be_a_uri_reference(source: str) -> None:
    assert code_of(event(source=source)) == "notifycenter-1014"


@pytest.mark.parametrize(
    "source",
    [
        "urn:meshery:adapter:istio",
        "/mycontext/subcontext",
        "https://github.com/cloudevents/spec/pull/123",
        "urn:x:caf%C3%A9",
        "//[::1]:9181/hub",
        "mycontext",
    ],
)
def test_uri_references_are_accepted_as_source(source: str) -> None:
    assert validate_event(event(source=source))["source"] == source


@pytest.mark.parametrize("schema", ["/schema.json", "schema", "https://x/s#frag", "a b:c"])
def test_dataschema_must_be_an_absolute_uri(schema: str) -> None:
    assert code_of(event(dataschema=schema)) == "notifycenter-1014"


def test_an_absolute_dataschema_is_accepted() -> None:
    schema = "https://example.com/schemas/event.json?v=2"
    assert validate_event(event(dataschema=schema))["dataschema"] == schema


@pytest.mark.parametrize("value", ["abc", "YQ", "Y Q==", "****", "YQ==\n", 12])
def test_data_base64_must_be_base64(value: object) -> None:
    assert code_of(event(data_base64=value)) == "notifycenter-1015"


@pytest.mark.parametrize("media_type", ["json", "text plain", "a/b/c", "application/json;x"])
def test_datacontenttype_must_be_a_media_type(media_type: str) -> None:
    assert code_of(event(datacontenttype=media_type)) == "notifycenter-1018"


def test_data_that_is_not_text_needs_a_json_content_type() -> None:
    assert code_of(event(datacontenttype="text/plain", data={"a": 1})) == "notifycenter-1019"
    assert validate_event(event(datacontenttype="application/cloudevents+json", data=[1]))
    assert validate_event(event(datacontenttype="text/plain", data="plain"))["data"] == "plain"


# -- data nesting ---------------------------------------------------------------------------


def test_data_nested_deeper_than_the_limit_is_refused_by_the_hub_not_a_500(
    hub: TestClient,
) -> None:
    response = post(hub, event(data=nested(300)))
    assert response.status_code == 400
    assert response.json()["code"] == "notifycenter-1016"
    assert post(hub, event(id="e2", data=nested(MAX_DATA_DEPTH + 1))).status_code == 400
    assert stored_count(hub) == 0
    accepted = post(hub, event(id="e3", data=nested(MAX_DATA_DEPTH)))
    assert accepted.status_code == 202, accepted.text
    (cursor,) = accepted.json()["cursors"]
    assert hub.get(f"/api/events/{cursor}").json()["event"]["data"] == nested(MAX_DATA_DEPTH)


def test_depth_counts_arrays_too() -> None:
    deep: Any = 1
    for _ in range(MAX_DATA_DEPTH + 1):
        deep = [deep]
    assert code_of(event(data=deep)) == "notifycenter-1016"


# -- severities -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "١٧", "9" * 5000, "1_7"])
def test_a_severitynumber_that_is_not_ascii_decimal_is_a_catalogued_error(number: str) -> None:
    with pytest.raises(NotifyError) as caught:
        severity_from_number(number)
    assert caught.value.code == "notifycenter-1004"


def test_a_superscript_severitynumber_is_a_400_from_the_hub(hub: TestClient) -> None:
    response = post(hub, event(severitynumber="²"))
    assert response.status_code == 400
    assert response.json()["code"] == "notifycenter-1004"


# -- patterns anchor the whole value --------------------------------------------------------


def test_a_trailing_newline_does_not_slip_past_a_pattern() -> None:
    """`$` also matches before a final newline: names and traceparents are matched whole."""
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert code_of(event(traceparent=good + "\n")) == "notifycenter-1006"
    assert code_of(event(**{"comexample\n": "x"})) == "notifycenter-1003"
    assert TraceParent.parse(good + "\n") is None
    assert TraceParent.parse(good) is not None
