"""The hub's HTTP edge under hostile or careless clients.

Out-of-range parameters are catalogued 400s (never 500s); a server error is logged once
and keeps the connection; a 413 reaches a urllib client; wrong tokens are throttled and
counted; a browser can subscribe to a hub with tokens; `serve` reports bind failures.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from notifycenter.catalogue import event as event_codes
from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import operations as op_codes
from notifycenter.hub import auth
from notifycenter.hub.responses import JSONAnswer
from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings, Role, Token
from notifycenter.hub.throttle import LoginThrottle
from tests import httpclient

STRUCTURED = {"content-type": "application/cloudevents+json"}
PRODUCER, VIEWER = "producer-secret-1", "viewer-secret-1"
TOKENS = {PRODUCER: Token("prod", Role.PRODUCER), VIEWER: Token("vera", Role.VIEWER)}
PAST_INT64 = str(1 << 63)

StartHub = Callable[..., Awaitable[EmbeddedHub]]


@pytest.fixture
async def start_hub(tmp_path: Path) -> AsyncIterator[StartHub]:
    """Real uvicorn hubs served by the test's loop; blocking clients go through a thread."""
    running: list[EmbeddedHub] = []

    async def start(tokens: dict[str, Token] | None = None) -> EmbeddedHub:
        settings = HubSettings(
            data_dir=tmp_path / f"hub{len(running)}", bind="127.0.0.1:0", tokens=tokens or {}
        )
        hub = await start_embedded(settings)
        running.append(hub)
        return hub

    yield start
    for hub in running:
        await hub.stop()


def event(n: int) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"e{n}", "source": "urn:test:edge", "type": "t.x"}


OUT_OF_RANGE = [
    ("GET", "/api/events", {"before": PAST_INT64}, None, 400, codes.INVALID_QUERY),
    ("GET", "/api/events", {"after": "9" * 20}, None, 400, codes.INVALID_QUERY),
    ("GET", "/api/events", {"limit": "²"}, None, 400, codes.INVALID_QUERY),
    ("GET", f"/api/events/{PAST_INT64}", {}, None, 404, codes.EVENT_NOT_FOUND),
    ("GET", "/api/operations", {"since": PAST_INT64}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("GET", "/api/operations", {"since": "²"}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("GET", "/api/operations", {"since": "1000000w"}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("GET", "/api/operations", {"limit": "²"}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("GET", "/api/operations", {"offset": "³"}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("GET", "/api/operations/x", {"events": "²"}, None, 400, op_codes.INVALID_OPERATION_QUERY),
    ("POST", "/api/lifecycle/read", {}, {"refs": [PAST_INT64]}, 404, codes.EVENT_NOT_FOUND),
    (
        "POST",
        "/api/lifecycle/ack",
        {},
        {"refs": ["1"], "until": "1000000w"},
        400,
        codes.INVALID_LIFECYCLE_REQUEST,
    ),
    (
        "POST",
        "/api/lifecycle/ack",
        {},
        {"refs": ["1"], "until": "9999-12-31T23:59:59-01:00"},
        400,
        codes.INVALID_LIFECYCLE_REQUEST,
    ),
    (
        "POST",
        "/api/lifecycle/ack",
        {},
        {"refs": ["1"], "until": "0001-01-01T00:00:00+14:00"},
        400,
        codes.INVALID_LIFECYCLE_REQUEST,
    ),
]


async def test_out_of_range_parameters_are_catalogued_and_change_nothing(
    start_hub: StartHub,
) -> None:
    hub = await start_hub()
    async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
        assert (await client.post("/api/events", json=event(1), headers=STRUCTURED)).is_success
        before = (await client.get("/api/summary")).json()
        for method, path, params, body, status, spec in OUT_OF_RANGE:
            response = await client.request(method, path, params=params, json=body)
            assert (response.status_code, response.json()["code"]) == (status, spec.code), (
                method,
                path,
                params,
                body,
            )
        assert (await client.get("/api/summary")).json() == before


async def test_an_operation_with_infinite_progress_can_be_filtered(start_hub: StartHub) -> None:
    hub = await start_hub()
    span = "b" * 16
    started = {
        **event(9),
        "type": "io.meshery.operation.progress",
        "traceparent": f"00-{'1' * 32}-{span}-01",
        "data": {"operation": {"id": span, "name": "n", "done": "inf", "total": "inf"}},
    }
    async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
        assert (await client.post("/api/events", json=started, headers=STRUCTURED)).is_success
        for expression in ("progress > 1", "done > 1", "total > 1"):
            response = await client.get("/api/operations", params={"filter": expression})
            assert response.status_code == 200, response.text


async def test_a_stream_since_past_int64_is_refused_at_the_handshake(start_hub: StartHub) -> None:
    hub = await start_hub()
    url = hub.url.replace("http", "ws") + f"/api/stream?since={PAST_INT64}"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    assert refused.value.response.status_code == 400
    assert json.loads(refused.value.response.body)["code"] == codes.INVALID_QUERY.code


async def test_a_stream_since_the_largest_cursor_leaves_the_hub_responsive(
    start_hub: StartHub,
) -> None:
    hub = await start_hub()
    url = hub.url.replace("http", "ws") + f"/api/stream?since={(1 << 63) - 1}"
    async with connect(url), httpclient.async_client(base_url=hub.url, timeout=5) as client:
        assert (await client.get("/healthz")).status_code == 200
        posted = await client.post("/api/events", json=event(1), headers=STRUCTURED)
        assert posted.status_code == 202


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[Records]:
    """Everything logged: uvicorn's own loggers do not propagate to the root."""
    handler = Records()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


async def test_a_server_error_is_logged_once_and_keeps_the_connection(
    start_hub: StartHub, logged: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = await start_hub()

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("notifycenter.hub.api.summary", broken)

    def two_requests() -> tuple[int, dict[str, Any], str | None, int]:
        host, port = hub.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            conn.request("GET", "/api/summary")
            failed = conn.getresponse()
            body, request_id = json.loads(failed.read()), failed.getheader("x-request-id")
            first_socket = conn.sock
            conn.request("GET", "/healthz")  # on the same keep-alive connection
            healthy = conn.getresponse()
            healthy.read()
            assert conn.sock is first_socket
            return failed.status, body, request_id, healthy.status
        finally:
            conn.close()

    status, body, request_id, next_status = await asyncio.to_thread(two_requests)
    assert (status, body["code"], next_status) == (500, codes.INTERNAL_ERROR.code, 200)
    assert request_id and body["request_id"] == request_id
    tracebacks = [r for r in logged.records if r.exc_info]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]
    message = tracebacks[0].getMessage()
    assert request_id in message and "/api/summary" in message


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_urllib_client_receives_the_413(start_hub: StartHub, chunked: bool) -> None:
    hub = await start_hub()
    body = b"x" * (3 << 20)  # three times the 1 MiB request limit

    def post() -> tuple[int, dict[str, Any]]:
        data: Any = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
        headers = dict(STRUCTURED)
        if not chunked:
            data, headers["content-length"] = body, str(len(body))
        request = urllib.request.Request(hub.url + "/api/events", data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, {}
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, answer = await asyncio.to_thread(post)
    assert (status, answer["code"]) == (413, event_codes.EVENT_TOO_LARGE.code)
    async with httpclient.async_client(base_url=hub.url) as client:
        assert (await client.get("/api/events")).json()["items"] == []


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_wrong_tokens_are_throttled_per_address_and_counted(
    start_hub: StartHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()  # the 1 s block must not lapse on a slow machine
    monkeypatch.setattr(auth, "LoginThrottle", lambda: LoginThrottle(clock=clock))
    hub = await start_hub(TOKENS)
    async with httpclient.async_client(base_url=hub.url, timeout=10) as client:

        async def attempt(token: str) -> httpx.Response:
            return await client.get("/api/events", headers={"authorization": f"Bearer {token}"})

        for n in range(5):
            refused = await attempt(f"guess-{n}")
            assert (refused.status_code, refused.json()["code"]) == (
                401,
                codes.UNAUTHENTICATED.code,
            )
        throttled = await attempt("guess-5")
        assert (throttled.status_code, throttled.json()["code"]) == (
            429,
            codes.TOO_MANY_FAILED_LOGINS.code,
        )
        assert int(throttled.headers["retry-after"]) >= 1
        assert (await attempt(VIEWER)).status_code == 429  # not even compared while blocked
        clock.now += 2
        assert (await attempt(VIEWER)).status_code == 200
        metrics = (await client.get("/metrics")).text
    assert f'notifycenter_auth_refused_total{{code="{codes.UNAUTHENTICATED.code}"}} 5.0' in metrics
    assert f'notifycenter_auth_refused_total{{code="{codes.TOO_MANY_FAILED_LOGINS.code}"}} 2.0' in (
        metrics
    )


def test_the_login_delay_doubles_up_to_a_bound_and_memory_is_bounded() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(free=2, window=600, longest=8, capacity=3, clock=clock)
    waits = []
    for _ in range(7):
        throttle.failed("10.0.0.1")
        waits.append(throttle.wait("10.0.0.1"))
    assert waits == [None, 1, 2, 4, 8, 8, 8]
    assert throttle.wait("10.0.0.2") is None
    clock.now += 601  # a quiet window forgets the address
    throttle.failed("10.0.0.1")
    assert throttle.wait("10.0.0.1") is None
    for n in range(10):
        throttle.failed(f"192.0.2.{n}")
    assert len(throttle._records) <= 3


def test_an_ipv6_client_cannot_dodge_the_throttle_by_changing_its_interface_id() -> None:
    keys = {auth.throttle_key(f"2001:db8:1:2::{n:x}") for n in range(1, 1000, 7)}
    assert keys == {"2001:db8:1:2::/64"}
    assert auth.throttle_key("::ffff:192.0.2.7") == auth.throttle_key("192.0.2.7") == "192.0.2.7"


@pytest.mark.parametrize(
    "carrier",
    ["subprotocol", "subprotocol-base64url", "query"],
)
async def test_a_browser_subscribes_without_an_authorization_header(
    start_hub: StartHub, carrier: str
) -> None:
    hub = await start_hub(TOKENS)
    async with httpclient.async_client(base_url=hub.url) as client:
        posted = await client.post(
            "/api/events",
            json=event(1),
            headers={**STRUCTURED, "authorization": f"Bearer {PRODUCER}"},
        )
        assert posted.status_code == 202
    url = hub.url.replace("http", "ws") + "/api/stream?since=0"
    protocols = ["cloudevents.json"]
    if carrier == "subprotocol":
        protocols.append(f"bearer.{VIEWER}")
    elif carrier == "subprotocol-base64url":
        protocols.append("base64url.bearer.dmlld2VyLXNlY3JldC0x")  # VIEWER
    else:
        url += f"&access_token={VIEWER}"
    async with connect(url, subprotocols=protocols) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == "cloudevents.json"  # the token is never echoed
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert frame["id"] == "e1"


async def test_a_wrong_token_in_a_subprotocol_is_refused(start_hub: StartHub) -> None:
    hub = await start_hub(TOKENS)
    url = hub.url.replace("http", "ws") + "/api/stream"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=["cloudevents.json", "bearer.wrong-token"]):  # type: ignore[list-item]
            pass
    assert refused.value.response.status_code == 401


def test_a_deeply_nested_answer_still_renders() -> None:
    deep: Any = "leaf"
    for _ in range(253):  # the stored event's limit; the record around it adds levels
        deep = [deep]
    rendered = bytes(JSONAnswer({"items": [{"event": {"data": deep}}]}).body)
    assert json.loads(rendered)["items"][0]["event"]["data"][0][0][0]


def serve(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifycenter", "serve", "--data-dir", str(data_dir), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_on_a_busy_port_prints_a_catalogued_error_and_no_address(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = serve("--bind", f"127.0.0.1:{port}", data_dir=tmp_path)
    assert result.returncode != 0
    assert codes.BIND_FAILED.code in result.stderr
    assert "hub on" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "²"])
def test_serve_with_an_invalid_port_prints_a_catalogued_error(tmp_path: Path, port: str) -> None:
    result = serve("--bind", f"127.0.0.1:{port}", data_dir=tmp_path)
    assert result.returncode != 0
    assert "notifycenter-11" in result.stderr
    assert "hub on" not in result.stderr and "Traceback" not in result.stderr
