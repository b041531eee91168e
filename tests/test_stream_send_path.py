"""The stream's send path: once a subscriber is accepted, its frames go straight from the
stream to the server's send, a commit's frame is one message shared by every batch
subscriber, and the handshake is still what the middlewares log and time."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.typing import Subprotocol

from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from tests import httpclient
from tests.hubprocess import BATCH, make_event

BATCHED = Subprotocol("notifycenter.batch.json")
DEADLINE = 20.0


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[EmbeddedHub]:
    hub = await start_embedded(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    yield hub
    await asyncio.wait_for(hub.stop(), DEADLINE)


@pytest.fixture
def server_sends(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """Each data message the server is asked to send, with the module that asked."""
    seen: list[tuple[Any, str]] = []
    original = WebSocketsSansIOProtocol.send

    async def send(self: WebSocketsSansIOProtocol, message: Any) -> None:
        if message["type"] == "websocket.send":
            seen.append((message, sys._getframe(1).f_globals["__name__"]))
        await original(self, message)

    monkeypatch.setattr(WebSocketsSansIOProtocol, "send", send)
    return seen


def ws_url(hub: EmbeddedHub) -> str:
    return hub.url.replace("http", "ws", 1) + "/api/stream"


async def test_a_commit_reaches_the_server_as_one_shared_message_written_by_the_stream(
    running: EmbeddedHub, server_sends: list[tuple[Any, str]]
) -> None:
    async with (
        websockets.connect(ws_url(running), subprotocols=[BATCHED]) as first,
        websockets.connect(ws_url(running), subprotocols=[BATCHED]) as second,
        httpclient.async_client(base_url=running.url) as client,
    ):
        events = [make_event(n) for n in range(5)]
        response = await client.post("/api/events", json=events, headers={"content-type": BATCH})
        assert response.status_code == 202, response.text
        for ws in (first, second):
            frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            assert [event["id"] for event in frame] == [f"evt-{n}" for n in range(5)]

    assert len(server_sends) == 2
    (one, writer_one), (two, writer_two) = server_sends
    assert one is two  # built once for both subscribers
    assert writer_one == writer_two == "notifycenter.hub.stream"  # no wrapper per frame


async def test_the_handshake_is_still_logged_once_and_frames_are_not_timed_as_requests(
    running: EmbeddedHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "notifycenter.hub")
    async with httpclient.async_client(base_url=running.url) as client:
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(ws_url(running) + "?since=nonsense")
        async with websockets.connect(ws_url(running), subprotocols=[BATCHED]) as ws:
            for n in range(3):
                response = await client.post(
                    "/api/events", json=[make_event(f"m{n}")], headers={"content-type": BATCH}
                )
                assert response.status_code == 202, response.text
                await asyncio.wait_for(ws.recv(), DEADLINE)
        metrics = (await client.get("/metrics")).text

    refused = [r.getMessage() for r in caplog.records if "handshake refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].startswith("stream handshake refused: 400 ")
    timed = [line for line in metrics.splitlines() if "request_seconds_count" in line]
    assert any('route="post_events"' in line and line.endswith(" 3.0") for line in timed)
    assert not any("stream" in line for line in timed)
