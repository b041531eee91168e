"""Tokens and roles: who may do what, who is recorded, and where an open hub may listen."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
import websockets

from notifycenter.hub.server import start_embedded
from notifycenter.hub.settings import HubSettings, Role, Token
from tests import httpclient
from tests.hubprocess import BATCH, free_port, make_event

TOKENS = {
    "producer-secret": Token("istio-adapter", Role.PRODUCER),
    "viewer-secret-1": Token("val", Role.VIEWER),
    "operator-secret": Token("alice", Role.OPERATOR),
    "admin-secret-12": Token("root", Role.ADMIN),
    "limited-secret1": Token("chatty", Role.PRODUCER, rate=1, burst=2),
}


@pytest.fixture
async def secured(tmp_path):
    hub = await start_embedded(HubSettings(data_dir=tmp_path, bind="127.0.0.1:0", tokens=TOKENS))
    yield hub
    await hub.stop()


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


async def test_roles_are_enforced_and_the_actor_is_recorded(secured) -> None:
    async with httpclient.async_client(base_url=secured.url) as client:

        async def post(secret: str | None) -> int:
            headers = {"content-type": BATCH, **(bearer(secret) if secret else {})}
            response = await client.post(
                "/api/events", json=[make_event(secret or "none")], headers=headers
            )
            return response.status_code

        async def read(secret: str | None) -> int:
            return (
                await client.get("/api/events", headers=bearer(secret) if secret else {})
            ).status_code

        async def ack(secret: str) -> httpx.Response:
            return await client.post(
                "/api/lifecycle/ack", json={"refs": ["1"]}, headers=bearer(secret)
            )

        assert [
            await post(s) for s in (None, "wrong-secret", "viewer-secret-1", "operator-secret")
        ] == [401, 401, 403, 403]
        assert [await post(s) for s in ("producer-secret", "admin-secret-12")] == [202, 202]
        assert [await read(s) for s in (None, "producer-secret")] == [401, 403]
        assert [
            await read(s) for s in ("viewer-secret-1", "operator-secret", "admin-secret-12")
        ] == [200] * 3
        assert [(await ack(s)).status_code for s in ("producer-secret", "viewer-secret-1")] == [
            403,
            403,
        ]
        denied = await ack("viewer-secret-1")
        assert denied.json()["code"] == "notifycenter-1103"
        assert (await ack("operator-secret")).json()["changed"] == 1

        item = (await client.get("/api/events/1", headers=bearer("viewer-secret-1"))).json()
        assert item["acknowledged_by"] == "alice"
        assert item["history"][0]["data"]["actor"] == "alice"
        assert (await client.get("/healthz")).status_code == 200


async def test_stream_needs_a_reading_token(secured) -> None:
    url = secured.url.replace("http", "ws") + "/api/stream"
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus) as forbidden:
        async with websockets.connect(url, additional_headers=bearer("producer-secret")):
            pass
    assert forbidden.value.response.status_code == 403
    async with websockets.connect(
        url, additional_headers=bearer("viewer-secret-1"), subprotocols=["cloudevents.json"]
    ) as ws:
        assert ws.subprotocol == "cloudevents.json"


async def test_rate_limit_answers_429_with_retry_after(secured) -> None:
    async with httpclient.async_client(base_url=secured.url) as client:
        statuses = []
        for n in range(3):
            response = await client.post(
                "/api/events",
                json=[make_event(n)],
                headers={"content-type": BATCH, **bearer("limited-secret1")},
            )
            statuses.append(response.status_code)
        assert statuses == [202, 202, 429]
        assert response.json()["code"] == "notifycenter-1104"
        assert int(response.headers["retry-after"]) >= 1
        unlimited = await client.post(
            "/api/events",
            json=[make_event("x")],
            headers={"content-type": BATCH, **bearer("producer-secret")},
        )
        assert unlimited.status_code == 202


def test_open_hub_refuses_a_non_loopback_address(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "notifycenter",
            "serve",
            "--bind",
            f"0.0.0.0:{free_port()}",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "notifycenter-1100" in result.stderr


def test_bad_token_file_is_a_catalogued_start_up_error(tmp_path) -> None:
    token_file = tmp_path / "tokens.toml"
    token_file.write_text(
        '[[token]]\ntoken = "long-enough-secret"\nuser = "x"\nrole = "superuser"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "notifycenter",
            "serve",
            "--bind",
            f"127.0.0.1:{free_port()}",
            "--data-dir",
            str(tmp_path),
            "--token-file",
            str(token_file),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "notifycenter-1112" in result.stderr and "superuser" in result.stderr
