"""GET /api/stream against a real hub: replay then live, resume, filters, lifecycle."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests import httpclient
from tests.hubprocess import BATCH, Hub, make_event, post_batch


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


SUB = ["cloudevents.json"]


async def receive(ws: websockets.ClientConnection, count: int, timeout: float = 20) -> list[dict]:
    return [json.loads(await asyncio.wait_for(ws.recv(), timeout)) for _ in range(count)]


async def post_async(client: httpx.AsyncClient, events: list[dict]) -> None:
    response = await client.post("/api/events", json=events, headers={"content-type": BATCH})
    assert response.status_code == 202, response.text


async def test_replay_then_live_has_no_gap_and_no_duplicate(hub: Hub) -> None:
    post_batch(hub.url, [make_event(n) for n in range(3000)])
    async with httpclient.async_client(base_url=hub.url, timeout=30) as client:
        async with websockets.connect(f"{hub.ws_url}/api/stream?since=0", subprotocols=SUB) as ws:
            # Events keep arriving while the subscriber is still replaying the first 3,000.
            writer = asyncio.gather(
                *(
                    post_async(client, [make_event(f"live-{b}-{k}") for k in range(50)])
                    for b in range(20)
                )
            )
            received = await receive(ws, 4000)
            await writer
            with_extra = asyncio.wait_for(ws.recv(), 0.5)
            try:
                extra = await with_extra
            except TimeoutError:
                extra = None
    cursors = [e["cursor"] for e in received]
    assert cursors == [f"{n:016d}" for n in range(1, 4001)]
    assert extra is None
    assert len({e["id"] for e in received}) == 4000


async def test_resubscriber_gets_exactly_what_it_missed_in_order(hub: Hub) -> None:
    post_batch(hub.url, [make_event(f"before-{n}") for n in range(10)])
    async with websockets.connect(f"{hub.ws_url}/api/stream?since=0", subprotocols=SUB) as ws:
        last = (await receive(ws, 10))[-1]["cursor"]
    missed = [make_event(f"missed-{n}") for n in range(1000)]
    for start in range(0, 1000, 100):
        post_batch(hub.url, missed[start : start + 100])
    async with websockets.connect(f"{hub.ws_url}/api/stream?since={last}", subprotocols=SUB) as ws:
        again = await receive(ws, 1000)
        post_batch(hub.url, [make_event("after")])
        (live,) = await receive(ws, 1)
    assert [e["id"] for e in again] == [e["id"] for e in missed]
    assert [e["cursor"] for e in again] == sorted(e["cursor"] for e in again)
    assert again[0]["cursor"] == f"{int(last) + 1:016d}"
    assert live["id"] == "evt-after"


async def test_live_only_without_since_and_filters_apply(hub: Hub) -> None:
    post_batch(hub.url, [make_event("old")])
    url = f"{hub.ws_url}/api/stream?bucket=warnings&lifecycle=0"
    async with websockets.connect(url, subprotocols=SUB) as ws:
        post_batch(hub.url, [make_event("err"), make_event("warn", severitytext="WARNING")])
        (only,) = await receive(ws, 1)
    assert only["id"] == "evt-warn"


async def test_an_ack_with_comment_reaches_the_other_client_with_actor(hub_factory) -> None:
    hub = hub_factory(
        tokens={
            "admin-token-1": ("root", "admin"),
            "alice-token-1": ("alice", "operator"),
            "bob-token-12": ("bob", "viewer"),
        }
    )
    async with websockets.connect(
        f"{hub.ws_url}/api/stream",
        subprotocols=SUB,
        additional_headers={"authorization": "Bearer bob-token-12"},
    ) as bob:
        async with httpclient.async_client(base_url=hub.url) as client:
            posted = await client.post(
                "/api/events",
                json=[make_event(1)],
                headers={"content-type": BATCH, "authorization": "Bearer admin-token-1"},
            )
            cursor = posted.json()["cursors"][0]
            acked = await client.post(
                "/api/lifecycle/ack",
                json={"refs": [cursor], "comment": "on it"},
                headers={"authorization": "Bearer alice-token-1"},
            )
        assert acked.status_code == 200 and acked.json()["changed"] == 1
        notification, ack = await receive(bob, 2)
    assert notification["cursor"] == cursor
    assert ack["type"] == "io.meshery.notification.ack"
    assert ack["data"]["actor"] == "alice" and ack["data"]["comment"] == "on it"
    assert ack["data"]["target"] == {"source": notification["source"], "id": notification["id"]}
    assert ack["cursor"] == acked.json()["cursors"][0]
