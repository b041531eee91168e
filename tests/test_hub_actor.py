"""The posting token's user is kept with every stored event (`StoredEntry.actor`, `log.actor`)."""

from __future__ import annotations

import sqlite3

import pytest

from notifycenter.hub.server import start_embedded
from notifycenter.hub.settings import HubSettings, Role, Token
from tests import httpclient
from tests.hubprocess import BATCH, make_event

TOKENS = {
    "producer-secret": Token("istio-adapter", Role.PRODUCER),
    "viewer-secret-1": Token("val", Role.VIEWER),
    "operator-secret": Token("alice", Role.OPERATOR),
}
OP_ID = "00f067aa0ba902b7"


def started(op_id: str = OP_ID, source: str = "urn:meshery:server:local") -> dict:
    return {
        "specversion": "1.0",
        "id": f"op-{op_id}",
        "source": source,
        "type": "io.meshery.operation.started",
        "severitytext": "INFO",
        "data": {"summary": "Deploy design", "operation": {"id": op_id, "name": "Deploy design"}},
    }


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.fixture
async def secured(tmp_path):
    hub = await start_embedded(HubSettings(data_dir=tmp_path, bind="127.0.0.1:0", tokens=TOKENS))
    yield hub
    await hub.stop()


async def test_an_operation_started_with_a_producer_token_shows_its_user(secured) -> None:
    async with httpclient.async_client(base_url=secured.url, timeout=10) as client:
        posted = await client.post(
            "/api/events",
            json=[started()],
            headers={"content-type": BATCH, **bearer("producer-secret")},
        )
        assert posted.status_code == 202, posted.text
        answer = await client.get(f"/api/operations/{OP_ID}", headers=bearer("viewer-secret-1"))
    assert answer.status_code == 200, answer.text
    operation = answer.json()
    assert operation["started_by"] == "istio-adapter"
    assert operation["source"] == "urn:meshery:server:local"


async def test_an_open_hub_names_the_producers_source(embedded_hub) -> None:
    async with httpclient.async_client(base_url=embedded_hub.url, timeout=10) as client:
        await client.post("/api/events", json=[started()], headers={"content-type": BATCH})
        operation = (await client.get(f"/api/operations/{OP_ID}")).json()
    assert operation["started_by"] == "urn:meshery:server:local"


async def test_the_log_keeps_who_posted_each_event_and_each_change(tmp_path) -> None:
    hub = await start_embedded(HubSettings(data_dir=tmp_path, bind="127.0.0.1:0", tokens=TOKENS))
    try:
        async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
            await client.post(
                "/api/events",
                json=[make_event(1)],
                headers={"content-type": BATCH, **bearer("producer-secret")},
            )
            await client.post(
                "/api/lifecycle/resolve", json={"refs": ["1"]}, headers=bearer("operator-secret")
            )
    finally:
        await hub.stop()
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        rows = conn.execute("SELECT seq, actor FROM log ORDER BY seq").fetchall()
    assert rows == [(1, "istio-adapter"), (2, "alice")]


async def test_a_log_written_without_actors_gains_the_column(tmp_path) -> None:
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        conn.execute(
            "CREATE TABLE log (seq INTEGER PRIMARY KEY, source TEXT NOT NULL,"
            " id TEXT NOT NULL, body BLOB NOT NULL)"
        )
        conn.execute("CREATE UNIQUE INDEX log_key ON log(source, id)")
        conn.execute(
            "INSERT INTO log VALUES (1, 's', 'old', ?)",
            (
                b'{"specversion":"1.0","id":"old","source":"s","type":"t","cursor":"0000000000000001"}',
            ),
        )
    hub = await start_embedded(HubSettings(data_dir=tmp_path, bind="127.0.0.1:0"))
    try:
        async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
            posted = await client.post(
                "/api/events", json=[make_event(2)], headers={"content-type": BATCH}
            )
            assert posted.json()["cursors"] == ["0000000000000002"]
            assert (await client.get("/api/events/s%23old")).status_code == 200
    finally:
        await hub.stop()
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        assert conn.execute("SELECT seq, actor FROM log ORDER BY seq").fetchall() == [
            (1, None),
            (2, "anonymous"),
        ]
