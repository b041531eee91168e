"""Durable delivery: a sink down then back gets everything (a digest past the rate
limit), a failing subscription shows it (API, /metrics) and keeps its place, a restart
and a kill -9 of the hub resume where delivery stopped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import httpclient
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver

FAST = {"maxfailures": 2, "backoffmin": 0.05, "backoffmax": 0.2}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def post(url: str, ids: list[str], timeout: float = 10, severity: str = "ERROR") -> list[str]:
    """Post one event per id; their cursors."""
    events = [
        {
            "specversion": "1.0",
            "id": i,
            "source": "urn:test:flood",
            "type": "io.x.failed",
            "severitytext": severity,
            "data": {"summary": f"failure {i}"},
        }
        for i in ids
    ]
    answer = httpclient.post(
        f"{url}/api/events",
        content=json.dumps(events),
        headers={"Content-Type": "application/cloudevents-batch+json"},
        timeout=timeout,
    )
    assert answer.status_code == 202, answer.text
    cursors: list[str] = answer.json()["cursors"]
    return cursors


def subscribe(url: str, sink: str, config: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"sink": sink, "protocol": "HTTP"}
    if config is not None:
        body["config"] = config
    answer = httpclient.post(f"{url}/api/subscriptions", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    ident: str = answer.json()["id"]
    return ident


def state(url: str, ident: str) -> dict[str, Any]:
    body: dict[str, Any] = httpclient.get(f"{url}/api/subscriptions/{ident}", timeout=10).json()
    return body


def metric(url: str, name: str, ident: str) -> float | None:
    text = httpclient.get(f"{url}/metrics", timeout=10).text
    found = re.search(rf'^{name}{{subscription="{ident}"}} (\S+)$', text, re.M)
    return float(found[1]) if found else None


def test_a_sink_down_then_back_gets_everything_in_order(hub, receiver):
    ident = subscribe(hub.url, receiver.url, FAST)
    receiver.status = 503
    ids = [f"e{i:02}" for i in range(30)]
    post(hub.url, ids)
    failing = wait_until(lambda: state(hub.url, ident)["status"] == "failing", what="failing")
    assert failing
    shown = state(hub.url, ident)
    assert shown["delivery"]["last_error"]["code"] == "notifycenter-2009"
    assert "503" in shown["delivery"]["last_error"]["longDescription"][0]
    assert shown["delivery"]["delivered"] == 0
    assert metric(hub.url, "notifycenter_subscription_failing", ident) == 1.0
    receiver.status = 200
    wait_until(lambda: len(receiver.events()) >= 30, what="all 30 events")
    assert [e["id"] for e in receiver.events()] == ids
    shown = wait_until(
        lambda: (found := state(hub.url, ident))["delivery"]["delivered"] == 30 and found,
        what="30 delivered",
    )
    assert shown["status"] == "active" and shown["delivery"]["failures"] == 0
    assert metric(hub.url, "notifycenter_subscription_failing", ident) == 0.0


def test_past_the_rate_limit_a_backlog_becomes_one_digest(hub, receiver):
    ident = subscribe(hub.url, receiver.url, {**FAST, "ratelimit": 5})
    receiver.status = 503
    post(hub.url, [f"f{i:02}" for i in range(40)])
    wait_until(lambda: state(hub.url, ident)["delivery"]["failures"] >= 1, what="a failure")
    receiver.status = 200
    got = wait_until(
        lambda: [e for e in receiver.events() if e["type"].endswith(".digest")], what="a digest"
    )
    events = receiver.events()
    assert [e["id"] for e in events[:-1]] == ["f00", "f01", "f02", "f03"]
    assert got[0]["data"]["omitted"] == 36
    assert len(events) == 5  # four events and the digest: the limit of five messages
    wait_until(lambda: state(hub.url, ident)["delivery"]["delivered"] == 40, what="40 counted")


def test_retry_after_is_honoured(hub, receiver):
    ident = subscribe(hub.url, receiver.url, {"backoffmin": 0.05, "backoffmax": 0.1})
    receiver.status, receiver.retry_after = 429, "30"
    post(hub.url, ["r1"])
    shown = wait_until(lambda: state(hub.url, ident)["delivery"]["next_attempt"], what="retry")
    ahead = datetime.fromisoformat(shown.replace("Z", "+00:00")) - datetime.now(UTC)
    assert ahead.total_seconds() > 20  # the receiver's 30 s, not backoffmax's 0.1 s
    receiver.status = 200
    later = state(hub.url, ident)
    assert later["delivery"]["failures"] == 1 and receiver.events() == []


def test_a_restart_resumes_where_delivery_stopped(hub_factory, tmp_path, receiver):
    data = tmp_path / "hub"
    first = hub_factory(data_dir=data)
    ident = subscribe(first.url, receiver.url, FAST)
    post(first.url, ["a1", "a2"])
    wait_until(lambda: len(receiver.events()) == 2, what="the first two")
    receiver.status = 503
    post(first.url, ["a3", "a4"])
    wait_until(lambda: state(first.url, ident)["delivery"]["failures"] >= 1)
    first.stop()
    receiver.status = 200
    second = hub_factory(data_dir=data)
    wait_until(lambda: len(receiver.events()) >= 4, what="a3 and a4 after the restart")
    post(second.url, ["a5"])
    wait_until(lambda: len(receiver.events()) >= 5)
    assert [e["id"] for e in receiver.events()] == ["a1", "a2", "a3", "a4", "a5"]


def test_kill_9_while_deliveries_are_pending_loses_nothing(hub_factory, receiver):
    hub = hub_factory(process=True)
    subscribe(hub.url, receiver.url, {**FAST, "batchsize": 10})
    ids = [f"k{i:03}" for i in range(300)]
    receiver.status = 503  # the first half waits in the log...
    for start in range(0, 150, 50):
        post(hub.url, ids[start : start + 50])
    receiver.status = 200  # ...the second is being delivered when the hub dies
    for start in range(150, 300, 50):
        post(hub.url, ids[start : start + 50])
    hub.kill()
    hub.restart()
    wait_until(lambda: set(ids) <= {e["id"] for e in receiver.events()}, what="all 300")
    assert receiver.problems == []
