"""POST /api/events against a real hub process: the three binding modes, read back."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests import httpclient
from tests.hubprocess import (
    STRUCTURED,
    Hub,
    make_event,
    post_batch,
    post_structured,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


def list_events(hub: Hub, **params: str) -> list[dict]:
    response = httpclient.get(hub.url + "/api/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def stream_first(hub: Hub, count: int, since: str = "0") -> list[dict]:
    async with websockets.connect(
        f"{hub.ws_url}/api/stream?since={since}", subprotocols=["cloudevents.json"]
    ) as ws:
        assert ws.subprotocol == "cloudevents.json"
        return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(count)]


def test_each_mode_is_stored_and_read_back_by_list_and_stream(hub: Hub) -> None:
    structured = post_structured(hub.url, make_event(1, severitytext="warn"))
    binary = httpclient.post(
        hub.url + "/api/events",
        content=b'{"summary": "binary \xc3\xa9"}',
        headers={
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": "evt-%C3%A9",
            "ce-source": "urn:meshery:adapter:linkerd",
            "ce-type": "io.meshery.x",
            "ce-severitytext": "CRITICAL",
            "ce-correlationid": "req%2042",
        },
    )
    batch = post_batch(hub.url, [make_event(3), make_event(4, severitytext="info")])

    assert [r.status_code for r in (structured, binary, batch)] == [202, 202, 202]
    assert structured.json() == {"accepted": 1, "duplicates": 0, "cursors": ["0000000000000001"]}
    assert batch.json()["cursors"] == ["0000000000000003", "0000000000000004"]

    items = list_events(hub)
    assert [i["cursor"] for i in items] == [
        "0000000000000004",
        "0000000000000003",
        "0000000000000002",
        "0000000000000001",
    ]
    by_id = {i["event"]["id"]: i for i in items}
    linkerd = by_id["evt-é"]["event"]
    assert linkerd["data"] == {"summary": "binary é"}
    assert linkerd["correlationid"] == "req 42"
    assert linkerd["severitytext"] == "CRITICAL" and linkerd["severitynumber"] == 18
    assert by_id["evt-1"]["event"]["severitytext"] == "WARNING"
    assert by_id["evt-1"]["bucket"] == "warnings" and by_id["evt-3"]["bucket"] == "errors"
    assert all(i["status"] == "unread" and i["event"]["time"].endswith("Z") for i in items)

    streamed = asyncio.run(stream_first(hub, 4))
    assert [e["cursor"] for e in streamed] == sorted(i["cursor"] for i in items)
    assert streamed[1] == linkerd


def test_duplicate_is_stored_once_and_answered_with_the_first_cursor(hub: Hub) -> None:
    first = post_structured(hub.url, make_event(1)).json()
    again = post_batch(hub.url, [make_event(2), make_event(1), make_event(2)]).json()

    assert again == {
        "accepted": 1,
        "duplicates": 2,
        "cursors": ["0000000000000002", first["cursors"][0], "0000000000000002"],
    }
    assert len(list_events(hub)) == 2


def test_producer_time_is_kept_and_cursor_overwritten(hub: Hub) -> None:
    post_structured(hub.url, make_event(1, time="2026-01-02T03:04:05Z", cursor="9999"))
    (item,) = list_events(hub)
    assert item["event"]["time"] == "2026-01-02T03:04:05Z"
    assert item["event"]["cursor"] == item["cursor"] == "0000000000000001"


BAD_INPUTS = {
    "missing id": (
        STRUCTURED,
        {},
        {k: v for k, v in make_event(1).items() if k != "id"},
        400,
        "notifycenter-1001",
    ),
    "specversion 2.0": (STRUCTURED, {}, make_event(1, specversion="2.0"), 400, "notifycenter-1002"),
    "unknown severity": (
        STRUCTURED,
        {},
        make_event(1, severitytext="loud"),
        400,
        "notifycenter-1004",
    ),
    "forged lifecycle event": (
        STRUCTURED,
        {},
        make_event(1, type="io.meshery.notification.ack"),
        400,
        "notifycenter-1119",
    ),
}


def test_bad_structured_and_batched_input_is_refused_and_nothing_stored(hub: Hub) -> None:
    for name, (ctype, headers, body, status, code) in BAD_INPUTS.items():
        response = httpclient.post(
            hub.url + "/api/events", json=body, headers={"content-type": ctype, **headers}
        )
        assert (response.status_code, response.json()["code"]) == (status, code), name
        assert response.json()["suggestedRemediation"], name

    batch = post_batch(hub.url, [make_event(1), make_event(2, severitytext="nope"), make_event(3)])
    assert batch.status_code == 400
    assert batch.json()["code"] == "notifycenter-1004" and batch.json()["index"] == 1

    invalid_json = httpclient.post(
        hub.url + "/api/events",
        content=b'{"specversion": "1.0",',
        headers={"content-type": STRUCTURED},
    )
    assert (invalid_json.status_code, invalid_json.json()["code"]) == (400, "notifycenter-1007")

    unknown_type = httpclient.post(
        hub.url + "/api/events", content=b"hello", headers={"content-type": "text/plain"}
    )
    assert (unknown_type.status_code, unknown_type.json()["code"]) == (415, "notifycenter-1101")

    oversized = post_structured(hub.url, make_event(9, data={"details": "x" * (70 << 10)}))
    assert (oversized.status_code, oversized.json()["code"]) == (413, "notifycenter-1009")
    too_big_request = post_batch(
        hub.url, [make_event(i, data={"d": "x" * 30000}) for i in range(40)]
    )
    assert (too_big_request.status_code, too_big_request.json()["code"]) == (
        413,
        "notifycenter-1009",
    )

    assert list_events(hub) == []
    assert httpclient.get(hub.url + "/healthz").json()["last_cursor"] == "0000000000000000"


def binary_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "b-1",
        "ce-source": "urn:meshery:adapter:istio",
        "ce-type": "io.meshery.x",
    }
    headers.update(overrides)
    return headers


def test_bad_binary_headers_are_refused(hub: Hub) -> None:
    cases = {
        "ce-trace-id": (binary_headers(**{"ce-trace-id": "abc"}), "notifycenter-1003"),
        "ce-data": (binary_headers(**{"ce-data": "x"}), "notifycenter-1003"),
        "invalid utf-8": (binary_headers(**{"ce-subject": "caf%C3%28"}), "notifycenter-1008"),
        "missing id": (
            {k: v for k, v in binary_headers().items() if k != "ce-id"},
            "notifycenter-1001",
        ),
    }
    for name, (headers, code) in cases.items():
        response = httpclient.post(hub.url + "/api/events", content=b"{}", headers=headers)
        assert (response.status_code, response.json()["code"]) == (400, code), name
    bad_data = httpclient.post(
        hub.url + "/api/events", content=b"{not json", headers=binary_headers()
    )
    assert bad_data.json()["code"] == "notifycenter-1007"
    assert list_events(hub) == []


def test_unknown_routes_and_methods_answer_catalogued_errors(hub: Hub) -> None:
    missing = httpclient.get(hub.url + "/api/nothing-here")
    wrong_method = httpclient.client().delete(hub.url + "/api/events")
    assert (missing.status_code, missing.json()["code"]) == (404, "notifycenter-1105")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "notifycenter-1106")
    bad_param = httpclient.get(hub.url + "/api/events", params={"bucket": "errorz"})
    assert (bad_param.status_code, bad_param.json()["code"]) == (400, "notifycenter-1109")
