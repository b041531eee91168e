"""What `GET /api/sources` tells of any kind of source: kind-neutral codes for a source that
stops or fails unexpectedly, and how many of the origin's messages were skipped; a bad
source URL refused when it is read, before the hub starts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from notifycenter.catalogue.client import HUB_BAD_ANSWER
from notifycenter.catalogue.meshery import INVALID_SOURCE_URL
from notifycenter.catalogue.sources_runner import SOURCE_STOPPED
from notifycenter.client.hub import HubClient
from notifycenter.hub.server import start_embedded
from notifycenter.hub.settings import HubSettings
from notifycenter.model.errors import NotifyError
from notifycenter.sources import runner
from notifycenter.sources.runner import SourceConfig, SourceContext, parse_source
from tests import httpclient
from tests.clirun import notifycenter
from tests.conftest import HubFactory
from tests.meshery_server import MesheryServer
from tests.test_source_meshery import eventually, settings_for
from tests.test_sources_hubthread import closed_port

VALID = {"specversion": "1.0", "id": "ok-1", "source": "urn:test", "type": "t.ok"}
INVALID = {"specversion": "1.0", "id": "bad-1", "type": "t.bad"}  # no source


class Ends:
    """A kind whose connection takes one valid and one invalid event, then just ends."""

    writeback_prefix: str | None = None

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    async def run(self, ctx: SourceContext) -> None:
        await ctx.take([VALID, INVALID])


class Breaks:
    """A kind with a defect: an exception its code never anticipated."""

    writeback_prefix: str | None = None

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    async def run(self, ctx: SourceContext) -> None:
        raise KeyError("surprise")


class Swallows:
    """A kind whose client library answers a cancel with an error of its own."""

    writeback_prefix: str | None = None
    following = asyncio.Event()

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    async def run(self, ctx: SourceContext) -> None:
        try:
            Swallows.following.set()
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise SOURCE_STOPPED.error("the connection was closed") from None


@pytest.fixture
def test_kinds() -> Iterator[None]:
    runner._load_kinds()
    runner.register_kind("ends", Ends)
    runner.register_kind("breaks", Breaks)
    runner.register_kind("swallows", Swallows)
    yield
    runner.KINDS.pop("ends")
    runner.KINDS.pop("breaks")
    runner.KINDS.pop("swallows")


async def _sources(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (await client.get("/api/sources")).json()["sources"]
    return listed


async def _failing(client: httpx.AsyncClient) -> list[dict[str, Any]] | None:
    sources = await _sources(client)
    return sources if all(s["state"] == "failing" for s in sources) else None


@pytest.mark.usefixtures("test_kinds")
async def test_failures_of_any_kind_carry_kind_neutral_codes_and_count_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "notifycenter.sources")
    settings = HubSettings(
        data_dir=tmp_path / "hub",
        bind="127.0.0.1:0",
        sources=[parse_source("ends://origin"), parse_source("breaks://origin")],
    )
    hub = await start_embedded(settings)
    try:
        async with httpclient.async_client(base_url=hub.url) as client:
            found = await eventually(lambda: _failing(client), "both sources failing")
        table = await asyncio.to_thread(notifycenter, "--server", hub.url, "sources")
    finally:
        await hub.stop()
    assert found is not None
    ends, breaks = found
    assert ends["error"]["code"] == "notifycenter-1940"  # not a Meshery code
    assert breaks["error"]["code"] == "notifycenter-1941"
    assert "KeyError" in " ".join(breaks["error"]["longDescription"])
    assert ends["events_taken"] >= 1 and ends["skipped"] >= 1 and breaks["skipped"] == 0
    skipped = [r.getMessage() for r in caplog.records if "bad-1" in r.getMessage()]
    assert skipped and all(m.startswith("notifycenter-1942") for m in skipped)
    assert "notifycenter-1937" not in caplog.text  # Meshery's own code stays Meshery's
    assert table.returncode == 0, table.stderr
    heading, *lines = table.stdout.splitlines()
    assert "SKIPPED" in heading and "notifycenter-1941" in table.stdout
    (ends_line,) = [line for line in lines if line.startswith("ends://")]
    assert int(ends_line.split()[4]) >= 1  # name, state, "never" (no contact), events, skipped
    assert "DROPPED" in heading and ends_line.split()[5] == "0"  # nothing lost before read


@pytest.mark.usefixtures("test_kinds")
async def test_the_hub_stops_while_a_source_turns_its_cancel_into_an_error(
    tmp_path: Path,
) -> None:
    Swallows.following = asyncio.Event()
    settings = HubSettings(
        data_dir=tmp_path / "hub", bind="127.0.0.1:0", sources=[parse_source("swallows://x")]
    )
    hub = await start_embedded(settings)
    await asyncio.wait_for(Swallows.following.wait(), 10)
    await asyncio.wait_for(hub.stop(), 10)  # retried after its error, it would never stop


async def test_a_meshery_event_without_an_id_is_counted_as_skipped(tmp_path: Path) -> None:
    with MesheryServer(keepalive=0.2) as meshery:
        meshery.add_event(publish=False, id="")
        meshery.add_event(publish=False)
        hub = await start_embedded(settings_for(tmp_path, meshery, resync=3600))
        try:
            async with httpclient.async_client(base_url=hub.url) as client:

                async def counted() -> dict[str, Any] | None:
                    (source,) = await _sources(client)
                    return source if source["events_taken"] == 1 else None

                source = await eventually(counted, "the backfill")
        finally:
            await hub.stop()
    assert source is not None and source["skipped"] == 1 and source["state"] == "following"


@pytest.mark.parametrize(
    ("url", "code", "named"),
    [
        ("nats://127.0.0.1:4222", "notifycenter-1980", "subject="),
        ("nats://127.0.0.1:4222?subject=a..b", "notifycenter-1980", "'a..b'"),
        ("nats://127.0.0.1:4222?subject=s&token=hunter2", "notifycenter-1980", "token"),
        ("meshery+http://m:9081?token=hunter2", "notifycenter-1930", "token"),
    ],
)
def test_a_bad_source_is_refused_at_parse_time_naming_the_part(
    url: str, code: str, named: str
) -> None:
    with pytest.raises(NotifyError) as caught:
        parse_source(url)
    assert caught.value.code == code
    assert named in caught.value.message and "hunter2" not in caught.value.message


def test_serve_refuses_a_nats_source_without_a_subject_before_starting() -> None:
    ran = notifycenter("serve", "--bind", "127.0.0.1:0", "--source", "nats://127.0.0.1:4222")
    assert ran.returncode == 1
    assert "notifycenter-1980" in ran.stderr and "subject=" in ran.stderr


def test_the_unknown_scheme_error_lists_every_kind() -> None:
    with pytest.raises(NotifyError) as caught:
        parse_source("kafka://broker:9092")
    assert "nats://" in caught.value.message and "meshery+http://" in caught.value.message
    assert "nats://" in INVALID_SOURCE_URL.long and "nats://" in INVALID_SOURCE_URL.remedies[0]


async def test_the_client_lists_the_sources_and_refuses_a_malformed_answer(
    hub_factory: HubFactory,
) -> None:
    url = f"meshery+http://127.0.0.1:{closed_port()}"
    hub = hub_factory(extra_args=["--source", url])
    async with HubClient(hub.url) as client:
        (source,) = await client.sources()
    assert source["url"] == url and source["skipped"] == 0
    odd = httpx.MockTransport(lambda request: httpx.Response(200, json={"sources": {"a": 1}}))
    async with HubClient("http://hub.test", transport=odd) as client:
        with pytest.raises(NotifyError) as caught:
            await client.sources()
    assert caught.value.code == HUB_BAD_ANSWER.code


def test_a_source_status_without_dropped_is_read() -> None:
    """An older hub, or a status an older replica recorded, has no `dropped`: the client
    refused the whole answer, so `notifycenter sources` failed."""
    from notifycenter.model import wire

    view = {
        "name": "m",
        "url": "meshery+http://h:9081",
        "kind": "meshery",
        "state": "following",
        "since": "2026-11-30T10:00:00.000Z",
        "last_contact": None,
        "events_taken": 3,
        "skipped": 0,
        "error": None,
    }
    assert wire.validate(wire.Sources, {"sources": [view]})["sources"][0]["events_taken"] == 3
