"""The stream and the HubClient over two real hubs: when one dies, the next one serves,
from the cursor reached (two hubs with their own data dirs stand in for two replicas)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from notifycenter.client import ConnectionState, HubClient
from notifycenter.client.servers import ServerPool
from notifycenter.model.errors import NotifyError
from tests.hubprocess import free_port, make_event, post_batch
from tests.hubthread import HubThread
from tests.waiting import async_wait_until


def _events(prefix: str, count: int) -> list[dict[str, Any]]:
    return [make_event(f"{prefix}{n}", source=f"urn:test:{prefix}") for n in range(1, count + 1)]


async def test_a_stream_whose_server_dies_resumes_on_the_next_from_its_cursor(
    hub_factory: Any,
) -> None:
    first, second = hub_factory(process=True), hub_factory()
    assert post_batch(first.url, _events("a", 3)).status_code == 202
    assert post_batch(second.url, _events("b", 5)).status_code == 202
    states: list[ConnectionState] = []
    received: list[tuple[str, str]] = []  # (server, id)
    async with HubClient([first.url, second.url]) as client:
        subscription = client.subscribe(since="0", on_state=states.append)
        async with asyncio.timeout(20):
            async for event in subscription:
                received.append((subscription.state.server or "", event["id"]))
                if len(received) == 3:
                    await asyncio.to_thread(first.kill)
                if len(received) == 5:
                    break
    # B's log after cursor 3 only: its events 1-3 were never sent (since=<cursor> on B).
    assert received == [
        (first.url, "evt-a1"),
        (first.url, "evt-a2"),
        (first.url, "evt-a3"),
        (second.url, "evt-b4"),
        (second.url, "evt-b5"),
    ]
    live_on = [s.server for s in states if s.status == "live"]
    assert live_on == [first.url, second.url]
    assert client.server == second.url


async def test_requests_go_to_the_next_server_and_a_dead_one_is_left_alone(
    hub_factory: Any,
) -> None:
    live = hub_factory()
    dead = f"http://127.0.0.1:{free_port()}"
    pool = ServerPool([dead, live.url])
    async with HubClient(pool) as client:
        assert (await client.health())["status"] == "ok"
        assert client.server == live.url
        assert not pool.available(dead)  # its breaker is open: the next request skips it
        assert pool.order() == [live.url, dead]
        await client.summary()
        assert pool.switches == 1


async def test_a_4xx_answer_is_the_hubs_answer_on_every_server(hub_factory: Any) -> None:
    first, second = hub_factory(), hub_factory()
    assert post_batch(second.url, _events("only-on-b", 1)).status_code == 202
    async with HubClient([first.url, second.url]) as client:
        with pytest.raises(NotifyError) as raised:
            await client.get("urn:test:only-on-b#evt-only-on-b1")
    assert raised.value.http_status == 404
    assert client.server == first.url


async def test_every_server_failing_lists_each_with_its_failure() -> None:
    servers = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    async with HubClient(servers, timeout=2) as client:
        with pytest.raises(NotifyError) as raised:
            await client.summary()
    error = raised.value
    assert error.code == "notifycenter-2100"
    assert error.long_description[0] == "all 2 servers failed:"
    for server, line in zip(servers, error.long_description[1:], strict=True):
        assert line.startswith(f"{server}: ") and len(line) > len(server) + 2


async def test_a_stream_on_a_fallback_server_moves_back_when_the_preferred_one_returns(
    hub: Any, tmp_path: Path
) -> None:
    preferred = HubThread(tmp_path / "preferred", port=free_port())
    preferred_url = f"http://127.0.0.1:{preferred.port}"
    assert post_batch(hub.url, _events("b", 2)).status_code == 202
    received: list[tuple[str, str]] = []
    pool = ServerPool([preferred_url, hub.url], cooldown=0.1)  # short, for the test
    async with HubClient(pool) as client:
        subscription = client.subscribe(since="0", return_after=0.1)

        async def consume() -> None:
            async for event in subscription:
                received.append((subscription.state.server or "", event["id"]))

        consumer = asyncio.create_task(consume())
        try:
            await async_wait_until(lambda: len(received) == 2, 10, "the fallback's events")
            await asyncio.to_thread(preferred.start)
            # Cursors 1-2 were streamed from the fallback: only the third comes from here.
            assert post_batch(preferred_url, _events("a", 3)).status_code == 202
            await async_wait_until(lambda: len(received) == 3, 10, "the preferred's event")
        finally:
            consumer.cancel()
            await asyncio.to_thread(preferred.stop)
    assert received == [(hub.url, "evt-b1"), (hub.url, "evt-b2"), (preferred_url, "evt-a3")]


async def test_a_server_whose_healthz_fails_at_connect_is_passed_over(hub: Any) -> None:
    """A replica that accepts the stream but reports itself unhealthy is not used while
    another is healthy."""
    streamed_from_degraded: list[str] = []

    def health_or_stream(_socket: Any, request: Request) -> Response | None:
        if request.path == "/healthz":
            body = b'{"code": "notifycenter-1001", "shortDescription": ["degraded"]}'
            return Response(503, "Service Unavailable", Headers(), body)
        streamed_from_degraded.append(request.path)
        return None

    async def stream_nothing(connection: Any) -> None:
        await connection.wait_closed()

    assert post_batch(hub.url, _events("b", 1)).status_code == 202
    async with serve(
        stream_nothing,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("cloudevents.json")],
        process_request=health_or_stream,
    ) as degraded:
        port = degraded.sockets[0].getsockname()[1]
        async with HubClient([f"http://127.0.0.1:{port}", hub.url]) as client:
            subscription = client.subscribe(since="0")
            async with asyncio.timeout(10):
                async for event in subscription:
                    assert event["id"] == "evt-b1"
                    break
    assert streamed_from_degraded == []
