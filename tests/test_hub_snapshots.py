"""The hub keeps a snapshot of its backlog and sends it whole (`GET /api/snapshot`).

What a client loads from it must be what the same client builds from the pages: the same
rows with the same statuses, the same counts. A later snapshot goes on from the previous
one and takes in what came since, lifecycle of old events included. On SQLite and on
PostgreSQL. Until the log holds enough events there is none (a catalogued 404), a token
that may not read gets none, and a build that fails is logged with its code while the
hub goes on serving.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from notifycenter.client import HubClient
from notifycenter.hub.snapshot_build import Job, build
from notifycenter.hub.snapshots import THROUGH_HEADER
from notifycenter.store import EventStore
from notifycenter.store.snapshot import read_snapshot
from tests import httpclient as http
from tests.hubprocess import make_event, post_batch
from tests.waiting import wait_until

FAST = ["--snapshot-min-events", "20", "--snapshot-interval", "0.05"]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def events(first: int, count: int) -> list[dict[str, Any]]:
    """Notifications, a third of them repeats of one another (they fold), some warnings."""
    return [
        make_event(
            n,
            severitytext="WARNING" if n % 5 == 0 else "ERROR",
            data={"summary": f"disk {n % 3} full" if n % 3 == 0 else f"failure {n}"},
        )
        for n in range(first, first + count)
    ]


def snapshot_after(url: str, through: int = 0) -> tuple[EventStore, int]:
    """The first snapshot read through a position after `through`."""

    def newer() -> bytes | None:
        answer = http.get(url + "/api/snapshot")
        if answer.status_code == 200 and int(answer.headers[THROUGH_HEADER]) > through:
            return answer.content
        return None

    return read_snapshot(wait_until(newer, what="a newer snapshot"))


def from_pages(url: str) -> EventStore:
    """What a client without the snapshot builds: the silences, then pages newest first."""

    async def read() -> EventStore:
        store = EventStore()
        async with HubClient(url) as client:
            store.add_silences(await client.silences())
            before = None
            while True:
                page = await client.list(before=before, limit=100)
                store.add_records(page.items)
                if not page.next:
                    return store
                before = page.next

    return asyncio.run(read())


def shown(store: EventStore) -> tuple[Any, ...]:
    """What an operator sees, independent of row numbering: rows newest first, counts."""
    rows = [store.row(row) for row in range(len(store))]
    by_cursor = sorted(
        (r.cursor, r.summary, r.status, r.acked_by, r.count, r.severity) for r in rows
    )
    return tuple(by_cursor), store.counts(), store.event_count


def ack(url: str, *refs: str) -> None:
    answer = http.post(url + "/api/lifecycle/ack", json={"refs": list(refs), "comment": "on it"})
    assert answer.status_code == 200, answer.text


def test_the_snapshot_holds_what_the_pages_hold_and_follows_the_log(hub_factory: Any) -> None:
    hub = hub_factory(extra_args=FAST)
    assert post_batch(hub.url, events(1, 60)).status_code == 202
    ack(hub.url, "0000000000000007", "0000000000000002")
    store, through = snapshot_after(hub.url)
    assert through >= 62 and shown(store) == shown(from_pages(hub.url))

    assert post_batch(hub.url, events(61, 30)).status_code == 202
    ack(hub.url, "0000000000000010")  # an old event, acknowledged after the first snapshot
    later, later_through = snapshot_after(hub.url, through)
    assert later.event_count == 90 and later_through > through
    assert later.row(later.find(10) or 0).acked_by == "anonymous"
    assert shown(later) == shown(from_pages(hub.url))


@pytest.mark.parametrize("asked", ["bytes=5-1", "bytes=999999999-", "bytes=0-3", "lines=1-2"])
def test_a_range_gets_the_whole_snapshot(hub_factory: Any, asked: str) -> None:
    """A snapshot is read whole; a range it cannot serve got Starlette's plain-text 400 or
    416, which no client reads as the hub's error."""
    hub = hub_factory(extra_args=FAST)
    assert post_batch(hub.url, events(1, 30)).status_code == 202
    whole, _ = snapshot_after(hub.url)
    answer = http.get(hub.url + "/api/snapshot", headers={"Range": asked})
    assert answer.status_code == 200 and answer.headers["accept-ranges"] == "none"
    assert read_snapshot(answer.content)[0].event_count == whole.event_count == 30


def test_a_snapshot_of_another_version_is_never_sent(hub_factory: Any, tmp_path: Path) -> None:
    """After an upgrade across a format change the old file is not served: a new one is."""
    data = tmp_path / "hub"
    (data / "snapshots").mkdir(parents=True)
    (data / "snapshots" / "backlog-0000000000000099.snap").write_bytes(b"NCSNAP\x00\x00older")
    hub = hub_factory(data_dir=data, extra_args=FAST)
    post_batch(hub.url, events(1, 30))
    store, through = snapshot_after(hub.url)  # read_snapshot would refuse the old one
    assert store.event_count == 30 and through == 30


def test_no_snapshot_until_the_log_needs_one(hub_factory: Any) -> None:
    hub = hub_factory(extra_args=["--snapshot-min-events", "1000", "--snapshot-interval", "0.05"])
    post_batch(hub.url, events(1, 10))
    answer = http.get(hub.url + "/api/snapshot")
    assert answer.status_code == 404 and answer.json()["code"] == "notifycenter-1123"

    async def none() -> bytes | None:
        async with HubClient(hub.url) as client:
            return await client.snapshot()

    assert asyncio.run(none()) is None


def test_a_token_that_may_not_read_gets_no_snapshot(hub_factory: Any) -> None:
    hub = hub_factory(
        tokens={"producer-token": ("prod", "producer"), "viewer-token": ("vera", "viewer")},
        extra_args=FAST,
    )
    post_batch(hub.url, events(1, 30), authorization="Bearer producer-token")
    viewer = {"authorization": "Bearer viewer-token"}
    wait_until(lambda: http.get(hub.url + "/api/snapshot", headers=viewer).status_code == 200)
    producer = {"authorization": "Bearer producer-token"}
    refused = http.get(hub.url + "/api/snapshot", headers=producer)
    assert refused.status_code == 403
    assert http.get(hub.url + "/api/snapshot").status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_failing_build_is_logged_with_its_code_and_the_hub_goes_on(
    hub_factory: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    (data / "snapshots").write_text("a file where the directory belongs")
    with caplog.at_level(logging.WARNING, logger="notifycenter.hub"):
        hub = hub_factory(data_dir=data, extra_args=FAST)
        post_batch(hub.url, events(1, 30))
        wait_until(lambda: "notifycenter-1124" in caplog.text, what="the build's failure")
    assert http.get(hub.url + "/healthz").status_code == 200
    assert http.get(hub.url + "/api/snapshot").status_code == 404
    assert post_batch(hub.url, events(31, 1)).status_code == 202


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_build_starts_again_from_nothing_once_retention_pruned_what_it_holds(
    hub_factory: Any, tmp_path: Path, backend: str
) -> None:
    """Pruned events would stay in a snapshot that only ever grows."""
    import sqlite3

    hub = hub_factory(extra_args=["--no-snapshots"])
    post_batch(hub.url, events(1, 30))
    job = Job(directory=str(tmp_path / "snaps"), sqlite=str(hub.data_dir / "hub.sqlite3"))
    assert build(job)["full"] is True
    post_batch(hub.url, events(31, 5))
    assert build(job)["full"] is False and build(job)["events"] == 35
    with sqlite3.connect(hub.data_dir / "hub.sqlite3") as conn:  # what retention records
        conn.execute("INSERT OR REPLACE INTO retention (key, value) VALUES ('pruned_through', 3)")
    assert build(Job(**{**job.__dict__, "full_if_pruned": False}))["full"] is False
    assert build(job)["full"] is True
