"""`/api/summary` counts what a silence in force keeps quiet as `silenced`, not as open."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from notifycenter.client import HubClient
from notifycenter.hub.records import silenced_counts, summarise
from notifycenter.hub.silence_sql import SCHEMA
from notifycenter.model.lifecycle import format_time
from tests import httpclient
from tests.hubprocess import make_event, post_batch
from tests.hubthread import HubThread
from tests.waiting import wait_until

ISTIO = "urn:meshery:adapter:istio"
LINKERD = "urn:meshery:adapter:linkerd"


def errors(url: str) -> dict[str, int]:
    answer = httpclient.get(url + "/api/summary", timeout=10)
    assert answer.status_code == 200, answer.text
    counts: dict[str, int] = answer.json()["buckets"]["errors"]
    return counts


def silence(url: str, **body: Any) -> dict[str, Any]:
    made = httpclient.post(url + "/api/silences", json={"filter": f"source = '{ISTIO}'", **body})
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


def ack(url: str, ref: str) -> None:
    done = httpclient.post(url + "/api/lifecycle/ack", json={"refs": [ref]}, timeout=10)
    assert done.status_code == 200, done.text


def test_silenced_notifications_are_not_open_until_the_silence_is_expired(hub: HubThread) -> None:
    post_batch(hub.url, [make_event(1)])
    before = errors(hub.url)
    assert before == {"total": 1, "unacknowledged": 1, "unread": 1, "open": 1, "silenced": 0}

    made = silence(hub.url, duration="1h")
    events = [make_event(2), make_event(3), make_event(4, source=LINKERD)]
    assert post_batch(hub.url, events).status_code == 202
    ack(hub.url, f"{ISTIO}#evt-3")  # acknowledged, still open: silenced too
    assert errors(hub.url) == {
        "total": 4,
        "unacknowledged": 2,
        "unread": 2,
        "open": 2,
        "silenced": 2,
    }

    gone = httpclient.post(f"{hub.url}/api/silences/{made['id']}/expire", timeout=10)
    assert gone.status_code == 200, gone.text
    assert errors(hub.url) == {
        "total": 4,
        "unacknowledged": 3,
        "unread": 3,
        "open": 4,
        "silenced": 0,
    }


def test_the_counts_come_back_when_the_silence_ends_by_itself(hub: HubThread) -> None:
    ends = datetime.now(UTC) + timedelta(seconds=2)
    silence(hub.url, ends=format_time(ends))
    post_batch(hub.url, [make_event(1)])
    quiet = errors(hub.url)
    if datetime.now(UTC) < ends:  # a loaded machine may have taken the two seconds
        assert (quiet["open"], quiet["silenced"]) == (0, 1)
    wait_until(lambda: errors(hub.url)["open"] == 1, timeout=10, what="the end of the silence")
    assert errors(hub.url)["silenced"] == 0


def test_the_client_reads_the_silenced_counts(hub: HubThread) -> None:
    silence(hub.url, duration="1h")
    post_batch(hub.url, [make_event(1)])

    async def read() -> Any:
        async with HubClient(hub.url) as client:
            return await client.summary()

    summary = asyncio.run(read())
    assert summary["buckets"]["errors"]["silenced"] == 1


def test_the_definition_of_open_in_one_place() -> None:
    """What the incremental counts and a full count both pass through."""
    rows = [
        ("errors", "unread", 5),
        ("errors", "acknowledged", 2),
        ("errors", "resolved", 1),
        ("audit", "unread", 3),
    ]
    silenced = [("errors", "unread", 2), ("errors", "acknowledged", 1), ("errors", "resolved", 1)]
    counts = summarise(rows, silenced, 9)
    assert counts["buckets"]["errors"] == {
        "total": 8,
        "unacknowledged": 3,
        "unread": 3,
        "open": 4,
        "silenced": 3,  # a resolved one is not open, silenced or not
    }
    assert counts["buckets"]["audit"]["total"] == 3 and counts["buckets"]["audit"]["open"] == 0


def test_the_silenced_count_reads_the_marks_not_the_whole_index() -> None:
    """So that the summary stays cheap on a long log: its query plan starts from the
    silences in force, never with a scan of the event index."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        "CREATE TABLE idx (seq INTEGER PRIMARY KEY, lifecycle INTEGER, bucket TEXT, read INTEGER,"
        " acked_by TEXT, until TEXT, resolved_at TEXT, archived_at TEXT);"
        "CREATE INDEX idx_bucket ON idx(bucket);"
    )
    conn.executescript(SCHEMA)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    silenced_counts(conn, datetime.now(UTC))
    [query] = [text for text in statements if "silence_marks" in text]
    steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + query)]
    assert not any(step.startswith("SCAN i") for step in steps), steps
