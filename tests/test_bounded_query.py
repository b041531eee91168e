"""A list request scans for a bounded time, and says where it stopped so the client goes on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from notifycenter.catalogue.bounds import QUERY_CUT_OFF
from notifycenter.client import HubClient
from notifycenter.commands.events import fetch_records
from notifycenter.hub import query as hub_query
from tests import httpclient
from tests.conftest import HubFactory

BATCH = "application/cloudevents-batch+json"
EVENTS = 3000
RARE = {17, 1400, 2999}  # the events the filter matches, oldest to newest
# `subject` has no column: every event is read and checked in Python.
FILTER = "subject = 'rare'"


def _events() -> list[dict[str, Any]]:
    return [
        {
            "specversion": "1.0",
            "id": f"q{n}",
            "source": "urn:meshery:adapter:istio",
            "type": "io.meshery.test",
            "severitytext": "error",
            "subject": "rare" if n in RARE else "common",
            "data": {"summary": f"event {n}"},
        }
        for n in range(EVENTS)
    ]


@pytest.fixture
def filled(hub_factory: HubFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """A hub of 3,000 events whose list requests stop at the first look at the clock."""
    monkeypatch.setattr(hub_query, "SCAN_SECONDS", 0.0)
    hub = hub_factory()
    events = _events()
    with httpclient.sync_client(base_url=hub.url, timeout=30) as client:
        for start in range(0, EVENTS, 500):
            answer = client.post(
                "/api/events",
                content=httpx.Request("POST", "/", json=events[start : start + 500]).content,
                headers={"content-type": BATCH},
            )
            assert answer.status_code == 202, answer.text
    return hub.url


def test_a_scan_past_its_budget_answers_what_it_found_and_where_it_stopped(filled: str) -> None:
    with httpclient.sync_client(base_url=filled, timeout=30) as client:
        page = client.get("/api/events", params={"filter": FILTER}).json()
        assert page["cut_off"]["code"] == QUERY_CUT_OFF.code
        assert page["next"] in page["cut_off"]["longDescription"][0]
        found = [item["event"]["id"] for item in page["items"]]
        pages = 1
        while page["next"] is not None and pages < EVENTS:  # each page examines some events
            page = client.get("/api/events", params={"filter": FILTER, "before": page["next"]})
            page = page.json()
            found += [item["event"]["id"] for item in page["items"]]
            pages += 1
    assert found == [f"q{n}" for n in sorted(RARE, reverse=True)]  # all, once, newest first
    assert pages > 1
    assert "cut_off" not in page  # the last page reached the start of the log


def test_a_page_found_within_its_budget_has_no_cut_off(filled: str) -> None:
    with httpclient.sync_client(base_url=filled, timeout=30) as client:
        page = client.get("/api/events", params={"limit": 5}).json()
    assert "cut_off" not in page
    assert [item["event"]["id"] for item in page["items"]] == [
        f"q{n}" for n in range(2999, 2994, -1)
    ]


async def test_the_cli_follows_cut_off_pages_to_every_match(filled: str) -> None:
    async with HubClient(filled) as client:
        records, more = await fetch_records(client, 10, filter=FILTER)
    assert [r["event"]["id"] for r in records] == [f"q{n}" for n in sorted(RARE, reverse=True)]
    assert not more


def test_a_query_the_source_index_answers_is_never_cut_off(filled: str) -> None:
    """A source with few events is read through its index, whatever the time budget."""
    with httpclient.sync_client(base_url=filled, timeout=30) as client:
        page = client.get("/api/events", params={"source": "urn:meshery:nowhere"}).json()
    assert page == {"items": [], "next": None}
