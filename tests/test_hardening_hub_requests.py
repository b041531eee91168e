"""The hub against requests no well-behaved client sends: an ack until the year 999, a
comment of a hundred thousand characters or with escape sequences, filters nested past
what a writer goes, a silence starting at the calendar's end, sinks that are no URL or
hold control characters, a receiver that answers without end or a byte at a time, an
Alertmanager whose externalURL is no URL. Each is a catalogued 4xx that changes nothing,
or is taken as well as it can be; none is a 500, none takes the hub's memory or time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from notifycenter.catalogue import event as event_codes
from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import silences as silence_codes
from notifycenter.catalogue import subscriptions as sub_codes
from notifycenter.catalogue.filters import INVALID_SUBSCRIPTION_FILTER
from tests import httpclient

STRUCTURED = {"content-type": "application/cloudevents+json"}


def notification(n: int) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"n-{n}",
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.test",
        "severitytext": "ERROR",
        "data": {"summary": f"event {n}"},
    }


def posted(hub: Any, *events: dict[str, Any]) -> None:
    body = json.dumps(list(events))
    headers = {"content-type": "application/cloudevents-batch+json"}
    assert (
        httpclient.post(hub.url + "/api/events", content=body, headers=headers).status_code == 202
    )


def code_of(answer: Any) -> str:
    return str(answer.json().get("code"))


def test_an_ack_until_before_the_year_1000_leaves_every_list_readable(hub: Any) -> None:
    posted(hub, notification(1))
    acked = httpclient.post(
        hub.url + "/api/lifecycle/ack", json={"refs": ["1"], "until": "0999-01-01T00:00:00Z"}
    )
    assert acked.status_code == 200
    assert httpclient.get(hub.url + "/api/events/1").status_code == 200
    listed = httpclient.get(hub.url + "/api/events", params={"bucket": "errors"})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


@pytest.mark.parametrize(
    "comment",
    ["x" * 1001, "on it \x1b]52;c;aGk=\x07", "a\u202eb"],
    ids=["1001-characters", "osc-52", "right-to-left-override"],
)
def test_a_comment_too_long_or_with_terminal_commands_is_refused(hub: Any, comment: str) -> None:
    posted(hub, notification(1))
    answer = httpclient.post(
        hub.url + "/api/lifecycle/ack", json={"refs": ["1"], "comment": comment}
    )
    assert answer.status_code == 400 and code_of(answer) == codes.INVALID_LIFECYCLE_REQUEST.code
    assert httpclient.get(hub.url + "/api/events/1").json()["status"] == "unread"
    multi = httpclient.post(
        hub.url + "/api/lifecycle/ack", json={"refs": ["1"], "comment": "line one\nline\ttwo"}
    )
    assert multi.status_code == 200


def test_lifecycle_filters_nested_past_the_writer_are_refused(hub: Any) -> None:
    posted(hub, notification(1))
    nested: Any = []
    for _ in range(300):
        nested = [nested]
    answer = httpclient.post(hub.url + "/api/lifecycle/read", json={"filter": {"filters": nested}})
    assert answer.status_code == 400 and code_of(answer) == INVALID_SUBSCRIPTION_FILTER.code


def test_a_silence_starting_at_the_calendars_end_is_refused(hub: Any) -> None:
    body = {"filter": "source = 'x'", "starts": "9999-12-31T23:00:00Z", "duration": "2h"}
    answer = httpclient.post(hub.url + "/api/silences", json=body)
    assert answer.status_code == 400
    assert code_of(answer) == silence_codes.INVALID_SILENCE_TIME.code
    comment = {"filter": "source = 'x'", "duration": "2h", "comment": "\x1b[2Jwiped"}
    assert httpclient.post(hub.url + "/api/silences", json=comment).status_code == 400


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"sink": "http://[::1"}, sub_codes.INVALID_SINK.code),
        ({"sink": "http://[zz]/x"}, sub_codes.INVALID_SINK.code),
        ({"sink": "http://example.com/\u0001"}, sub_codes.INVALID_SINK.code),
        (
            {"sink": "https://example.com/hook", "owner": "ev\x1b[2Jil"},
            sub_codes.INVALID_SUBSCRIPTION.code,
        ),
        (
            {"sink": "https://example.com/hook", "types": ["t\x1b"]},
            sub_codes.INVALID_SUBSCRIPTION.code,
        ),
    ],
)
def test_a_subscription_that_is_no_url_or_holds_control_characters_is_refused(
    hub: Any, fields: dict[str, Any], code: str
) -> None:
    body = {"protocol": "HTTP", **fields}
    answer = httpclient.post(hub.url + "/api/subscriptions", json=body)
    assert answer.status_code == 400 and code_of(answer) == code, answer.text
    assert httpclient.get(hub.url + "/api/subscriptions").json()["subscriptions"] == []


class _Receiver(BaseHTTPRequestHandler):
    """Allows the hub's origin, then sends a body without end, a byte now and then."""

    def do_OPTIONS(self) -> None:
        self.send_response(200)
        self.send_header("WebHook-Allowed-Origin", "*")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b"1\r\nx\r\n")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dripping_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


def test_a_receiver_that_answers_without_end_is_given_up_on(
    hub: Any, dripping_receiver: str
) -> None:
    body = {"protocol": "HTTP", "sink": dripping_receiver, "protocolsettings": {"timeout": 1}}
    started = time.monotonic()
    answer = httpclient.post(hub.url + "/api/subscriptions", json=body)
    assert time.monotonic() - started < 10  # each read came within the timeout: 60 s before
    assert code_of(answer) == sub_codes.WEBHOOK_UNREACHABLE.code, answer.text


def test_an_alertmanager_whose_external_url_is_no_url_is_named_by_its_receiver(hub: Any) -> None:
    payload = {
        "version": "4",
        "status": "firing",
        "receiver": "team-pager",
        "externalURL": "http://[::1",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "severity": "critical"},
                "annotations": {"summary": "disk full"},
                "startsAt": "2026-11-30T10:00:00Z",
                "fingerprint": "abc123",
            }
        ],
    }
    answer = httpclient.post(hub.url + "/api/ingest/alertmanager", json=payload)
    assert answer.status_code < 300, answer.text
    source = httpclient.get(hub.url + "/api/events").json()["items"][0]["event"]["source"]
    assert source == "urn:alertmanager:receiver:team-pager"


def test_cloudevents_json_nested_past_the_writer_is_refused_as_too_deep(hub: Any) -> None:
    data: Any = "bottom"
    for _ in range(260):
        data = {"x": data}
    event = {**notification(1), "data": data}
    answer = httpclient.post(
        hub.url + "/api/ingest/cloudevents-json",
        content=json.dumps(event),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400 and code_of(answer) == event_codes.DATA_TOO_DEEP.code


def test_a_silence_state_list_with_one_unknown_state_is_refused(hub: Any) -> None:
    answer = httpclient.get(hub.url + "/api/silences", params={"state": "all,foo"})
    assert answer.status_code == 400
    assert code_of(answer) == silence_codes.INVALID_SILENCE_QUERY.code
    assert httpclient.get(hub.url + "/api/silences", params={"state": "all"}).status_code == 200


def test_a_sink_timeout_below_a_tenth_of_a_second_is_refused(hub: Any) -> None:
    body = {"protocol": "HTTP", "sink": "https://example.com/hook"}
    answer = httpclient.post(
        hub.url + "/api/subscriptions", json={**body, "protocolsettings": {"timeout": 1e-300}}
    )
    assert answer.status_code == 400 and "0.1 to 300" in answer.text


def test_a_silence_whose_starts_is_null_starts_now(hub: Any) -> None:
    """As `ends: null` is "no end given", `starts: null` is "now" (it was refused)."""
    body = {"filter": "source = 'x'", "starts": None, "duration": "2h"}
    answer = httpclient.post(hub.url + "/api/silences", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "active"
