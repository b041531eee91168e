"""Silences on the hub: `/api/silences`, the `silence` mark on stored and streamed events,
`silenced=` on the list, roles, validation, and durability across a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from notifycenter.model.lifecycle import format_time
from notifycenter.model.silences import SILENCE_CREATED
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import make_event, post_batch, post_structured
from tests.hubthread import HubThread

ISTIO = "urn:meshery:adapter:istio"
LINKERD = "urn:meshery:adapter:linkerd"
ISTIO_FILTER = f"source = '{ISTIO}'"


def create(url: str, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpclient.post(url + "/api/silences", json=body, headers=headers, timeout=10)


def listed(url: str, **params: str) -> list[dict[str, Any]]:
    answer = httpclient.get(url + "/api/events", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["event"]["id"] for item in items]


def test_a_silenced_event_is_stored_listed_marked_and_filterable(hub: HubThread) -> None:
    made = create(hub.url, {"filter": ISTIO_FILTER, "duration": "2h", "comment": "upgrade"})
    assert made.status_code == 201, made.text
    silence = made.json()
    assert silence["state"] == "active" and silence["author"] == "anonymous"
    assert silence["comment"] == "upgrade" and silence["cursor"] is not None

    assert post_batch(hub.url, [make_event(1), make_event(2, source=LINKERD)]).status_code == 202

    items = listed(hub.url)
    by_id = {item["event"]["id"]: item for item in items}
    assert by_id["evt-1"]["event"]["silence"] == silence["id"]
    assert by_id["evt-1"]["silenced"] is True
    assert "silence" not in by_id["evt-2"]["event"] and by_id["evt-2"]["silenced"] is False
    assert ids(listed(hub.url, silenced="true")) == ["evt-1"]
    assert ids(listed(hub.url, silenced="false")) == ["evt-2"]
    one = httpclient.get(f"{hub.url}/api/events/{ISTIO}%23evt-1", timeout=10).json()
    assert one["silenced"] is True


def test_expiring_a_silence_lets_its_events_count_as_open_again(hub: HubThread) -> None:
    silence = create(hub.url, {"filter": ISTIO_FILTER, "duration": "1h"}).json()
    post_structured(hub.url, make_event(1))
    assert ids(listed(hub.url, silenced="false", status="open")) == []

    gone = httpclient.client().delete(f"{hub.url}/api/silences/{silence['id'][:8]}", timeout=10)
    assert gone.status_code == 200, gone.text
    assert gone.json()["state"] == "expired" and gone.json()["expired_by"] == "anonymous"

    # Still marked (it arrived silenced), but no longer silenced: it is open again.
    post_structured(hub.url, make_event(2))
    items = listed(hub.url, silenced="false", status="open")
    assert ids(items) == ["evt-2", "evt-1"]
    assert items[1]["event"]["silence"] == silence["id"] and "silence" not in items[0]["event"]

    again = httpclient.post(f"{hub.url}/api/silences/{silence['id']}/expire", timeout=10)
    assert again.status_code == 409 and again.json()["code"] == "notifycenter-2054"
    assert httpclient.get(hub.url + "/api/silences", timeout=10).json()["items"] == []
    every = httpclient.get(hub.url + "/api/silences", params={"state": "all"}, timeout=10).json()
    assert [s["id"] for s in every["items"]] == [silence["id"]]


def test_a_pending_silence_silences_nothing_yet(hub: HubThread) -> None:
    starts = format_time(datetime.now(UTC) + timedelta(hours=1))
    made = create(hub.url, {"filter": ISTIO_FILTER, "starts": starts, "duration": "1h"})
    assert made.json()["state"] == "pending"
    post_structured(hub.url, make_event(1))
    assert "silence" not in listed(hub.url)[0]["event"]
    pending = httpclient.get(hub.url + "/api/silences", params={"state": "pending"}, timeout=10)
    assert [s["state"] for s in pending.json()["items"]] == ["pending"]


def test_a_producer_cannot_mark_its_events_silenced_nor_post_silence_events(
    hub: HubThread,
) -> None:
    post_structured(hub.url, make_event(1, silence="forged"))
    assert "silence" not in listed(hub.url)[0]["event"]
    forged = make_event(2, type=SILENCE_CREATED)
    refused = post_structured(hub.url, forged)
    assert refused.status_code == 400 and refused.json()["code"] == "notifycenter-1119"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"filter": "source = ", "duration": "2h"}, "notifycenter-2051"),
        ({"filter": "nosuchfn(source)", "duration": "2h"}, "notifycenter-2051"),
        ({"filter": ISTIO_FILTER}, "notifycenter-2050"),
        (
            {"filter": ISTIO_FILTER, "duration": "2h", "ends": "2030-01-01T00:00:00Z"},
            "notifycenter-2050",
        ),
        ({"filter": "", "duration": "2h"}, "notifycenter-2050"),
        ({"filter": ISTIO_FILTER, "duration": "2h", "owner": "me"}, "notifycenter-2050"),
        ({"filter": ISTIO_FILTER, "duration": "2 hours"}, "notifycenter-2052"),
        ({"filter": ISTIO_FILTER, "ends": "2020-01-01T00:00:00Z"}, "notifycenter-2052"),
        ({"filter": ISTIO_FILTER, "ends": "tomorrow"}, "notifycenter-2052"),
        ({"filter": ISTIO_FILTER, "duration": "400d"}, "notifycenter-2052"),
        ([ISTIO_FILTER], "notifycenter-2050"),
    ],
)
def test_a_refused_silence_changes_nothing(hub: HubThread, body: Any, code: str) -> None:
    before = httpclient.get(hub.url + "/healthz", timeout=10).json()["last_cursor"]
    refused = create(hub.url, body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == code
    assert httpclient.get(hub.url + "/healthz", timeout=10).json()["last_cursor"] == before
    every = httpclient.get(hub.url + "/api/silences", params={"state": "all"}, timeout=10)
    assert every.json()["items"] == []


def test_roles_viewers_list_operators_create_and_expire(hub_factory: HubFactory) -> None:
    hub = hub_factory(
        tokens={
            "viewer-token-1": ("vera", "viewer"),
            "operator-token-1": ("olga", "operator"),
            "producer-token-1": ("pat", "producer"),
        }
    )
    assert (
        create(hub.url, {"filter": ISTIO_FILTER, "duration": "1h"}, "viewer-token-1").status_code
        == 403
    )
    made = create(hub.url, {"filter": ISTIO_FILTER, "duration": "1h"}, "operator-token-1")
    assert made.status_code == 201 and made.json()["author"] == "olga"
    sid = made.json()["id"]
    for token, status in (("viewer-token-1", 200), ("producer-token-1", 403)):
        seen = httpclient.get(
            hub.url + "/api/silences", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert seen.status_code == status
    viewer = {"Authorization": "Bearer viewer-token-1"}
    assert (
        httpclient.client()
        .delete(f"{hub.url}/api/silences/{sid}", headers=viewer, timeout=10)
        .status_code
        == 403
    )
    assert httpclient.get(f"{hub.url}/api/silences/nope", headers=viewer, timeout=10).json()[
        "code"
    ] == ("notifycenter-2053")


def test_silences_survive_a_restart_and_still_silence(hub: HubThread) -> None:
    silence = create(hub.url, {"filter": ISTIO_FILTER, "duration": "1h"}).json()
    hub.stop()
    hub.start()
    assert (
        httpclient.get(f"{hub.url}/api/silences/{silence['id']}", timeout=10).json()["state"]
        == "active"
    )
    post_structured(hub.url, make_event(1))
    assert listed(hub.url)[0]["event"]["silence"] == silence["id"]


def test_stream_frames_carry_the_silence_and_its_creation(hub: HubThread) -> None:
    async def frames() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with connect(
            hub.ws_url + "/api/stream?since=0", subprotocols=["cloudevents.json"]
        ) as ws:  # type: ignore[list-item]
            async with asyncio.timeout(10):
                while len(got) < 2:
                    got.append(orjson.loads(await ws.recv()))
        return got

    silence = create(hub.url, {"filter": ISTIO_FILTER, "duration": "1h"}).json()
    post_structured(hub.url, make_event(1))
    created, event = asyncio.run(frames())
    assert created["type"] == SILENCE_CREATED and created["data"]["silence"]["id"] == silence["id"]
    assert event["id"] == "evt-1" and event["silence"] == silence["id"]
