"""The NATS source against the real nats-server: core NATS, JetStream across a hub restart,
messages that are not CloudEvents, credentials, the binding's two content modes, a flood
the hub cannot keep up with, and a server that is not there."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import nats
import orjson
import pytest

from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from notifycenter.model.errors import NotifyError
from notifycenter.sources import nats as nats_source
from notifycenter.sources import runner
from notifycenter.sources.nats import NatsSource, message_events
from notifycenter.sources.runner import SourceConfig, parse_source
from tests import httpclient
from tests.hubprocess import free_port
from tests.natsserver import NatsServer

T = TypeVar("T")
TIMEOUT = 30.0
SOURCE = "urn:test:nats"


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


def structured(event_id: str, **extra: Any) -> bytes:
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": "io.example.job.done",
        "data": {"summary": f"job {event_id}"},
        **extra,
    }
    return orjson.dumps(event)


def hub_settings(tmp_path: Path, url: str, **settings: Any) -> HubSettings:
    return HubSettings(
        data_dir=tmp_path / "hub", bind="127.0.0.1:0", sources=[parse_source(url, settings)]
    )


async def stored_ids(client: httpx.AsyncClient) -> list[str]:
    page = (await client.get("/api/events", params={"source": SOURCE, "limit": 1000})).json()
    assert page["next"] is None
    return [item["event"]["id"] for item in page["items"]]


async def source_view(client: httpx.AsyncClient) -> dict[str, Any]:
    sources = (await client.get("/api/sources")).json()["sources"]
    assert len(sources) == 1
    view: dict[str, Any] = sources[0]
    return view


async def following(client: httpx.AsyncClient) -> bool:
    return bool((await source_view(client))["state"] == "following")


async def has(client: httpx.AsyncClient, count: int) -> bool:
    ids = await stored_ids(client)
    assert len(ids) <= count, f"{len(ids)} events stored, {count} expected"
    return len(ids) == count


async def test_core_nats_binary_and_structured_events_reach_the_hub(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "nats") as server:
        hub: EmbeddedHub = await start_embedded(
            hub_settings(tmp_path, f"{server.url}?subject=cluster.>")
        )
        publisher = await nats.connect(server.url)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: following(client), "the source to follow")
                headers = {
                    "ce-specversion": "1.0",
                    "ce-id": "b-1",
                    "ce-source": SOURCE,
                    "ce-type": "io.example.job.failed",
                    "ce-severitytext": "ERROR",
                    "ce-subject": "Euro%20%E2%82%AC",  # percent-encoded, as the binding says
                    "content-type": "application/json",
                }
                await publisher.publish("cluster.a", b'{"summary": "disk full"}', headers=headers)
                await publisher.publish(
                    "cluster.b",
                    structured("s-1"),
                    headers={"content-type": "application/cloudevents+json"},
                )
                await publisher.publish("cluster.c", structured("s-2"))  # no headers at all
                await publisher.publish("elsewhere", structured("not-subscribed"))
                await publisher.flush()
                await eventually(lambda: has(client, 3), "three events")
                binary = (await client.get(f"/api/events/{quote(SOURCE + '#b-1', safe='')}")).json()
                view = await source_view(client)
        finally:
            await publisher.close()
            await hub.stop()
    event = binary["event"]
    assert event["type"] == "io.example.job.failed"
    assert event["subject"] == "Euro €"
    assert event["severitytext"] == "ERROR"
    assert event["data"] == {"summary": "disk full"}
    assert view["events_taken"] == 3
    assert view["kind"] == "nats"
    assert view["error"] is None


async def test_jetstream_delivers_what_was_published_while_the_hub_was_down_once(
    tmp_path: Path,
) -> None:
    with NatsServer(tmp_path / "nats") as server:
        admin = await nats.connect(server.url)
        js = admin.jetstream()
        await js.add_stream(name="JOBS", subjects=["jobs.>"])
        settings = hub_settings(tmp_path, f"{server.url}?subject=jobs.>&stream=JOBS&durable=hub")
        try:
            hub = await start_embedded(settings)
            try:
                async with httpclient.async_client(base_url=hub.url) as client:
                    await eventually(lambda: following(client), "the source to follow")
                    for index in range(3):
                        await js.publish("jobs.run", structured(f"before-{index}"))
                    await eventually(lambda: has(client, 3), "the events before the stop")
            finally:
                await hub.stop()
            for index in range(20):  # the hub is down: JetStream keeps them
                await js.publish("jobs.run", structured(f"down-{index}"))
            await js.publish("jobs.run", structured("before-1"))  # a producer's repeat
            hub = await start_embedded(settings)
            try:
                async with httpclient.async_client(base_url=hub.url) as client:
                    await eventually(lambda: has(client, 23), "the events of the downtime")
                    ids = await stored_ids(client)
                    view = await source_view(client)
            finally:
                await hub.stop()
            consumer = await js.consumer_info("JOBS", "hub")
        finally:
            await admin.close()
    expected = {f"before-{i}" for i in range(3)} | {f"down-{i}" for i in range(20)}
    assert sorted(ids) == sorted(expected)  # each exactly once
    assert view["events_taken"] == 20  # the repeat was a duplicate, not taken
    assert consumer.num_pending == 0
    assert consumer.num_ack_pending == 0  # every message acknowledged after its commit


async def test_bad_messages_are_catalogued_terminated_and_the_source_keeps_following(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="notifycenter.sources.nats")
    with NatsServer(tmp_path / "nats") as server:
        admin = await nats.connect(server.url)
        js = admin.jetstream()
        await js.add_stream(name="BAD", subjects=["bad.>"])
        hub = await start_embedded(
            hub_settings(tmp_path, f"{server.url}?subject=bad.>&stream=BAD&durable=hub")
        )
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: following(client), "the source to follow")
                await js.publish("bad.x", b"not json at all")
                await js.publish("bad.x", b"{}", headers={"ce-id": "no-source-or-type"})
                await js.publish(
                    "bad.x", structured("bad-type", type="io.meshery.notification.ack")
                )
                await js.publish("bad.x", structured("good-1"))
                await eventually(lambda: has(client, 1), "the valid event after the bad ones")
                await eventually(
                    lambda: _consumer_settled(js, "BAD", "hub"), "every message acked or terminated"
                )
                ids = await stored_ids(client)
                view = await source_view(client)
        finally:
            await hub.stop()
            await admin.close()
    assert ids == ["good-1"]
    assert view["state"] == "following"
    skipped = [r for r in caplog.records if "notifycenter-1984" in r.getMessage()]
    assert len(skipped) == 3, [r.getMessage() for r in caplog.records]
    assert "3 so far" in skipped[-1].getMessage()


async def _consumer_settled(js: Any, stream: str, durable: str) -> bool:
    info = await js.consumer_info(stream, durable)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def test_a_token_comes_from_the_settings_and_a_refused_one_is_shown_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NATS_TEST_TOKEN", "s3cret")
    token_file = tmp_path / "wrong.token"
    token_file.write_text("wrong\n")
    with NatsServer(tmp_path / "nats", token="s3cret") as server:
        good = parse_source(
            f"{server.url}?subject=ok.>", {"token-env": "NATS_TEST_TOKEN", "name": "good"}
        )
        bad = parse_source(f"{server.url}?subject=ok.>", {"token-file": str(token_file)})
        settings = HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0", sources=[good, bad])
        hub = await start_embedded(settings)
        publisher = await nats.connect(server.url, token="s3cret")
        try:
            async with httpclient.async_client(base_url=hub.url) as client:

                async def states() -> dict[str, Any] | None:
                    views = (await client.get("/api/sources")).json()["sources"]
                    by_name = {v["name"]: v for v in views}
                    done = by_name["good"]["state"] == "following" and by_name[bad.name]["error"]
                    return by_name if done else None

                views = await eventually(states, "one source following, one failing")
                await publisher.publish("ok.1", structured("with-token"))
                await eventually(lambda: has(client, 1), "the event through the token")
        finally:
            await publisher.close()
            await hub.stop()
    assert views is not None and views[bad.name]["error"]["code"] == "notifycenter-1982"
    assert "s3cret" not in orjson.dumps(views).decode()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("nats://user:pw@127.0.0.1:4222?subject=a", "notifycenter-1931"),
        ("nats://127.0.0.1:4222?subject=a&token=secret", "notifycenter-1980"),
        ("nats://127.0.0.1:4222", "notifycenter-1980"),
        ("nats://127.0.0.1:4222?subject=a&subject=b", "notifycenter-1980"),
        ("nats://127.0.0.1:4222?subject=a%20b", "notifycenter-1980"),
        ("nats://127.0.0.1:4222?subject=a&stream=S.1", "notifycenter-1980"),
        ("nats://127.0.0.1:4222?subject=a&queue=q", "notifycenter-1980"),
    ],
)
def test_bad_urls_are_refused_with_a_catalogued_code(url: str, code: str) -> None:
    with pytest.raises(NotifyError) as caught:
        NatsSource(parse_source(url))
    assert caught.value.code == code
    assert "secret" not in caught.value.message and "pw" not in caught.value.message


def test_a_missing_creds_file_is_refused() -> None:
    with pytest.raises(NotifyError) as caught:  # when the source is read, before the hub starts
        parse_source("nats://127.0.0.1:4222?subject=a", {"creds-file": "/nonexistent.creds"})
    assert caught.value.code == "notifycenter-1980"
    assert "/nonexistent.creds" in caught.value.message


def test_binary_mode_takes_ce_datacontenttype_and_case_insensitive_names() -> None:
    headers = {
        "CE-ID": "1",
        "Ce-Source": SOURCE,
        "ce-type": "io.example.t",
        "ce-specversion": "1.0",
        "ce-datacontenttype": "text/plain",
    }
    (event,) = message_events(headers, b"hello")
    assert event["datacontenttype"] == "text/plain"
    assert event["data"] == "hello"
    assert event["id"] == "1"


def test_invalid_utf8_in_a_header_is_refused() -> None:
    headers = {"ce-id": "%C0%A0", "ce-source": SOURCE, "ce-type": "t", "ce-specversion": "1.0"}
    with pytest.raises(NotifyError):
        message_events(headers, b"")


async def test_a_server_restart_shows_failing_then_the_source_follows_again(
    tmp_path: Path,
) -> None:
    with NatsServer(tmp_path / "nats") as server:
        settings = hub_settings(tmp_path, f"{server.url}?subject=core.>")
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: following(client), "the source to follow")
                server.stop()

                async def failing() -> dict[str, Any] | None:
                    view = await source_view(client)
                    return view if view["state"] == "failing" else None

                view = await eventually(failing, "the source to show the lost server")
                server.start()
                await eventually(lambda: following(client), "the source to follow again")
                publisher = await nats.connect(server.url)
                try:
                    await publisher.publish("core.x", structured("after-restart"))
                    await publisher.flush()
                    await eventually(lambda: has(client, 1), "the event after the restart")
                finally:
                    await publisher.close()
        finally:
            await hub.stop()
    assert view is not None and view["error"]["code"] == "notifycenter-1981"


async def test_a_missing_stream_is_a_catalogued_failure(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "nats") as server:
        hub = await start_embedded(
            hub_settings(tmp_path, f"{server.url}?subject=x.>&stream=NOPE&durable=hub")
        )
        try:
            async with httpclient.async_client(base_url=hub.url) as client:

                async def failing() -> dict[str, Any] | None:
                    view = await source_view(client)
                    return view if view["error"] else None

                view = await eventually(failing, "the source to fail")
        finally:
            await hub.stop()
    assert view is not None and view["state"] == "failing"
    assert view["error"]["code"] == "notifycenter-1983"
    assert "NOPE" in " ".join(view["error"]["longDescription"])


async def test_jetstream_messages_are_not_acknowledged_when_the_log_cannot_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_take = runner._Context.take
    failures = {"left": 1}

    async def failing_take(self: Any, *args: Any, **kwargs: Any) -> int:
        if failures["left"]:
            failures["left"] -= 1
            raise OSError("disk full")
        return await real_take(self, *args, **kwargs)

    monkeypatch.setattr(runner._Context, "take", failing_take)
    with NatsServer(tmp_path / "nats") as server:
        admin = await nats.connect(server.url)
        js = admin.jetstream()
        await js.add_stream(name="DISK", subjects=["disk.>"])
        hub = await start_embedded(
            hub_settings(tmp_path, f"{server.url}?subject=disk.>&stream=DISK&durable=hub")
        )
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: following(client), "the source to follow")
                await js.publish("disk.x", structured("kept"))

                async def failed() -> dict[str, Any] | None:
                    view = await source_view(client)
                    return view if view["error"] else None

                view = await eventually(failed, "the failed commit to show")
                await eventually(lambda: has(client, 1), "the event delivered again")
                await eventually(lambda: following(client), "the source to follow again")
        finally:
            await hub.stop()
            await admin.close()
    assert view is not None and view["error"]["code"] == "notifycenter-1985"


async def test_a_core_flood_is_counted_and_logged_now_and_then_not_per_dropped_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """nats-py reports each message it drops for a slow consumer; the hub's log must not."""
    published, interval = 50_000, 0.5
    monkeypatch.setattr(nats_source, "QUEUE", 50)  # the hub falls behind at once
    monkeypatch.setattr(nats_source, "DROP_REPORT_SECONDS", interval)
    caplog.set_level(logging.WARNING, logger="notifycenter.sources.nats")
    with NatsServer(tmp_path / "nats") as server:
        settings = hub_settings(tmp_path, f"{server.url}?subject=flood.>")
        sources: list[NatsSource] = []

        def kept(config: SourceConfig) -> NatsSource:
            sources.append(NatsSource(config))
            return sources[-1]

        monkeypatch.setitem(runner.KINDS, "nats", kept)
        hub = await start_embedded(settings)
        publisher = await nats.connect(server.url)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: following(client), "the source to follow")
                started = time.monotonic()
                for index in range(published):
                    await publisher.publish("flood.x", structured(f"flood-{index}"))
                await publisher.flush()

                async def accounted() -> int | None:  # each message stored or reported dropped
                    taken = int((await source_view(client))["events_taken"])
                    return taken if taken + sum(_reported_drops(caplog)) == published else None

                taken = await eventually(accounted, "every message stored or reported dropped")
                elapsed = time.monotonic() - started
                shown = (await source_view(client))["dropped"]  # notifycenter sources too
        finally:
            await publisher.close()
            await hub.stop()
    (source,) = sources
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "notifycenter.sources.nats" and r.levelno >= logging.WARNING
    ]
    drops = _reported_drops(caplog)
    assert drops and sum(drops) == source.dropped.total == shown == published - taken
    assert len(warnings) == len(drops) <= 1 + elapsed / interval, warnings
    assert f"{source.dropped.total} dropped since the hub started" in warnings[-1]
    assert len(source._recent_errors) <= nats_source.RECENT_ERRORS


def _reported_drops(caplog: pytest.LogCaptureFixture) -> list[int]:
    """The counts of the drop warnings logged so far, with the drops' catalogued code."""
    found = (
        re.search(r"^notifycenter-1986: .* dropped (\d+) messages", r.getMessage())
        for r in caplog.records
    )
    return [int(match[1]) for match in found if match]


async def test_an_unreachable_server_shows_failing_within_seconds(tmp_path: Path) -> None:
    nothing_listens = f"nats://127.0.0.1:{free_port()}?subject=x.>"
    hub = await start_embedded(hub_settings(tmp_path, nothing_listens))
    try:
        async with httpclient.async_client(base_url=hub.url) as client:

            async def failing() -> dict[str, Any] | None:
                view = await source_view(client)
                return view if view["state"] == "failing" else None

            view = await eventually(failing, "the source to show failing", timeout=15)
    finally:
        await hub.stop()
    assert view is not None and view["error"]["code"] == "notifycenter-1981"
    assert "ConnectionRefusedError" in " ".join(view["error"]["longDescription"])
