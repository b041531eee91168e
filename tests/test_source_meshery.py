"""The Meshery server source against a test server that behaves like Meshery's handlers:
backfill, the live stream and its losses, a hub restart, read status both ways."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import orjson
import pytest

from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from notifycenter.sources.meshery import SOURCE_PREFIX, map_event, meshkit_error
from notifycenter.sources.runner import parse_source
from tests import httpclient
from tests.meshery_server import SNAKE, MesheryServer

T = TypeVar("T")
TIMEOUT = 30.0


async def eventually(check: Callable[[], Awaitable[T]], what: str, timeout: float = TIMEOUT) -> T:
    """Poll an async condition until it holds, failing after a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def settings_for(tmp_path: Path, meshery: MesheryServer, **extra: Any) -> HubSettings:
    auth = tmp_path / "auth.json"
    auth.write_bytes(orjson.dumps({"token": meshery.token, "meshery-provider": meshery.provider}))
    url = f"meshery+http://127.0.0.1:{meshery.port}"
    source = parse_source(url, {"auth-json": str(auth), **extra})
    return HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0", sources=[source])


async def meshery_ids(client: httpx.AsyncClient) -> list[str]:
    """Ids of the Meshery notifications the hub holds (not the operation markers)."""
    ids: list[str] = []
    before = None
    for _ in range(1000):  # bounded: 1000 pages of 1000
        params: dict[str, Any] = {
            "source": SOURCE_PREFIX,
            "type": "io.meshery.pattern.",
            "limit": 1000,
        }
        if before:
            params["before"] = before
        page = (await client.get("/api/events", params=params)).json()
        ids.extend(item["event"]["id"] for item in page["items"])
        before = page["next"]
        if not before:
            return ids
    raise AssertionError("too many pages")


async def record(
    client: httpx.AsyncClient, meshery: MesheryServer, event_id: str
) -> dict[str, Any]:
    ref = quote(f"{SOURCE_PREFIX}{meshery.system_id}#{event_id}", safe="")
    answer = await client.get(f"/api/events/{ref}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def source_state(client: httpx.AsyncClient) -> dict[str, Any]:
    sources = (await client.get("/api/sources")).json()["sources"]
    assert len(sources) == 1
    state: dict[str, Any] = sources[0]
    return state


async def test_no_event_lost_or_stored_twice_across_a_stream_drop_and_a_hub_restart(
    tmp_path: Path,
) -> None:
    with MesheryServer(casing="snake", keepalive=0.2) as meshery:
        meshery.add_many(30)
        settings = settings_for(tmp_path, meshery, resync=3600)  # no periodic re-read here
        hub: EmbeddedHub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _count(client, 30), "the backfill")
                await eventually(lambda: _following(client, meshery), "the live stream")
                for index in range(5):  # one at a time: a reader that keeps up loses nothing
                    meshery.add_event(description=f"live {index}")
                    await eventually(lambda i=index: _count(client, 31 + i), "a live event")
                # The broadcaster drops these for a slow reader, then the stream is cut.
                for index in range(5):
                    meshery.add_event(publish=False, description=f"dropped {index}")
                meshery.drop_streams()
                await eventually(lambda: _count(client, 40), "the events the stream lost")
                taken = (await source_state(client))["events_taken"]
                assert taken == 40
        finally:
            await hub.stop()
        meshery.add_many(7)  # while the hub is down
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _count(client, 47), "the events of the downtime")
                await eventually(lambda: _following(client, meshery), "the live stream again")
                ids = await meshery_ids(client)
        finally:
            await hub.stop()
        assert sorted(ids) == sorted(meshery.events)  # each exactly once
        assert len(ids) == len(set(ids))


async def test_events_the_stream_drops_arrive_with_the_periodic_reread(tmp_path: Path) -> None:
    with MesheryServer(casing="camel", keepalive=0.2) as meshery:
        settings = settings_for(tmp_path, meshery, resync=0.3)
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _following(client, meshery), "the live stream")
                for index in range(4):
                    meshery.add_event(publish=False, description=f"dropped {index}")
                await eventually(lambda: _count(client, 4), "the re-read events")
                assert meshery.subscribers == 1  # no reconnection was needed
        finally:
            await hub.stop()


async def test_read_status_round_trips_and_richer_state_here_is_kept(tmp_path: Path) -> None:
    with MesheryServer(casing="camel", keepalive=0.2) as meshery:
        first = meshery.add_event(publish=False, description="already read", status="read")
        second = meshery.add_event(publish=False, description="to be read in Meshery")
        third = meshery.add_event(publish=False, description="to be acknowledged here")
        settings = settings_for(tmp_path, meshery, resync=0.2)
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _count(client, 3), "the backfill")
                assert (await record(client, meshery, first["id"]))["read"] is True
                assert (await record(client, meshery, second["id"]))["read"] is False

                meshery.set_status(second["id"], "read")
                await eventually(lambda: _read(client, meshery, second["id"], True), "read here")
                meshery.set_status(second["id"], "unread")
                await eventually(lambda: _read(client, meshery, second["id"], False), "unread here")

                ref = f"{SOURCE_PREFIX}{meshery.system_id}#{third['id']}"
                answer = await client.post(
                    "/api/lifecycle/ack", json={"refs": [ref], "comment": "on it"}
                )
                assert answer.status_code == 200, answer.text
                await eventually(
                    lambda: _async(meshery.events[third["id"]]["status"] == "read"),
                    "read in Meshery",
                )
                assert ([third["id"]], "read") in meshery.status_puts
                meshery.set_status(third["id"], "unread")  # Meshery's unread does not undo an ack
                await eventually(lambda: _async(meshery.page_requests > 6), "a few re-reads")
                held = await record(client, meshery, third["id"])
                assert held["status"] == "acknowledged" and held["comment"] == "on it"
                history = [h["data"]["actor"] for h in held["history"]]
                assert history == ["anonymous"]  # the ack, and nothing undone by the source
        finally:
            await hub.stop()


async def test_refused_credentials_show_as_a_failing_source_with_its_code(tmp_path: Path) -> None:
    with MesheryServer() as meshery:
        settings = settings_for(tmp_path, meshery)
        meshery.token = "another-token"  # the token in auth.json has been revoked
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                state = await eventually(lambda: _failing(client), "a failing source")
        finally:
            await hub.stop()
    assert state["error"]["code"] == "notifycenter-1934"
    assert state["url"] == f"meshery+http://127.0.0.1:{meshery.port}"
    assert state["events_taken"] == 0


async def _async(value: T) -> T:
    return value


async def _count(client: httpx.AsyncClient, wanted: int) -> bool:
    ids = await meshery_ids(client)
    assert len(ids) <= wanted, f"{len(ids)} events, {wanted} expected"
    return len(ids) == wanted


async def _following(client: httpx.AsyncClient, meshery: MesheryServer) -> bool:
    return (await source_state(client))["state"] == "following" and meshery.subscribers == 1


async def _failing(client: httpx.AsyncClient) -> dict[str, Any] | None:
    state = await source_state(client)
    return state if state["state"] == "failing" else None


async def _read(
    client: httpx.AsyncClient, meshery: MesheryServer, event_id: str, read: bool
) -> bool:
    return bool((await record(client, meshery, event_id))["read"] is read)


# -- the mapping ---------------------------------------------------------------------------

CAMEL = {
    "id": "6f1c2b1e-5d4a-4a8e-9a51-2b0f3c4d5e6f",
    "owner": "1a2b3c4d-0000-4000-8000-000000000001",
    "systemId": "9e8d7c6b-0000-4000-8000-000000000002",
    "operationId": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
    "actedUpon": "5e6f7a8b-0000-4000-8000-000000000003",
    "category": "pattern",
    "action": "deploy",
    "description": "Istio could not be deployed",
    "severity": "informational",
    "status": "unread",
    "metadata": {
        "error": {
            "Code": "meshery-server-1033",
            "Severity": 2,
            "ShortDescription": ["Unable to deploy"],
            "LongDescription": ["istioctl exited 1"],
            "ProbableCause": ["istioctl is missing"],
            "SuggestedRemediation": ["Install istioctl", "Add it to PATH"],
        },
        "design": "my-design",
    },
    "createdAt": "2026-11-29T10:00:00.123456789Z",
    "updatedAt": "2026-11-29T10:00:01.5Z",
    "deletedAt": None,
}


def test_both_wire_shapes_map_to_the_same_events() -> None:
    snake = {SNAKE.get(k, k): v for k, v in CAMEL.items()}
    assert map_event(snake, "host") == map_event(CAMEL, "host")


def test_every_field_of_a_meshery_event_is_mapped() -> None:
    event, started = map_event(CAMEL, "host")
    assert event["id"] == CAMEL["id"]
    assert event["source"] == "urn:meshery:server:9e8d7c6b-0000-4000-8000-000000000002"
    assert event["type"] == "io.meshery.pattern.deploy"
    assert event["severitytext"] == "INFO"
    assert event["subject"] == CAMEL["actedUpon"]
    assert event["time"] == "2026-11-29T10:00:00.123456Z"
    assert event["correlationid"] == CAMEL["operationId"]
    data = event["data"]
    assert data["summary"] == "Istio could not be deployed"
    assert data["error"] == {
        "code": "meshery-server-1033",
        "severity": "ALERT",
        "shortDescription": ["Unable to deploy"],
        "longDescription": ["istioctl exited 1"],
        "probableCause": ["istioctl is missing"],
        "suggestedRemediation": ["Install istioctl", "Add it to PATH"],
    }
    assert data["metadata"] == {"design": "my-design"}
    assert data["meshery"]["owner"] == CAMEL["owner"]
    # The operation: started, in the operation center, named after what it did.
    assert started["type"] == "io.meshery.operation.started"
    assert started["traceparent"] == event["traceparent"]
    assert started["data"]["operation"]["name"] == "pattern deploy"


@pytest.mark.parametrize(
    ("severity", "text", "ending"),
    [
        ("success", "SUCCESS", "succeeded"),
        ("error", "ERROR", "failed"),
        ("warning", "WARNING", None),
    ],
)
def test_severity_and_the_operations_end(severity: str, text: str, ending: str | None) -> None:
    events = map_event(CAMEL | {"severity": severity}, "host")
    assert events[0]["severitytext"] == text
    types = [e["type"].rsplit(".", 1)[1] for e in events[1:]]
    assert types == ["started", *([ending] if ending else [])]


def test_an_error_in_a_list_or_in_model_details_is_read() -> None:
    listed = {"error": [{"Code": "meshkit-11", "Severity": 3, "ProbableCause": "one"}]}
    assert meshkit_error(listed) == {
        "code": "meshkit-11",
        "severity": "CRITICAL",
        "probableCause": ["one"],
    }
    nested = {"ModelDetails": {"m": {"Errors": [{"error": {"Code": "meshkit-12"}}]}}}
    assert meshkit_error(nested) == {"code": "meshkit-12"}


async def test_an_ack_made_while_meshery_refuses_reaches_it_after_a_hub_restart(
    tmp_path: Path,
) -> None:
    with MesheryServer(keepalive=0.2) as meshery:
        event = meshery.add_event(publish=False, description="acknowledged during an outage")
        settings = settings_for(tmp_path, meshery, resync=3600)
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _count(client, 1), "the backfill")
                token, meshery.token = meshery.token, "revoked"
                meshery.drop_streams()
                await eventually(lambda: _failing(client), "a failing source")
                ref = f"{SOURCE_PREFIX}{meshery.system_id}#{event['id']}"
                answer = await client.post("/api/lifecycle/ack", json={"refs": [ref]})
                assert answer.status_code == 200, answer.text
        finally:
            await hub.stop()
        assert meshery.events[event["id"]]["status"] == "unread"
        meshery.token = token
        hub = await start_embedded(settings)
        try:
            await eventually(
                lambda: _async(meshery.events[event["id"]]["status"] == "read"), "read in Meshery"
            )
        finally:
            await hub.stop()


@pytest.mark.parametrize("created", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_time_beyond_the_calendar_in_utc_leaves_the_event_without_one(created: str) -> None:
    """It raised while mapping, which dropped the whole page and stopped the source."""
    event, _ = map_event({**CAMEL, "createdAt": created}, "host")
    assert "time" not in event and event["id"] == CAMEL["id"]


async def test_a_server_that_answers_every_page_alike_is_read_once() -> None:
    """It ignores `page`: the resync stopped only when the hub's disk did (271 pages of
    the same thousand events in 40 s); the same page twice ends it."""
    from notifycenter.sources.meshery import PAGE_SIZE, MesherySource

    same = [{**CAMEL, "id": f"9e8d7c6b-0000-4000-8000-{n:012d}"} for n in range(PAGE_SIZE)]
    asked: list[int] = []

    class Ignoring:
        async def page(self, page: int, size: int) -> tuple[list[dict[str, Any]], int | None]:
            asked.append(page)
            return same, None

    class Hub:
        state = contact = skip = lambda *_: None

        async def checkpoint(self) -> dict[str, Any] | None:
            return None

        async def take(self, events: list[Any], **_: Any) -> None:
            pass

    config = parse_source("meshery+http://127.0.0.1:1", {})
    source = MesherySource(config)
    await asyncio.wait_for(source.resync(Ignoring(), Hub()), 30)  # type: ignore[arg-type]
    assert asked == [0, 1]


async def test_an_event_over_the_hubs_size_limit_is_skipped_not_stored(tmp_path: Path) -> None:
    """`POST /api/events` refuses an event over 64 KiB; a 20 MB description came in."""
    with MesheryServer(casing="camel", keepalive=0.2) as meshery:
        hub = await start_embedded(settings_for(tmp_path, meshery, resync=0.3))
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _following(client, meshery), "the live stream")
                meshery.add_event(description="x" * (80 << 10))
                meshery.add_event(description="fits")
                await eventually(lambda: _count(client, 1), "the event that fits")
                state = await source_state(client)
                assert state["skipped"] >= 1, state
        finally:
            await hub.stop()


async def test_a_change_dated_far_ahead_never_becomes_the_resyncs_mark() -> None:
    """Every later resync stopped at its first page once `2999-…` was the mark."""
    from notifycenter.sources.meshery import MesherySource

    events = [
        {
            **CAMEL,
            "id": "9e8d7c6b-0000-4000-8000-000000000101",
            "updatedAt": "2999-01-01T00:00:00Z",
        },
        {
            **CAMEL,
            "id": "9e8d7c6b-0000-4000-8000-000000000102",
            "updatedAt": "2026-11-30T10:00:00Z",
        },
    ]
    marks: list[Any] = []

    class Server:
        async def page(self, page: int, size: int) -> tuple[list[dict[str, Any]], int | None]:
            return events, 2

    class Hub:
        state = contact = skip = lambda *_: None

        async def checkpoint(self) -> dict[str, Any] | None:
            return None

        async def take(self, _: list[Any], checkpoint: Any = None, **__: Any) -> None:
            marks.append(checkpoint)

    source = MesherySource(parse_source("meshery+http://127.0.0.1:1", {}))
    await source.resync(Server(), Hub())  # type: ignore[arg-type]
    assert marks == [{"updated": "2026-11-30T10:00:00Z"}]
