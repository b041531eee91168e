"""The delivery engine's parts: what a batch holds (filters, lifecycle, silences), the
rate window, backoff, and the HTTP binding's binary encoding."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import orjson
import pytest

from notifycenter.routing.http_sink import binary_message, retry_after
from notifycenter.routing.pacing import RateWindow, backoff
from notifycenter.routing.reader import Selection, read_batch
from notifycenter.routing.resource import matching_filter
from notifycenter.routing.silencing import never_silenced
from tests import httpclient
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver


def log_of(events: list[dict[str, Any]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, source, id, body BLOB)")
    for seq, event in enumerate(events, 1):
        event = {**event, "cursor": f"{seq:016d}"}
        conn.execute(
            "INSERT INTO log VALUES (?, ?, ?, ?)",
            (seq, event["source"], event["id"], orjson.dumps(event)),
        )
    return conn


def ev(ident: str, kind: str = "io.x.failed", **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": ident, "source": "urn:s", "type": kind, **extra}


def resolve(ident: str, target: str) -> dict[str, Any]:
    data = {"target": {"source": "urn:s", "id": target}, "actor": "alice"}
    return {**ev(ident, "io.meshery.notification.resolve"), "source": "urn:hub", "data": data}


def select(body: dict[str, Any], lifecycle: bool = False, silenced: Any = never_silenced):
    return Selection(matching_filter(body), lifecycle, silenced)


def test_a_batch_holds_matching_events_and_stops_before_the_next_one():
    conn = log_of([ev("a"), ev("b", "io.y"), ev("c"), ev("d")])
    batch = read_batch(conn, select({"types": ["io.x.failed"]}), 0, keep=2, count_all=False)
    assert [i.event["id"] for i in batch.items] == ["a", "c"]
    assert batch.upto == 3 and not batch.at_head  # d is left for the next batch
    rest = read_batch(conn, select({"types": ["io.x.failed"]}), batch.upto, 2, False)
    assert [i.event["id"] for i in rest.items] == ["d"] and rest.at_head


def test_counting_for_a_digest_reads_to_the_head():
    conn = log_of([ev(str(n)) for n in range(50)])
    batch = read_batch(conn, select({}), 0, keep=3, count_all=True)
    assert len(batch.items) == 3 and batch.matched == 50 and batch.upto == 50


def test_lifecycle_events_follow_their_notification_when_asked():
    conn = log_of([ev("err"), ev("other", "io.y"), resolve("r1", "err"), resolve("r2", "other")])
    body = {"types": ["io.x.failed"]}
    plain = read_batch(conn, select(body), 0, 10, False)
    assert [i.event["id"] for i in plain.items] == ["err"]
    with_lifecycle = read_batch(conn, select(body, lifecycle=True), 0, 10, False)
    assert [i.event["id"] for i in with_lifecycle.items] == ["err", "r1"]
    assert with_lifecycle.items[1].target is not None
    assert with_lifecycle.items[1].target["id"] == "err"


def test_silenced_events_are_passed_over():
    conn = log_of([ev("a", silence="s1"), ev("b")])
    quiet = read_batch(conn, select({}, silenced=lambda c, s, e: "silence" in e), 0, 10, False)
    assert [i.event["id"] for i in quiet.items] == ["b"] and quiet.upto == 2


def test_the_rate_window_frees_a_message_a_minute_after_it_went():
    now = [0.0]
    window = RateWindow(3, clock=lambda: now[0])
    assert window.allowance() == 3
    window.sent(1000)  # a digest past the limit fills the window, no more
    assert window.allowance() == 0 and window.wait() == pytest.approx(60)
    now[0] = 60.5
    assert window.allowance() == 3 and window.wait() == 0
    assert RateWindow(None).allowance() is None


def test_backoff_doubles_to_its_cap_and_retry_after_wins():
    assert 0.8 <= backoff(1, 1, 300) <= 1.2
    assert 6.4 <= backoff(4, 1, 300) <= 9.6
    assert backoff(40, 1, 300) <= 300
    assert backoff(3, 1, 300, retry_after=42) == 42
    assert retry_after("120") == 120 and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date in the past
    assert retry_after("999999") == 3600


def test_binary_mode_percent_encodes_and_keeps_data():
    body, headers = binary_message(
        {"specversion": "1.0", "id": "1", "source": "urn:s", "type": "t",
         "subject": 'a "b" 100% ü\n', "severitynumber": 17, "data": {"k": "v"}}
    )  # fmt: skip
    assert headers["ce-subject"] == "a%20%22b%22%20100%25%20%C3%BC%0A"
    assert headers["ce-severitynumber"] == "17"
    assert headers["Content-Type"] == "application/json"
    assert orjson.loads(body) == {"k": "v"}
    raw, raw_headers = binary_message(
        {"specversion": "1.0", "id": "2", "source": "s", "type": "t", "data_base64": "AAE="}
    )
    assert raw == b"\x00\x01" and "Content-Type" not in raw_headers


def test_silenced_events_reach_no_sink(hub):
    receiver = Receiver().start()
    try:
        made = httpclient.post(
            f"{hub.url}/api/subscriptions", json={"sink": receiver.url, "protocol": "HTTP"}
        )
        assert made.status_code == 201, made.text
        quiet = httpclient.post(
            f"{hub.url}/api/silences", json={"filter": "type = 'io.quiet'", "duration": "1h"}
        )
        assert quiet.status_code == 201, quiet.text
        events = [ev("q1", "io.quiet"), ev("loud", "io.loud")]
        posted = httpclient.post(
            f"{hub.url}/api/events",
            content=orjson.dumps(events),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert posted.status_code == 202
        got = wait_until(receiver.events)
        assert [e["id"] for e in got] == ["loud"]
    finally:
        receiver.stop()


async def test_adding_subscriptions_to_a_long_log_replays_nothing(tmp_path):
    from notifycenter.hub.sqlite_log import SqliteLog
    from notifycenter.hub.subscriptions_routes import SubscriptionsProjection

    class Counting(SubscriptionsProjection):
        applied = 0

        def apply(self, conn: Any, entries: Any) -> None:
            Counting.applied += len(entries)

    path = tmp_path / "log.db"
    first = SqliteLog(path)
    await first.open()
    await first.append([ev(str(n)) for n in range(20)])
    await first.close()
    second = SqliteLog(path, [Counting()])
    await second.open()
    try:
        await second.append([ev("new")])
        assert Counting.applied == 1  # the new event only: the 20 before were not replayed
    finally:
        await second.close()


class _SlowLog:
    """A log whose reads can be held back, to order two reconciles' reads."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, source, id, body BLOB)")
        from notifycenter.routing import store

        self.conn.executescript(store.SCHEMA)
        self.hold: asyncio.Event | None = None
        self.on_commit = None
        self.last_seq = 0

    async def read(self, fn: Any) -> Any:
        value = fn(self.conn)  # the snapshot is taken now...
        if self.hold is not None:
            hold, self.hold = self.hold, None
            await hold.wait()  # ...and handed back later
        return value


async def test_an_older_reconcile_never_undoes_a_newer_one():
    from types import SimpleNamespace

    from notifycenter.routing import store
    from notifycenter.routing.engine import DeliveryEngine

    slow = _SlowLog()
    from pathlib import Path

    from notifycenter.hub.settings import HubSettings

    settings = HubSettings(data_dir=Path("unused"), bind="127.0.0.1:9")
    engine = DeliveryEngine(SimpleNamespace(log=slow, settings=settings))  # type: ignore[arg-type]
    held = slow.hold = asyncio.Event()
    older = asyncio.create_task(engine.reconcile())  # its read sees no subscription yet
    await asyncio.sleep(0.05)
    spec = {"sink": "http://127.0.0.1:9/", "protocol": "HTTP", "protocolsettings": {}}
    store.insert(slow.conn, "x", "alice", spec, None, "now")  # then one is created
    newer = asyncio.create_task(engine.reconcile())
    await asyncio.sleep(0.05)
    held.set()  # the older read is answered last
    await asyncio.wait_for(asyncio.gather(older, newer), 5)
    try:
        assert list(engine.workers) == ["x"]
    finally:
        await engine.stop()
