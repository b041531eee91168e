"""The subscription's resume logic against a scripted WebSocket server on a real socket:
a 1013 "too slow" close, a replay that overlaps, and the backoff between attempts."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

from notifycenter.client import ConnectionState
from notifycenter.client.backoff import Backoff
from notifycenter.client.stream import Subscription
from tests.waiting import async_wait_until

TRY_AGAIN_LATER = 1013


def event(cursor: int) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"e{cursor}",
            "source": "s",
            "type": "t",
            "cursor": f"{cursor:016d}",
        }
    )


def asked_since(connection: ServerConnection) -> str | None:
    """The `since` a subscriber's handshake asked for."""
    assert connection.request is not None
    return parse_qs(urlsplit(connection.request.path).query).get("since", [None])[0]


async def test_a_slow_consumer_close_resumes_after_the_last_cursor_without_duplicates() -> None:
    seen_since: list[str | None] = []

    async def handler(connection: ServerConnection) -> None:
        seen_since.append(asked_since(connection))
        if len(seen_since) == 1:
            for cursor in (1, 2, 3):
                await connection.send(event(cursor))
            await connection.close(TRY_AGAIN_LATER, "too slow")
        else:
            for cursor in (3, 4, 5):  # overlaps: 3 was delivered already
                await connection.send(event(cursor))
            await connection.wait_closed()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["cloudevents.json"]) as server:
        port = server.sockets[0].getsockname()[1]
        states: list[ConnectionState] = []
        subscription = Subscription(f"http://127.0.0.1:{port}", None, "0", {}, states.append)
        received = []
        async with asyncio.timeout(20):
            async for item in subscription:
                received.append(item["id"])
                if len(received) == 5:
                    break
    assert received == ["e1", "e2", "e3", "e4", "e5"]
    assert seen_since == ["0", "0000000000000003"]
    assert [s.status for s in states] == ["connecting", "live", "reconnecting", "live", "closed"]
    assert (
        states[2].last_error == "connection closed (1013)"
        and states[2].last_cursor == "0000000000000003"
    )


async def test_connection_attempts_back_off_and_count() -> None:
    states: list[ConnectionState] = []
    subscription = Subscription(
        "http://127.0.0.1:9",
        None,
        "0",
        {},
        states.append,
        backoff=Backoff(initial=0.01, maximum=0.05),
    )

    async def consume() -> None:
        async for _ in subscription:
            pass

    task = asyncio.create_task(consume())
    await async_wait_until(lambda: states and states[-1].attempt >= 3, what="3 attempts")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    attempts = [s.attempt for s in states if s.status == "connecting"]
    assert attempts[:4] == [0, 1, 2, 3]  # never live: still "connecting", attempt by attempt
    assert "notifycenter-1207" in states[1].last_error
    assert states[-1].status == "closed"


def test_backoff_grows_with_jitter_up_to_its_maximum_and_resets() -> None:
    backoff = Backoff(initial=0.1, maximum=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [min(1.0, 0.1 * 2**n) for n in range(8)]
    assert all(
        ceiling / 2 <= delay <= ceiling for delay, ceiling in zip(delays, ceilings, strict=False)
    )
    backoff.reset()
    assert backoff.next_delay() <= 0.1
