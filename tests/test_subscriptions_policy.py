"""The sink-host policy: an operator's subscription cannot make the hub reach its own
network (loopback, private, link-local, cloud metadata) unless `--sink-host` allows the
host; admins may; `handshake: false` is for admins; a name that resolves to such an
address only at delivery (DNS rebinding) is refused then."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import httpclient
from tests.hubthread import HubThread
from tests.sinks_receivers import web_receiver
from tests.sinks_samples import notification
from tests.waiting import async_wait_until

TOKENS = {"admin-token": ("root", "admin"), "alice-token": ("alice", "operator")}
ADMIN = {"Authorization": "Bearer admin-token"}
ALICE = {"Authorization": "Bearer alice-token"}
MAIL = {"from": "hub@example.com", "to": "sre@example.com"}


@pytest.fixture
def secured(hub_factory: Any) -> Any:
    """A hub with tokens and no sink-hosts: the default policy."""
    return hub_factory(tokens=TOKENS)


def create(hub: Any, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpclient.post(f"{hub.url}/api/subscriptions", json=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("sink", "protocol", "rule"),
    [
        ("http://127.0.0.1:9/alerts", "ntfy", "a loopback address"),
        ("http://localhost:9/hooks/x", "slack", "a loopback address"),
        ("http://[::1]:9/alerts", "ntfy", "a loopback address"),
        ("http://2130706433:9/alerts", "ntfy", "a loopback address"),  # 127.0.0.1 as a number
        ("http://[::ffff:127.0.0.1]:9/alerts", "ntfy", "a loopback address"),
        ("http://169.254.169.254/latest/meta-data/x", "ntfy", "a cloud metadata address"),
        ("http://10.1.2.3:8080/hooks/x", "slack", "a private address"),
        ("http://192.168.1.20/alerts", "ntfy", "a private address"),
        ("http://[fd00::7]/alerts", "ntfy", "a private address"),
        ("http://0.0.0.0:9/alerts", "ntfy", "an unspecified address"),
        ("smtp://172.16.0.9:25", "smtp", "a private address"),
    ],
)
def test_an_operator_cannot_point_a_sink_at_the_hubs_own_network(
    secured: Any, sink: str, protocol: str, rule: str
) -> None:
    settings = MAIL if protocol == "smtp" else {}
    body = {"sink": sink, "protocol": protocol, "protocolsettings": settings}
    refused = create(secured, body, ALICE)
    assert refused.status_code == 403, refused.text
    error = refused.json()
    assert error["code"] == "notifycenter-2014"
    detail = " ".join(error["longDescription"])
    assert rule in detail and "--sink-host" in detail and "sink-hosts" in detail
    listed = httpclient.get(f"{secured.url}/api/subscriptions", headers=ADMIN, timeout=10).json()
    assert listed == {"subscriptions": []}
    # the same sink is an admin's to choose
    assert create(secured, body, ADMIN).status_code == 201


def test_an_operator_may_not_skip_the_handshake_and_an_admin_may(secured: Any) -> None:
    body = {
        "sink": "https://receiver.example.com/events",
        "protocol": "HTTP",
        "protocolsettings": {"handshake": False},
    }
    refused = create(secured, body, ALICE)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "notifycenter-2015"
    assert create(secured, body, ADMIN).status_code == 201


def test_an_admins_subscription_for_an_operator_follows_the_operators_policy(
    secured: Any,
) -> None:
    body = {"sink": "http://127.0.0.1:9/alerts", "protocol": "ntfy", "owner": "alice"}
    refused = create(secured, body, ADMIN)
    assert refused.status_code == 403 and refused.json()["code"] == "notifycenter-2014"


@pytest.mark.parametrize(
    "allowed", ["127.0.0.1", "127.0.0.*", "localhost", "LOCALHOST:{port}", "*:{port}"]
)
async def test_sink_host_lets_an_operator_reach_an_allowed_host(
    hub_factory: Any, allowed: str
) -> None:
    async with web_receiver() as phone:
        port = phone.url.rsplit(":", 1)[1]
        hub = hub_factory(tokens=TOKENS, extra_args=["--sink-host", allowed.format(port=port)])
        sink = (
            phone.url.replace("127.0.0.1", "localhost") if "local" in allowed.lower() else phone.url
        )
        async with httpclient.async_client(base_url=hub.url, timeout=10, headers=ALICE) as client:
            made = await client.post(
                "/api/subscriptions", json={"sink": f"{sink}/alice", "protocol": "ntfy"}
            )
            assert made.status_code == 201, made.text
            posted = await client.post(
                "/api/events",
                json=[notification()],
                headers={"content-type": "application/cloudevents-batch+json", **ADMIN},
            )
            assert posted.status_code == 202, posted.text
            await async_wait_until(lambda: phone.requests, what="the notification on loopback")
    assert phone.json()[0]["topic"] == "alice"


def test_a_sink_host_on_another_port_does_not_allow_this_one(hub_factory: Any) -> None:
    hub = hub_factory(tokens=TOKENS, extra_args=["--sink-host", "127.0.0.1:8080"])
    refused = create(hub, {"sink": "http://127.0.0.1:9/alerts", "protocol": "ntfy"}, ALICE)
    assert refused.status_code == 403 and refused.json()["code"] == "notifycenter-2014"
    made = create(hub, {"sink": "http://127.0.0.1:8080/alerts", "protocol": "ntfy"}, ALICE)
    assert made.status_code == 201, made.text


class FakeDns:
    """`rebind.example` resolves to what the test says; every other name as usual."""

    NAME = "rebind.example"

    def __init__(self) -> None:
        self.address = "93.184.215.14"  # public
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (self.NAME, self.NAME.encode()):
            return self.real(self.address, port, *args, **kwargs)
        return self.real(host, port, *args, **kwargs)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDns]:
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield fake


@pytest.mark.parametrize("protocol", ["ntfy", "slack", "smtp"])
async def test_a_name_that_resolves_to_loopback_at_delivery_is_refused(
    secured: Any, dns: FakeDns, protocol: str
) -> None:
    if not isinstance(secured, HubThread):
        pytest.skip("the name is faked inside this process: the hub must run in it")
    async with web_receiver() as phone:
        port = int(phone.url.rsplit(":", 1)[1])
        scheme = "smtp" if protocol == "smtp" else "http"
        body = {
            "sink": f"{scheme}://{FakeDns.NAME}:{port}/alerts",
            "protocol": protocol,
            "protocolsettings": MAIL if protocol == "smtp" else {},
            "config": {"maxfailures": 1, "backoffmin": 30, "backoffmax": 60},
        }
        async with httpclient.async_client(
            base_url=secured.url, timeout=10, headers=ALICE
        ) as client:
            made = await client.post("/api/subscriptions", json=body)
            assert made.status_code == 201, made.text  # public when it was created
            dns.address = "127.0.0.1"  # then the name moves to the hub's own machine
            posted = await client.post(
                "/api/events",
                json=[notification()],
                headers={"content-type": "application/cloudevents-batch+json", **ADMIN},
            )
            assert posted.status_code == 202, posted.text
            path = f"/api/subscriptions/{made.json()['id']}"

            async def last_error() -> Any:
                return (await client.get(path)).json()["delivery"]["last_error"]

            found: list[Any] = []

            async def refused() -> bool:
                found[:] = [await last_error()]
                return found[0] is not None

            await _wait_async(refused)
            error = found[0]
            assert error["code"] == "notifycenter-2014", error
            assert "a loopback address" in " ".join(error["longDescription"])
            tested = await client.post(f"{path}/test")
            assert tested.status_code == 403 and tested.json()["code"] == "notifycenter-2014"
    assert phone.requests == []  # nothing reached the receiver behind the name


async def _wait_async(condition: Any, timeout: float = 20.0) -> None:
    """Poll an async condition until it holds, with a deadline."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s")
        await asyncio.sleep(0.05)
