"""The client checks the summary and health answers as their wire records: a hub (or
whatever answers in its place) that says something else is the catalogued "bad answer",
never a KeyError or a wrong count in the caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from notifycenter.catalogue.client import HUB_BAD_ANSWER
from notifycenter.catalogue.runtime import HUB_DEGRADED
from notifycenter.client.hub import HubClient
from notifycenter.model.errors import NotifyError

COUNTS = {"total": 3, "unacknowledged": 2, "unread": 1, "open": 2}
SUMMARY = {"buckets": {"errors": COUNTS}, "last_cursor": "0000000000000007"}
HEALTH = {"status": "ok", "last_cursor": "0000000000000007"}


def answering(status: int, body: Any) -> HubClient:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json=body))
    return HubClient("http://hub.test", transport=transport)


@pytest.mark.parametrize(
    "body",
    [
        {"last_cursor": "0000000000000007"},  # no buckets
        {**SUMMARY, "buckets": {"errors": {**COUNTS, "total": "3"}}},  # a count as text
        {**SUMMARY, "buckets": {"errors": {"total": 3}}},  # counts missing
        {**SUMMARY, "buckets": [COUNTS]},
        {"buckets": {}},  # no cursor to resume from
        {"error": "upstream timed out"},  # a proxy's JSON
    ],
)
async def test_a_summary_that_is_not_one_is_a_bad_answer(body: Any) -> None:
    async with answering(200, body) as client:
        with pytest.raises(NotifyError) as caught:
            await client.summary()
    assert caught.value.code == HUB_BAD_ANSWER.code
    assert "the summary" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        {"last_cursor": "0000000000000007"},  # no status
        {"status": True, "last_cursor": "0000000000000007"},
        {"status": "ok"},  # no cursor: a live subscription would not know where now is
        {"status": "ok", "last_cursor": "-1"},
        {"healthy": True},  # another service's health check
    ],
)
async def test_a_health_answer_that_is_not_one_is_a_bad_answer(body: Any) -> None:
    async with answering(200, body) as client:
        with pytest.raises(NotifyError) as caught:
            await client.health()
    assert caught.value.code == HUB_BAD_ANSWER.code
    assert "the health answer" in caught.value.message


async def test_the_checked_summary_and_health_are_returned_as_sent() -> None:
    async with answering(200, SUMMARY) as client:
        assert await client.summary() == SUMMARY
    async with answering(200, HEALTH) as client:
        assert await client.health() == HEALTH


async def test_a_degraded_hub_is_its_own_error_not_a_bad_answer() -> None:
    body = {
        **HUB_DEGRADED.error("writer failing").to_dict(),
        "status": "degraded",
        "last_cursor": "0000000000000007",
        "failing": [],
    }
    async with answering(503, body) as client:
        with pytest.raises(NotifyError) as caught:
            await client.health()
    assert caught.value.code == HUB_DEGRADED.code and caught.value.http_status == 503


@pytest.mark.parametrize(
    "body", [{"user": 5, "role": "admin"}, {"role": "admin"}, {"name": "alice"}, {}]
)
async def test_an_identity_that_is_not_one_is_a_bad_answer(body: Any) -> None:
    """`owner:me` would otherwise select another user's notifications, or nobody's."""
    async with answering(200, body) as client:
        with pytest.raises(NotifyError) as caught:
            await client.whoami()
    assert caught.value.code == HUB_BAD_ANSWER.code


async def test_the_checked_identity_names_the_user() -> None:
    async with answering(200, {"user": "alice", "role": "operator"}) as client:
        assert await client.whoami() == "alice"


RECORD = {
    "cursor": "0000000000000007",
    "event": {"specversion": "1.0", "id": "e1", "source": "s", "type": "t", "data": {"n": 1}},
    "bucket": "errors",
    "status": "unread",
    "read": False,
    "acknowledged_by": None,
    "acknowledged_at": None,
    "comment": None,
    "until": None,
    "resolved_by": None,
    "resolved_at": None,
    "archived_by": None,
    "archived_at": None,
}


def answering_bytes(status: int, content: bytes) -> HubClient:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, content=content))
    return HubClient("http://hub.test", transport=transport)


@pytest.mark.parametrize(
    "content",
    [
        b'{"items": [], "next": "07"',  # cut short
        b"\xff\xfe",  # not UTF-8
        b'{"items": [{"cursor": "1", "event": {"data": ' + b"[" * 5000 + b"]" * 5000 + b"}}]}",
        b'[{"items": []}]',  # JSON of another shape
        b'{"items": [{"cursor": "-7"}], "next": null}',  # a record with no cursor to resume from
        b'{"items": [], "next": 7}',  # a cursor as a number
    ],
)
async def test_a_page_that_is_not_one_is_a_bad_answer(content: bytes) -> None:
    """The backlog's pages are read straight from their bytes: anything but a page (or
    bytes that are not JSON at all, or JSON nested too deep to read) is a bad answer."""
    async with answering_bytes(200, content) as client:
        with pytest.raises(NotifyError) as caught:
            await client.list(limit=10)
    assert caught.value.code == HUB_BAD_ANSWER.code


async def test_the_checked_page_is_returned_as_sent_and_a_hub_error_stays_its_own() -> None:
    page = {"items": [RECORD, {**RECORD, "extra": 1}], "next": "0000000000000006"}
    async with answering(200, page) as client:
        got = await client.list(limit=2)
    assert got.items == [RECORD, RECORD]  # a newer hub's extra keys are left out
    assert got.next == "0000000000000006"
    async with answering(503, HUB_DEGRADED.error("writer stalled").to_dict()) as client:
        with pytest.raises(NotifyError) as caught:
            await client.list(limit=2)
    assert caught.value.code == HUB_DEGRADED.code
