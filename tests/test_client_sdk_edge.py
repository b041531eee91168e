"""The `cloudevents` SDK at the edge: its event objects go into HubClient and Emitter as
they are, and what the hub answers comes back as the SDK's CloudEvent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cloudevents.core.v1.event import CloudEvent as CoreCloudEvent
from cloudevents.v1.http import CloudEvent
from cloudevents.v1.pydantic import CloudEvent as PydanticCloudEvent

from notifycenter.client import Emitter, HubClient, as_cloudevent
from tests import httpclient
from tests.hubprocess import Hub

SOURCE = "urn:meshery:adapter:sdk"


def _http_event(event_id: str) -> CloudEvent:
    return CloudEvent(
        {
            "id": event_id,
            "source": SOURCE,
            "type": "io.meshery.sdk.test",
            "severitytext": "ERROR",
            "subject": "design-7",
        },
        {"summary": "Could not deploy design-7", "details": "timeout"},
    )


async def test_hub_client_takes_sdk_events_and_gives_them_back(hub: Hub) -> None:
    core = CoreCloudEvent(
        {
            "id": "core-1",
            "source": SOURCE,
            "type": "io.meshery.sdk.test",
            "specversion": "1.0",
            "time": datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC),
            "severitytext": "WARNING",
        },
        {"summary": "from the 2.x core event"},
    )
    pydantic = PydanticCloudEvent.create(
        {"id": "pyd-1", "source": SOURCE, "type": "io.meshery.sdk.test"}, {"summary": "pydantic"}
    )
    raw = CloudEvent(
        {"id": "raw-1", "source": SOURCE, "type": "io.meshery.sdk.raw"}, b"\x00\x01binary"
    )
    async with HubClient(hub.url) as client:
        answer = await client.emit(_http_event("http-1"))
        assert answer["accepted"] == 1
        answer = await client.emit_batch([core, pydantic, raw])
        assert answer["accepted"] == 3
        page = await client.list(source=SOURCE)
        by_id = {record["event"]["id"]: record for record in page.items}
        assert by_id["http-1"]["event"]["severitytext"] == "ERROR"
        assert by_id["core-1"]["event"]["time"] == "2026-11-29T12:00:00.000Z"
        assert by_id["core-1"]["bucket"] == "warnings"

        back = as_cloudevent(await client.get(f"{SOURCE}#http-1"))
        assert isinstance(back, CloudEvent)
        assert back["id"] == "http-1" and back["subject"] == "design-7"
        assert back["severitytext"] == "ERROR"
        assert back.get_data() == {"summary": "Could not deploy design-7", "details": "timeout"}
        assert back["cursor"] == by_id["http-1"]["cursor"]
        assert as_cloudevent(by_id["raw-1"]).get_data() == b"\x00\x01binary"


def test_emitter_takes_sdk_events(hub: Hub, tmp_path: Path) -> None:
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as emitter:
        emitter.emit(_http_event("emitted-1"))
        assert emitter.drain(10.0)
    items = httpclient.get(f"{hub.url}/api/events", params={"source": SOURCE}).json()["items"]
    assert [(r["event"]["id"], r["event"]["data"]["summary"]) for r in items] == [
        ("emitted-1", "Could not deploy design-7")
    ]
