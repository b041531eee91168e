"""The server choice: the circuit breaker keeps a failed server away for a while, the
preferred server is tried again after it, and only unavailable answers move a client."""

from __future__ import annotations

import httpx
import pytest

from notifycenter.client import HubClient
from notifycenter.client.servers import ServerPool
from notifycenter.model.errors import NotifyError

A, B, C = "http://a.example:9181", "http://b.example:9181", "http://c.example:9181"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_failed_server_is_skipped_until_its_cooldown_ends_then_preferred_again() -> None:
    clock = Clock()
    pool = ServerPool([A, B, C], cooldown=5, max_cooldown=60, clock=clock)
    pool.failed(A, "refused")
    assert pool.order() == [B, C, A]
    assert pool.succeeded(B) and pool.current == B
    clock.now += 5
    assert pool.order() == [A, B, C]  # the preferred server is asked first again
    pool.failed(A, "refused")
    clock.now += 9.9
    assert pool.order()[0] == B  # a second failure in a row: 10 s
    clock.now += 0.1
    assert pool.order()[0] == A
    assert pool.succeeded(A) and pool.current == A and pool.switches == 2


def test_when_every_server_cools_down_the_soonest_back_comes_first() -> None:
    clock = Clock()
    pool = ServerPool([A, B], cooldown=5, clock=clock)
    pool.failed(A, "x")
    pool.failed(A, "x")  # 10 s
    pool.failed(B, "y")  # 5 s
    assert pool.order() == [B, A]
    assert pool.better_than(B) == []
    clock.now += 10
    assert pool.better_than(B) == [A]


def _hub(status_by_host: dict[str, int]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        status = status_by_host[request.url.host]
        if status == 200:
            return httpx.Response(200, json={"user": "alice", "role": "viewer"})
        body = {"code": "notifycenter-1001", "shortDescription": ["no"], "severity": "ERROR"}
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_gateway_or_unavailable_answer_moves_to_the_next_server(status: int) -> None:
    transport = _hub({"a.example": status, "b.example": 200})
    async with HubClient([A, B], transport=transport) as client:
        assert await client.whoami() == "alice"
        assert client.server == B


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429])
async def test_a_4xx_answer_never_moves(status: int) -> None:
    transport = _hub({"a.example": status, "b.example": 200})
    async with HubClient([A, B], transport=transport) as client:
        with pytest.raises(NotifyError) as raised:
            await client.whoami()
        assert raised.value.http_status == status and client.server == A
