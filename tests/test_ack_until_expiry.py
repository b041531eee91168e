"""A timed ack expires on the hub: an `unack` by `notifycenter` that every client sees."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import websockets
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from notifycenter.hub.expiry import (
    MAX_SLEEP_SECONDS,
    RETRY_SECONDS,
    AckExpiry,
    ExpiryWatch,
    expire_due,
    seconds_until,
)
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.lifecycle import Status, Verb, format_time, parse_time
from notifycenter.store import EventStore
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import BATCH, make_event, post_batch
from tests.waiting import async_wait_until, wait_until

SUB = [Subprotocol("cloudevents.json")]
TOKENS = {
    "alice-secret": ("alice", "operator"),
    "bob-secret": ("bob", "viewer"),
    "pat-secret": ("pat", "producer"),
}
ALICE = {"authorization": "Bearer alice-secret"}


def _soon(seconds: float) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=seconds))


async def test_an_expired_ack_reaches_another_client_as_an_unack_by_the_hub(
    hub_factory: HubFactory,
) -> None:
    hub = hub_factory(tokens=TOKENS)
    async with websockets.connect(
        f"{hub.ws_url}/api/stream",
        subprotocols=SUB,
        additional_headers={"authorization": "Bearer bob-secret"},
    ) as bob:
        async with httpclient.async_client(base_url=hub.url, headers=ALICE) as alice:
            posted = await alice.post(
                "/api/events",
                json=[make_event(1)],
                headers={"content-type": BATCH, "authorization": "Bearer pat-secret"},
            )
            until = _soon(1.0)
            acked = await alice.post(
                "/api/lifecycle/ack", json={"refs": posted.json()["cursors"], "until": until}
            )
            assert acked.status_code == 200, acked.text
        # Nothing is asked of the hub meanwhile: the unack comes by itself.
        received = [json.loads(await asyncio.wait_for(bob.recv(), 15)) for _ in range(3)]
    notification, ack, unack = received
    assert ack["type"] == "io.meshery.notification.ack"
    assert unack["type"] == "io.meshery.notification.unack"
    assert unack["data"]["actor"] == "notifycenter" and unack["data"]["comment"] == "ack expired"
    assert unack["data"]["until"] == until
    assert parse_time(unack["time"]) >= parse_time(until)

    # Bob's notification center holds the same: its clock (an hour early) lapses nothing.
    early = parse_time(until) - timedelta(hours=1)
    store = EventStore(clock=lambda: early)
    store.add(received)
    row = store.find(notification["cursor"])
    assert row is not None and store.row(row).status is Status.READ
    assert [(c.verb, c.actor) for c in store.history(row)] == [
        (Verb.ACK, "alice"),
        (Verb.UNACK, "notifycenter"),
    ]

    record = httpclient.get(f"{hub.url}/api/events/evt-1", headers=ALICE).json()
    assert record["status"] == "read" and record["acknowledged_by"] is None
    assert [h["data"]["actor"] for h in record["history"]] == ["alice", "notifycenter"]


def test_acks_that_lapsed_while_the_hub_was_down_are_unacked_at_start(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    data = tmp_path / "hub"
    hub = hub_factory(data_dir=data)
    cursors = post_batch(hub.url, [make_event(1), make_event(2)]).json()["cursors"]
    short, long = _soon(1.0), _soon(3600)
    for cursor, until in zip(cursors, (short, long), strict=True):
        answer = httpclient.post(
            f"{hub.url}/api/lifecycle/ack", json={"refs": [cursor], "until": until}
        )
        assert answer.status_code == 200
    hub.stop()
    wait_until(lambda: datetime.now(UTC) > parse_time(short), 10, "the short ack to lapse")

    hub = hub_factory(data_dir=data)

    def history(ref: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = httpclient.get(f"{hub.url}/api/events/{ref}").json()[
            "history"
        ]
        return items

    wait_until(lambda: len(history("evt-1")) == 2, 10, "the lapsed ack's unack")
    assert history("evt-1")[-1]["data"]["comment"] == "ack expired"
    with connect(f"{hub.ws_url}/api/stream?since=0", subprotocols=SUB) as replay:
        streamed = [json.loads(replay.recv(timeout=10)) for _ in range(5)]
    unacks = [e for e in streamed if e["type"] == "io.meshery.notification.unack"]
    assert [(e["subject"], e["data"]["actor"]) for e in unacks] == [
        ("urn:meshery:adapter:istio#evt-1", "notifycenter")
    ]
    # The ack still running is left alone, and the lapsed one is recorded once.
    assert [h["type"].rsplit(".", 1)[1] for h in history("evt-2")] == ["ack"]
    assert httpclient.get(f"{hub.url}/api/events/evt-2").json()["status"] == "acknowledged"
    hub.stop()
    hub = hub_factory(data_dir=data)
    assert len(history("evt-1")) == 2


async def test_expiry_is_recorded_once_however_many_run_it(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    await log.open()
    try:
        event = {**make_event(1), "time": format_time(datetime.now(UTC))}
        await log.append([event])
        past = format_time(datetime.now(UTC) - timedelta(seconds=1))
        request = LifecycleRequest(Verb.ACK, "alice", refs=("1",), until=past)
        await log.write(lambda txn: apply_request(txn, request, "urn:hub"))
        # Two writers (tasks, or replicas sharing the log) see the same expired ack.
        first, second = await asyncio.gather(
            log.write(lambda txn: expire_due(txn, "urn:hub")),
            log.write(lambda txn: expire_due(txn, "urn:hub")),
        )
        assert len(first) + len(second) == 1
        assert await log.write(lambda txn: expire_due(txn, "urn:hub")) == []
    finally:
        await log.close()


def test_the_task_sleeps_until_the_next_expiry_and_never_spins() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert seconds_until(format_time(now + timedelta(seconds=5)), now) == 5.005
    assert seconds_until(None, now) == MAX_SLEEP_SECONDS  # nothing to wait for
    assert seconds_until(format_time(now + timedelta(days=3)), now) == MAX_SLEEP_SECONDS
    # Something due that was not recorded (the log failed): retry, not a busy loop.
    assert seconds_until(format_time(now - timedelta(seconds=5)), now) == RETRY_SECONDS


class _FailingLog:
    """A log whose writes fail until told otherwise: the disk is full."""

    def __init__(self) -> None:
        self.attempts = 0
        self.failing = True

    async def write(self, job: object) -> tuple[list[str], str | None]:
        self.attempts += 1
        if self.failing:
            raise OSError(28, "No space left on device")
        return [], None


async def test_a_failing_log_is_reported_and_retried_until_it_recovers() -> None:
    failing = _FailingLog()
    health = HealthBoard()
    expiry = AckExpiry(failing, "urn:hub", health, ExpiryWatch())  # type: ignore[arg-type]
    expiry.start()
    try:
        await async_wait_until(lambda: failing.attempts >= 2, 10, "a retry")
        assert health.faults["ack-expiry"].spec.code == "notifycenter-2083"
        failing.failing = False
        await async_wait_until(lambda: "ack-expiry" not in health.faults, 10, "the recovery")
    finally:
        await expiry.stop()
