"""Batch stream frames (`notifycenter.batch.json`): a commit of many events reaches every
subscriber in order in one frame, a stalled subscriber is still cut off with its
catalogued code, and `HubClient` resumes by cursor in the middle of a frame."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from notifycenter.catalogue.client import HUB_BAD_ANSWER
from notifycenter.client import ConnectionState, HubClient
from notifycenter.client.stream import Subscription
from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from tests import httpclient
from tests.hubprocess import BATCH, make_event
from tests.test_client_stream import asked_since
from tests.test_hardening_runtime import tiny_receive_buffer_socket

BATCHED = Subprotocol("notifycenter.batch.json")
SINGLE = Subprotocol("cloudevents.json")
DEADLINE = 20.0


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[EmbeddedHub]:
    hub = await start_embedded(
        HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0", slow_grace_seconds=0.5)
    )
    yield hub
    await asyncio.wait_for(hub.stop(), DEADLINE)


def ws_url(hub: EmbeddedHub, query: str = "") -> str:
    return hub.url.replace("http", "ws", 1) + "/api/stream" + query


def cursors(first: int, last: int) -> list[str]:
    return [f"{n:016d}" for n in range(first, last + 1)]


async def post(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    response = await client.post("/api/events", json=events, headers={"content-type": BATCH})
    assert response.status_code == 202, response.text


async def frames_until(ws: websockets.ClientConnection, count: int) -> list[Any]:
    """Frames, decoded, until they hold `count` events."""
    frames: list[Any] = []
    held = 0
    while held < count:
        frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        frames.append(frame)
        held += len(frame) if isinstance(frame, list) else 1
    return frames


def flat(frames: list[Any]) -> list[dict[str, Any]]:
    return [e for f in frames for e in (f if isinstance(f, list) else [f])]


async def test_a_commit_of_many_events_reaches_every_subscriber_in_order_in_one_frame(
    running: EmbeddedHub,
) -> None:
    events = [make_event(n, type="t.a" if n % 2 else "t.b") for n in range(300)]
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(ws_url(running), subprotocols=[BATCHED, SINGLE]) as first,
        websockets.connect(ws_url(running), subprotocols=[BATCHED]) as second,
        websockets.connect(ws_url(running, "?type=t.a"), subprotocols=[BATCHED]) as filtered,
        websockets.connect(ws_url(running), subprotocols=[SINGLE]) as single,
    ):
        assert first.subprotocol == second.subprotocol == BATCHED
        assert single.subprotocol == SINGLE
        await post(client, events)  # one request: one commit
        for ws in (first, second):
            frames = await frames_until(ws, 300)
            assert len(frames) == 1 and isinstance(frames[0], list)
            assert [e["cursor"] for e in frames[0]] == cursors(1, 300)
            assert [e["id"] for e in frames[0]] == [e["id"] for e in events]
        odd = flat(await frames_until(filtered, 150))
        assert [e["cursor"] for e in odd] == cursors(1, 300)[1::2]
        assert {e["type"] for e in odd} == {"t.a"}
        # A client of the CloudEvents binding still gets one event per frame.
        one_by_one = await frames_until(single, 300)
        assert all(isinstance(f, dict) for f in one_by_one)
        assert [f["cursor"] for f in one_by_one] == cursors(1, 300)


async def test_a_replay_in_batch_frames_then_live_has_no_gap_and_no_duplicate(
    running: EmbeddedHub,
) -> None:
    async with httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client:
        await post(client, [make_event(f"old-{n}") for n in range(1200)])
        async with websockets.connect(ws_url(running, "?since=0"), subprotocols=[BATCHED]) as ws:
            live = asyncio.gather(
                *(post(client, [make_event(f"live-{b}-{k}") for k in range(40)]) for b in range(5))
            )
            received = flat(await frames_until(ws, 1400))
            await live
    assert [e["cursor"] for e in received] == cursors(1, 1400)


async def test_a_stalled_batch_subscriber_is_closed_1013_with_its_code_and_resumes_by_cursor(
    running: EmbeddedHub,
) -> None:
    count, pad = 4000, "x" * 4000  # ~16 MB: more than the sockets on both ends can hold
    async with (
        httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client,
        websockets.connect(
            ws_url(running, "?since=0"),
            subprotocols=[BATCHED],
            max_queue=1,
            sock=tiny_receive_buffer_socket(running.url),
        ) as stalled,
        websockets.connect(ws_url(running), subprotocols=[BATCHED]) as healthy,
    ):
        reading = asyncio.ensure_future(frames_until(healthy, count))
        for start in range(0, count, 200):
            batch = [make_event(f"{start}-{k}", data={"pad": pad}) for k in range(200)]
            await post(client, batch)
        healthy_got = [e["cursor"] for e in flat(await reading)]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        slow_closed = "notifycenter_subscribers_closed_slow_total 1.0"
        while slow_closed not in (await client.get("/metrics")).text:  # the hub cut it off
            assert loop.time() < deadline, "the hub never closed the stalled subscriber"
            await asyncio.sleep(0.02)
        received: list[str] = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(DEADLINE):
                while True:
                    received += [e["cursor"] for e in flat([json.loads(await stalled.recv())])]
    close = closed.value.rcvd
    assert close is not None and close.code == 1013
    assert close.reason.startswith("notifycenter-1117")
    assert healthy_got == cursors(1, count)
    assert 0 < len(received) < count
    assert received == cursors(1, len(received))
    since = received[-1]
    async with websockets.connect(ws_url(running, f"?since={since}"), subprotocols=[BATCHED]) as ws:
        rest = [e["cursor"] for e in flat(await frames_until(ws, count - len(received)))]
    assert received + rest == cursors(1, count)


async def test_hub_client_resumes_by_cursor_in_the_middle_of_a_frame_without_duplicates(
    running: EmbeddedHub,
) -> None:
    async with httpclient.async_client(base_url=running.url, timeout=DEADLINE) as client:
        await post(client, [make_event(n) for n in range(50)])  # one commit, one frame
    async with HubClient(running.url) as hub:
        subscription = hub.subscribe(since="0")
        taken: list[str] = []
        async with asyncio.timeout(DEADLINE):
            async for event in subscription:
                taken.append(event["cursor"])
                if len(taken) == 20:
                    break
        assert subscription.state.last_cursor == cursors(20, 20)[0]
        rest: list[str] = []
        async with asyncio.timeout(DEADLINE):
            async for event in hub.subscribe(since=subscription.state.last_cursor):
                rest.append(event["cursor"])
                if len(rest) == 30:
                    break
    assert taken + rest == cursors(1, 50)


def batch_of(*numbers: int) -> str:
    return json.dumps(
        [
            {"specversion": "1.0", "id": f"e{n}", "source": "s", "type": "t", "cursor": f"{n:016d}"}
            for n in numbers
        ]
    )


async def test_a_reconnect_skips_the_events_of_a_frame_already_delivered() -> None:
    seen_since: list[str | None] = []

    async def handler(connection: ServerConnection) -> None:
        seen_since.append(asked_since(connection))
        if len(seen_since) == 1:
            await connection.send(batch_of(1, 2, 3))
            await connection.close(1013, "too slow")
        else:
            await connection.send(batch_of(2, 3, 4, 5))  # overlaps what was delivered
            await connection.wait_closed()

    async with serve(handler, "127.0.0.1", 0, subprotocols=[BATCHED, SINGLE]) as server:
        port = server.sockets[0].getsockname()[1]
        subscription = Subscription(f"http://127.0.0.1:{port}", None, "0", {}, None)
        received = []
        async with asyncio.timeout(DEADLINE):
            async for item in subscription:
                received.append(item["id"])
                if len(received) == 5:
                    break
    assert received == ["e1", "e2", "e3", "e4", "e5"]
    assert seen_since == ["0", "0000000000000003"]


async def test_a_batch_frame_with_an_event_without_cursor_is_a_bad_answer_and_nothing_of_it_is_delivered() -> (
    None
):
    seen_since: list[str | None] = []

    async def handler(connection: ServerConnection) -> None:
        seen_since.append(asked_since(connection))
        if len(seen_since) == 1:
            await connection.send('[{"id": "e1", "cursor": "0000000000000001"}, {"id": "x"}]')
        else:
            await connection.send(batch_of(1))
        await connection.wait_closed()

    async with serve(handler, "127.0.0.1", 0, subprotocols=[BATCHED]) as server:
        port = server.sockets[0].getsockname()[1]
        states: list[ConnectionState] = []
        subscription = Subscription(f"http://127.0.0.1:{port}", None, "0", {}, states.append)
        async with asyncio.timeout(DEADLINE):
            async for item in subscription:
                assert item["id"] == "e1"
                break
    assert seen_since == ["0", "0"]
    errors = [s.last_error for s in states if s.last_error]
    assert errors and errors[0].startswith(HUB_BAD_ANSWER.code)
