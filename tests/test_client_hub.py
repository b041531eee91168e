"""HubClient against a real hub: the API, its errors, and a live stream that
survives a hub restart without a gap or a duplicate."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from notifycenter.client import ConnectionState, HubClient
from notifycenter.client.builder import build_event
from notifycenter.model.errors import NotifyError
from tests.hubprocess import Hub, free_port
from tests.hubthread import HubThread
from tests.waiting import async_wait_until as wait_for

SOURCE = "urn:meshery:adapter:clienttest"


def events(count: int, start: int = 0, **fields: object) -> list[dict]:
    return [
        build_event(type="io.meshery.test", source=SOURCE, summary=f"event {n}", **fields)
        for n in range(start, start + count)
    ]


async def test_emit_list_get_and_summary(hub: Hub) -> None:
    async with HubClient(hub.url) as client:
        batch = events(3, severity="error")
        answer = await client.emit_batch(batch)
        assert answer["accepted"] == 3 and len(answer["cursors"]) == 3
        again = await client.emit(batch[0])
        assert again["duplicates"] == 1 and again["cursors"][0] == answer["cursors"][0]
        page = await client.list(source=SOURCE, bucket=["errors"], limit=2)
        assert [r["event"]["id"] for r in page.items] == [batch[2]["id"], batch[1]["id"]]
        assert page.next is not None
        older = await client.list(source=SOURCE, before=page.next)
        assert [r["event"]["id"] for r in older.items] == [batch[0]["id"]]
        record = await client.get(f"{SOURCE}#{batch[1]['id']}")
        assert record["cursor"] == answer["cursors"][1] and record["history"] == []
        summary = await client.summary()
        assert summary["buckets"]["errors"]["total"] == 3


async def test_lifecycle_records_who_and_why(hub: Hub) -> None:
    async with HubClient(hub.url) as client:
        cursor = (await client.emit(events(1, severity="error")[0]))["cursors"][0]
        changed = await client.lifecycle("ack", refs=[cursor], comment="on it", until="2h")
        assert changed["changed"] == 1
        record = await client.get(cursor)
        assert record["status"] == "acknowledged" and record["comment"] == "on it"
        assert record["acknowledged_by"] == "anonymous"
        assert [e["type"] for e in record["history"]] == ["io.meshery.notification.ack"]


async def test_hub_errors_come_back_as_they_were_answered(hub: Hub) -> None:
    async with HubClient(hub.url) as client:
        with pytest.raises(NotifyError) as caught:
            await client.get("0000000000099999")
        assert caught.value.http_status == 404 and caught.value.code.startswith("notifycenter-")
        with pytest.raises(NotifyError) as caught:
            await client.emit_batch(
                [events(1)[0], {"specversion": "1.0", "type": "x", "source": "y"}]
            )
        assert caught.value.http_status == 400 and caught.value.extra.get("index") == 1
        assert (await client.list(source=SOURCE)).items == []  # the batch was atomic


async def test_an_unreachable_hub_is_a_catalogued_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with HubClient(url, timeout=2) as client:
        with pytest.raises(NotifyError) as caught:
            await client.summary()
    assert caught.value.code == "notifycenter-1207"
    assert url in caught.value.message and caught.value.suggested_remediation


async def test_subscribe_without_since_is_live_only(hub: Hub) -> None:
    async with HubClient(hub.url) as client:
        await client.emit_batch(events(2))
        received: list[dict] = []
        states: list[ConnectionState] = []

        async def consume() -> None:
            async for event in client.subscribe(source=SOURCE, on_state=states.append):
                received.append(event)

        task = asyncio.create_task(consume())
        await wait_for(lambda: states and states[-1].status == "live")
        later = events(2, start=2)
        await client.emit_batch(later)
        await wait_for(lambda: len(received) == 2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [e["id"] for e in received] == [e["id"] for e in later]
    assert states[-1].status == "closed"


async def test_subscribe_resumes_after_a_hub_restart_without_gap_or_duplicate(
    tmp_path: Path,
) -> None:
    hub = HubThread(tmp_path / "hub")
    await asyncio.to_thread(hub.start)
    try:
        async with HubClient(hub.url) as client:
            sent, received, states = [], [], []

            async def consume() -> None:
                async for event in client.subscribe(
                    since="0", source=SOURCE, lifecycle=False, on_state=states.append
                ):
                    received.append(event)

            task = asyncio.create_task(consume())
            sent += events(5)
            await client.emit_batch(sent)
            await wait_for(lambda: len(received) == 5)
            await asyncio.to_thread(hub.stop)
            await wait_for(lambda: states[-1].status == "reconnecting")
            await asyncio.to_thread(hub.start)
            more = events(5, start=5)
            await client.emit_batch(more)  # likely before the subscriber is back
            sent += more
            await wait_for(lambda: len(received) >= 10)
            marker = events(1, start=10)
            await client.emit_batch(marker)
            sent += marker
            # The stream is in log order: a duplicate of the first ten comes before this.
            await wait_for(lambda: received[-1]["id"] == marker[0]["id"])
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    finally:
        await asyncio.to_thread(hub.stop)
    assert [e["id"] for e in received] == [e["id"] for e in sent]
    cursors = [int(e["cursor"]) for e in received]
    assert cursors == sorted(set(cursors))
    statuses = [s.status for s in states]
    assert statuses[:2] == ["connecting", "live"]
    assert "reconnecting" in statuses and statuses[-2:] == ["live", "closed"]
    reconnecting = next(s for s in states if s.status == "reconnecting")
    assert reconnecting.attempt >= 1 and reconnecting.last_error
    assert reconnecting.last_cursor == received[4]["cursor"]


async def test_a_subscription_the_hub_refuses_raises_instead_of_retrying(hub: Hub) -> None:
    states: list[ConnectionState] = []
    async with HubClient(hub.url) as client:
        with pytest.raises(NotifyError) as caught:
            async with asyncio.timeout(20):
                async for _event in client.subscribe(
                    since="0", filter="source = ", on_state=states.append
                ):
                    pass
    assert caught.value.code == "notifycenter-1301"
    assert [s.status for s in states] == ["connecting", "closed"]
