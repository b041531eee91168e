"""POST /api/lifecycle/{verb}: single and bulk changes, their records and their history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import BATCH, make_event


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def client(hub_factory: HubFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpclient.async_client(base_url=hub_factory().url, timeout=10) as http:
        yield http


async def post(client: httpx.AsyncClient, events: list[dict]) -> list[str]:
    response = await client.post("/api/events", json=events, headers={"content-type": BATCH})
    assert response.status_code == 202, response.text
    return response.json()["cursors"]


async def change(client: httpx.AsyncClient, verb: str, **body: object) -> httpx.Response:
    return await client.post(f"/api/lifecycle/{verb}", json=body)


async def record(client: httpx.AsyncClient, ref: str) -> dict:
    response = await client.get(f"/api/events/{quote(ref, safe='')}")
    assert response.status_code == 200, response.text
    return response.json()


async def cursors(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/api/events", params=params)
    assert response.status_code == 200, response.text
    return [item["cursor"] for item in response.json()["items"]]


async def test_ack_with_comment_and_duration_is_recorded_with_history(client) -> None:
    (cursor,) = await post(client, [make_event(1)])
    acked = await change(client, "ack", refs=[cursor], comment="on it", until="2h")
    assert acked.status_code == 200
    assert acked.json() == {"changed": 1, "cursors": [f"{int(cursor) + 1:016d}"], "unchanged": 0}

    item = await record(client, "urn:meshery:adapter:istio#evt-1")
    assert item["status"] == "acknowledged" and item["read"] is True
    assert (item["acknowledged_by"], item["comment"]) == ("anonymous", "on it")
    until = datetime.fromisoformat(item["until"].replace("Z", "+00:00"))
    assert timedelta(hours=1, minutes=59) < until - datetime.now(UTC) <= timedelta(hours=2)
    (entry,) = item["history"]
    assert (
        entry["type"] == "io.meshery.notification.ack"
        and entry["cursor"] == acked.json()["cursors"][0]
    )
    assert entry["data"]["actor"] == "anonymous" and entry["data"]["comment"] == "on it"


async def test_a_lapsed_ack_no_longer_counts(client) -> None:
    lapsed, current = await post(client, [make_event(1), make_event(2)])
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert (await change(client, "ack", refs=[lapsed], until=past)).json()["changed"] == 1
    assert (await change(client, "ack", refs=[current])).json()["changed"] == 1

    item = await record(client, lapsed)
    assert item["status"] == "read" and item["acknowledged_by"] is None
    assert await cursors(client, status="acknowledged") == [current]
    assert await cursors(client, status="unacked") == [lapsed]
    summary = (await client.get("/api/summary")).json()["buckets"]["errors"]
    assert summary == {"total": 2, "unacknowledged": 1, "unread": 0, "open": 2, "silenced": 0}


async def test_resolve_reopen_archive_and_read_unread(client) -> None:
    a, b, c = await post(client, [make_event(1), make_event(2), make_event(3)])
    await change(client, "resolve", refs=[a])
    await change(client, "archive", refs=[b])
    assert (await record(client, a))["status"] == "resolved"
    assert await cursors(client) == [c, a]  # archived only when asked for
    assert await cursors(client, status="archived") == [b]
    assert await cursors(client, status="open") == [c]
    await change(client, "reopen", refs=[a, b])
    assert await cursors(client, status="open") == [c, b, a]
    assert (await change(client, "read", refs=[c])).json()["changed"] == 1
    again = await change(client, "read", refs=[c])
    assert again.json() == {"changed": 0, "cursors": [], "unchanged": 1}
    assert await cursors(client, status="read") == [c, a]  # archiving does not read
    await change(client, "unread", refs=[c])
    assert await cursors(client, status="unread") == [c, b]
    summary = (await client.get("/api/summary")).json()
    assert summary["buckets"]["errors"] == {
        "total": 3,
        "unacknowledged": 3,
        "unread": 2,
        "open": 3,
        "silenced": 0,
    }


async def test_bulk_by_filter_changes_only_matching_notifications_and_skips_audit(client) -> None:
    await post(
        client,
        [
            make_event(1),
            make_event(2, severitytext="warn"),
            make_event(3, severitytext="debug"),
            make_event(4, category="audit"),
        ],
    )
    by_filter = await change(client, "ack", filter={"bucket": "errors"}, comment="bulk")
    assert by_filter.json()["changed"] == 1
    audit = await change(client, "ack", filter={"bucket": "audit"})
    assert audit.json() == {"changed": 0, "cursors": [], "unchanged": 2}
    cesql = await change(client, "resolve", filter={"filter": "severitynumber >= 13"})
    assert cesql.json()["changed"] == 2
    assert await cursors(client, status="resolved", severity="warning") == [
        "0000000000000002",
        "0000000000000001",
    ]


async def test_unknown_ref_changes_nothing_and_bad_requests_are_refused(client) -> None:
    (cursor,) = await post(client, [make_event(1)])
    missing = await change(client, "ack", refs=[cursor, "urn:nowhere#nothing"])
    assert (missing.status_code, missing.json()["code"]) == (404, "notifycenter-1107")
    assert (await record(client, cursor))["status"] == "unread"
    assert (await client.get("/healthz")).json()["last_cursor"] == cursor

    bad_verb = await change(client, "snooze", refs=[cursor])
    assert (bad_verb.status_code, bad_verb.json()["code"]) == (404, "notifycenter-1116")
    for body in (
        {},
        {"refs": [cursor], "filter": {}},
        {"refs": "x"},
        {"refs": [cursor], "until": "soon"},
    ):
        response = await change(client, "ack", **body)
        assert (response.status_code, response.json()["code"]) == (400, "notifycenter-1110"), body


async def test_refs_by_bare_id_and_ambiguity(client) -> None:
    await post(client, [make_event(1), make_event(2), make_event(2, source="urn:other")])
    assert (await record(client, "evt-1"))["event"]["id"] == "evt-1"
    ambiguous = await client.get("/api/events/evt-2")
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (409, "notifycenter-1108")
    assert (await client.get("/api/events/0000000000000099")).status_code == 404


@pytest.mark.parametrize("verb", ["read", "unread", "ack", "unack", "resolve", "reopen", "archive"])
async def test_every_verb_keeps_its_comment_in_the_history(client, verb) -> None:
    (cursor,) = await post(client, [make_event(1)])
    if verb in ("unread", "unack", "reopen"):  # these change only a notification that was changed
        undone = {"unread": "read", "unack": "ack", "reopen": "resolve"}[verb]
        assert (await change(client, undone, refs=[cursor])).json()["changed"] == 1
    changed = await change(client, verb, refs=[cursor], comment=f"{verb}: fixed")
    assert changed.json()["changed"] == 1, changed.text

    item = await record(client, cursor)
    assert item["history"][-1]["data"]["comment"] == f"{verb}: fixed"
    assert item["history"][-1]["type"] == f"io.meshery.notification.{verb}"
    # The record's own `comment` belongs to the standing ack.
    assert item["comment"] == ("ack: fixed" if verb == "ack" else None)
