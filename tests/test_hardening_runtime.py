"""The hub's runtime under failure: one subscriber, filter, commit or checkpoint that fails
never stops the writer, the loop or the other subscribers, and /healthz says so."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from notifycenter.hub import sqlite_log, stream
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from tests import httpclient
from tests.hubprocess import BATCH, make_event

SUB = ["cloudevents.json"]
DEADLINE = 20.0


async def eventually(condition: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Poll an async condition until it is truthy, failing after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[EmbeddedHub]:
    """A hub served by the test's loop, so that monkeypatches reach it."""
    hub = await start_embedded(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    yield hub
    await asyncio.wait_for(hub.stop(), DEADLINE)


def state(hub: EmbeddedHub) -> Hub:
    result: Hub = hub._server.config.app.state.hub  # type: ignore[attr-defined]
    return result


def ws_url(hub: EmbeddedHub, query: str = "") -> str:
    return hub.url.replace("http", "ws", 1) + "/api/stream" + query


async def post(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/api/events", json=events, headers={"content-type": BATCH})


async def recv_json(ws: websockets.ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))  # type: ignore[no-any-return]


async def close_of(ws: websockets.ClientConnection) -> tuple[int | None, str, int]:
    """Read until the hub closes: (close code, reason, frames read before it)."""
    frames = 0
    try:
        while True:
            await asyncio.wait_for(ws.recv(), DEADLINE)
            frames += 1
    except websockets.ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason, frames) if closed.rcvd else (None, "", frames)


# -- one subscriber's failure stays its own --------------------------------------------


async def test_a_filter_that_raises_closes_its_subscriber_1008_and_writes_go_on(
    running: EmbeddedHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explosive(query: Any, event: Any) -> bool:
        if event.get("subject") == "boom":
            raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")
        return True

    monkeypatch.setattr(stream, "matches_filters", explosive)
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(ws_url(running, "?filter=subject%20%3D%201"), subprotocols=SUB) as bad,
        websockets.connect(ws_url(running), subprotocols=SUB) as good,
    ):
        assert (await post(client, [make_event("boom", subject="boom")])).status_code == 202
        code, reason, _ = await close_of(bad)
        assert code == 1008
        assert reason.startswith("notifycenter-1700")
        assert (await recv_json(good))["id"] == "evt-boom"
        # The writer is alive: later posts are answered and reach the other subscriber.
        after = await asyncio.wait_for(post(client, [make_event("after")]), DEADLINE)
        assert after.status_code == 202
        assert (await recv_json(good))["id"] == "evt-after"
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        metrics = (await client.get("/metrics")).text
    assert 'notifycenter_subscribers_closed_failed_total{code="notifycenter-1700"} 1.0' in metrics


async def test_a_subscriber_whose_sending_fails_is_closed_1011_alone(
    running: EmbeddedHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_offer = stream.Subscriber.offer

    def offer(self: stream.Subscriber, frames: Any) -> None:
        if self.accepts is not None:  # only the filtered subscriber hits the defect
            raise KeyError("a defect")
        real_offer(self, frames)

    monkeypatch.setattr(stream.Subscriber, "offer", offer)
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(ws_url(running, "?bucket=errors"), subprotocols=SUB) as bad,
        websockets.connect(ws_url(running), subprotocols=SUB) as good,
    ):
        assert (await post(client, [make_event(1)])).status_code == 202
        code, reason, _ = await close_of(bad)
        assert (code, reason.split(":")[0]) == (1011, "notifycenter-1701")
        assert (await recv_json(good))["id"] == "evt-1"
        assert (await post(client, [make_event(2)])).status_code == 202
        assert (await recv_json(good))["id"] == "evt-2"


# -- slow consumers ------------------------------------------------------------------


async def test_one_commit_larger_than_the_send_queue_reaches_healthy_subscribers(
    running: EmbeddedHub,
) -> None:
    count = state(running).settings.send_queue + 1000
    small = [
        {"specversion": "1.0", "id": f"e{n}", "source": "s", "type": "t"} for n in range(count)
    ]
    async with httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client:
        readers = [await websockets.connect(ws_url(running), subprotocols=SUB) for _ in range(3)]
        try:
            commits_before = state(running).log.commits
            assert (await post(client, small)).status_code == 202  # one request: one commit
            assert state(running).log.commits == commits_before + 1
            for ws in readers:
                got = [(await recv_json(ws))["cursor"] for _ in range(count)]
                assert got == [f"{n:016d}" for n in range(1, count + 1)]
        finally:
            for ws in readers:
                await ws.close()
        metrics = (await client.get("/metrics")).text
    assert "notifycenter_subscribers_closed_slow_total 0.0" in metrics


def tiny_receive_buffer_socket(url: str) -> socket.socket:
    """A client socket that holds little unread data, so that the hub feels it stop."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return sock


async def test_a_subscriber_that_stops_reading_is_closed_1013_and_resumes_without_loss(
    tmp_path: Path,
) -> None:
    settings = HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0", slow_grace_seconds=0.5)
    running = await start_embedded(settings)
    try:
        await _stall_then_resume(running)
    finally:
        await asyncio.wait_for(running.stop(), DEADLINE)


async def _stall_then_resume(running: EmbeddedHub) -> None:
    count, pad = 4000, "x" * 4000  # ~16 MB: more than the sockets on both ends can hold
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(
            ws_url(running, "?since=0"),
            subprotocols=SUB,
            max_queue=1,
            sock=tiny_receive_buffer_socket(running.url),
        ) as stalled,
        websockets.connect(ws_url(running), subprotocols=SUB) as healthy,
    ):

        async def read_all() -> list[dict[str, Any]]:
            return [await recv_json(healthy) for _ in range(count)]

        reading = asyncio.ensure_future(read_all())
        for start in range(0, count, 200):
            batch = [make_event(f"{start}-{k}", data={"pad": pad}) for k in range(200)]
            assert (await post(client, batch)).status_code == 202
        healthy_got = [event["cursor"] for event in await reading]

        async def closed_slow() -> bool:
            return (
                "notifycenter_subscribers_closed_slow_total 1.0"
                in (await client.get("/metrics")).text
            )

        await eventually(closed_slow, "the hub to close the stalled subscriber")
        received: list[str] = []
        try:
            while True:
                received.append((await recv_json(stalled))["cursor"])
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1013
            assert closed.rcvd.reason.startswith("notifycenter-1117")
    assert healthy_got == [f"{n:016d}" for n in range(1, count + 1)]
    assert 0 < len(received) < count
    since = received[-1]
    async with websockets.connect(ws_url(running, f"?since={since}"), subprotocols=SUB) as again:
        rest = [(await recv_json(again))["cursor"] for _ in range(count - len(received))]
    assert received + rest == [f"{n:016d}" for n in range(1, count + 1)]


# -- the writer survives ---------------------------------------------------------------


def events(*names: object) -> list[dict[str, Any]]:
    return [validate_event(make_event(n)) | {"time": "2026-11-28T09:00:00.000Z"} for n in names]


async def test_an_unexpected_commit_failure_fails_its_requests_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    real_commit = SqliteLog._commit
    failures = [RuntimeError("a defect in a projection")]

    def commit(self: SqliteLog, jobs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_commit(self, jobs)

    monkeypatch.setattr(SqliteLog, "_commit", commit)
    await log.open()
    try:
        with pytest.raises(NotifyError) as failed:
            await asyncio.wait_for(log.append(events(1)), DEADLINE)
        assert failed.value.code == "notifycenter-1702"
        assert log.health.faults["writer"].spec.code == "notifycenter-1702"
        result = await asyncio.wait_for(log.append(events(2)), DEADLINE)
        assert result.cursors == ["0000000000000001"]  # the failed commit left no gap
        assert log.health.ok
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_close_is_bounded_when_a_commit_never_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    real_commit = SqliteLog._commit

    def stuck(self: SqliteLog, jobs: Any) -> Any:
        release.wait(DEADLINE)  # a disk that does not answer
        return real_commit(self, jobs)

    monkeypatch.setattr(SqliteLog, "_commit", stuck)
    monkeypatch.setattr(sqlite_log, "CLOSE_DRAIN_SECONDS", 0.3, raising=False)
    await log.open()
    pending = asyncio.ensure_future(log.append(events(1)))
    await asyncio.sleep(0)  # let the writer take the job
    started = time.monotonic()
    try:
        await asyncio.wait_for(log.close(), 5)
        assert time.monotonic() - started < 5
        with pytest.raises(NotifyError) as stopped:
            await asyncio.wait_for(pending, 5)
        assert stopped.value.code == "notifycenter-1706"
        with pytest.raises(NotifyError):
            await log.append(events(2))  # refused at once, not queued for ever
    finally:
        release.set()


# -- background loops and /healthz -------------------------------------------------------


async def test_checkpoints_survive_a_full_disk_and_healthz_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_log, "CHECKPOINT_SECONDS", 0.02)
    real_checkpoint = SqliteLog._checkpoint
    disk_full = threading.Event()
    disk_full.set()
    checkpoints: list[str] = []

    def checkpoint(self: SqliteLog, mode: str) -> None:
        if disk_full.is_set():
            raise OSError(28, "No space left on device")
        real_checkpoint(self, mode)
        checkpoints.append(mode)

    monkeypatch.setattr(SqliteLog, "_checkpoint", checkpoint)
    hub = await start_embedded(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    try:
        async with httpclient.async_client(base_url=hub.url, timeout=DEADLINE) as client:
            assert (await post(client, [make_event(1)])).status_code == 202

            async def degraded() -> httpx.Response | None:
                answer = await client.get("/healthz")
                return answer if answer.status_code == 503 else None

            answer = await eventually(degraded, "/healthz to report the checkpoint")
            body = answer.json()
            assert body["status"] == "degraded" and body["code"] == "notifycenter-1705"
            (part,) = body["failing"]
            assert (part["part"], part["code"]) == ("checkpoint", "notifycenter-1703")
            assert "No space left" in part["detail"]
            metrics = (await client.get("/metrics")).text
            assert 'notifycenter_runtime_failures_total{part="checkpoint"}' in metrics
            # Writes go on meanwhile, and the loop retries until the disk has room again.
            assert (await post(client, [make_event(2)])).status_code == 202
            disk_full.clear()

            async def healthy() -> bool:
                return (await client.get("/healthz")).status_code == 200

            await eventually(healthy, "/healthz to recover")
            assert checkpoints
    finally:
        await asyncio.wait_for(hub.stop(), DEADLINE)


async def test_log_commits_is_a_prometheus_counter(running: EmbeddedHub) -> None:
    async with httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client:
        await post(client, [make_event(1)])
        text = (await client.get("/metrics")).text
    assert "# TYPE notifycenter_log_commits_total counter" in text
    assert f"notifycenter_log_commits_total {state(running).log.commits}.0" in text


async def test_a_refused_stream_handshake_is_one_line_with_its_code_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from notifycenter.hub.settings import Role, Token

    settings = HubSettings(
        data_dir=tmp_path / "hub",
        bind="127.0.0.1:0",
        tokens={"secret-token-1": Token("alice", Role.VIEWER)},
    )
    hub = await start_embedded(settings)
    caplog.set_level(logging.INFO)
    server_log = logging.getLogger("uvicorn.error")  # the server's records do not propagate
    server_log.addHandler(caplog.handler)
    try:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(ws_url(hub), subprotocols=SUB):
                pass
        assert refused.value.response.status_code == 401
    finally:
        await asyncio.wait_for(hub.stop(), DEADLINE)
        server_log.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    lines = [r.getMessage() for r in caplog.records if "handshake refused" in r.getMessage()]
    assert lines == ["stream handshake refused: 401 notifycenter-1102 from 127.0.0.1"]


async def test_a_filter_that_raises_during_replay_closes_its_subscriber_1008(
    running: EmbeddedHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explosive(query: Any, event: Any) -> bool:
        if event.get("subject") == "boom":
            raise ValueError("cannot compare")
        return True

    monkeypatch.setattr(stream, "matches_filters", explosive)
    async with httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client:
        stored = [make_event("before"), make_event("boom", subject="boom")]
        assert (await post(client, stored)).status_code == 202
        query = "?since=0&filter=subject%20%3D%201"
        async with websockets.connect(ws_url(running, query), subprotocols=SUB) as ws:
            code, reason, frames = await close_of(ws)
        assert (code, reason.split(":")[0], frames) == (1008, "notifycenter-1700", 1)
        assert (await post(client, [make_event("after")])).status_code == 202


async def test_healthz_names_a_commit_that_does_not_return(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_commit = SqliteLog._commit

    def slow_disk(self: SqliteLog, jobs: Any) -> Any:
        release.wait(DEADLINE)
        return real_commit(self, jobs)

    monkeypatch.setattr(sqlite_log, "STALLED_COMMIT_SECONDS", 0.2, raising=False)
    hub = await start_embedded(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    monkeypatch.setattr(SqliteLog, "_commit", slow_disk)
    try:
        async with httpclient.async_client(base_url=hub.url, timeout=DEADLINE) as client:
            posting = asyncio.ensure_future(post(client, [make_event(1)]))

            async def stalled() -> httpx.Response | None:
                answer = await client.get("/healthz")
                return answer if answer.status_code == 503 else None

            body = (await eventually(stalled, "/healthz to report the stalled writer")).json()
            assert [(p["part"], p["code"]) for p in body["failing"]] == [
                ("writer", "notifycenter-1707")
            ]
            release.set()
            assert (await posting).status_code == 202
            assert (await client.get("/healthz")).status_code == 200
    finally:
        release.set()
        await asyncio.wait_for(hub.stop(), DEADLINE)


async def test_the_reported_attack_leaves_the_hub_writing(running: EmbeddedHub) -> None:
    """filter=subject = 1, then a subject of 5,000 digits: writes and lifecycle go on."""
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(ws_url(running, "?filter=subject%20%3D%201"), subprotocols=SUB),
        websockets.connect(ws_url(running), subprotocols=SUB) as watcher,
    ):
        huge = make_event("huge", subject="9" * 5000)
        assert (await post(client, [huge])).status_code == 202
        assert (await recv_json(watcher))["id"] == "evt-huge"
        after = await asyncio.wait_for(post(client, [make_event("after")]), DEADLINE)
        assert after.status_code == 202
        cursor = after.json()["cursors"][0]
        acked = await client.post("/api/lifecycle/ack", json={"refs": [cursor]})
        assert acked.status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_a_commit_over_the_queue_byte_bound_reaches_healthy_subscribers(
    running: EmbeddedHub,
) -> None:
    state(running).broadcaster.max_bytes = 20_000  # the queue holds a few of these events
    events = [make_event(n, data={"pad": "y" * 4000}) for n in range(60)]
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(ws_url(running), subprotocols=SUB) as reader,
    ):
        assert (await post(client, events)).status_code == 202
        got = [(await recv_json(reader))["id"] for _ in events]
        metrics = (await client.get("/metrics")).text
    assert got == [e["id"] for e in events]
    assert "notifycenter_subscribers_closed_slow_total 0.0" in metrics
