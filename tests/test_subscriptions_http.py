"""Subscriptions deliver to a real CloudEvents HTTP receiver on loopback: binary,
structured and batched modes, the webhook handshake, lifecycle changes, the test send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import httpclient
from tests.hubprocess import post_batch
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def make_event(ident: str, summary: str = "it happened", **extra: Any) -> dict[str, Any]:
    event = {
        "specversion": "1.0",
        "id": ident,
        "source": "urn:test:producer",
        "type": "io.x.done",
        "severitytext": "INFO",
        "data": {"summary": summary},
    }
    event.update(extra)
    return event


def subscribe(url: str, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpclient.post(f"{url}/api/subscriptions", json=body, headers=headers, timeout=10)


def test_binary_mode_carries_attributes_as_percent_encoded_headers(hub, receiver):
    created = subscribe(
        hub.url,
        {"sink": receiver.url, "protocol": "HTTP", "filters": [{"prefix": {"type": "io.x."}}]},
    )
    assert created.status_code == 201, created.text
    event = make_event("e1", type="io.x.failed", summary='Ünïcode "quoted" 100%')
    post_batch(hub.url, [event, make_event("e2", type="io.other")])
    got = wait_until(receiver.events, what="a delivery")
    assert [e["id"] for e in got] == ["e1"]
    assert receiver.received[0].mode == "binary"
    assert got[0]["data"]["summary"] == 'Ünïcode "quoted" 100%'
    assert got[0]["type"] == "io.x.failed"
    assert receiver.received[0].headers["ce-severitynumber"].isdigit()
    assert receiver.problems == []


@pytest.mark.parametrize("mode", ["structured", "batched"])
def test_structured_and_batched_modes(hub, receiver, mode):
    body = {"sink": receiver.url, "protocol": "HTTP", "protocolsettings": {"mode": mode}}
    assert subscribe(hub.url, body).status_code == 201
    post_batch(hub.url, [make_event(f"m{i}") for i in range(5)])
    got = wait_until(lambda: len(receiver.events()) >= 5 and receiver.events(), what="5 events")
    assert sorted(e["id"] for e in got) == [f"m{i}" for i in range(5)]
    assert {r.mode for r in receiver.received} == {mode}
    assert got[0]["cursor"] < got[-1]["cursor"]


def test_handshake_asks_with_the_origin_and_a_refusal_stores_nothing(hub, receiver):
    receiver.allowed_origin = "someone-else.example"
    refused = subscribe(hub.url, {"sink": receiver.url, "protocol": "HTTP"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "notifycenter-2007"
    assert receiver.handshakes[0]["webhook-request-origin"] == "127.0.0.1"
    assert httpclient.get(f"{hub.url}/api/subscriptions").json() == {"subscriptions": []}
    receiver.allowed_origin = "127.0.0.1"
    assert subscribe(hub.url, {"sink": receiver.url, "protocol": "HTTP"}).status_code == 201


def test_a_sink_that_cannot_answer_the_handshake_may_skip_it(hub, receiver):
    receiver.allowed_origin = None
    body = {"sink": receiver.url, "protocol": "HTTP"}
    assert subscribe(hub.url, body).json()["code"] == "notifycenter-2007"
    body["protocolsettings"] = {"handshake": False}
    assert subscribe(hub.url, body).status_code == 201


def test_an_unreachable_sink_is_refused_with_its_own_code(hub):
    answer = subscribe(hub.url, {"sink": "http://127.0.0.1:9/x", "protocol": "HTTP"})
    assert answer.status_code == 502
    assert answer.json()["code"] == "notifycenter-2008"


def test_hub_answers_the_handshake_as_a_receiver(hub):
    answer = httpx.options(
        f"{hub.url}/api/events",
        headers={"WebHook-Request-Origin": "sender.example", "WebHook-Request-Rate": "10"},
    )
    assert answer.status_code == 200
    assert answer.headers["webhook-allowed-origin"] == "sender.example"
    assert answer.headers["webhook-allowed-rate"] == "*"


def test_one_hub_delivers_to_another(hub_factory):
    first, second = hub_factory(), hub_factory()
    created = subscribe(first.url, {"sink": f"{second.url}/api/events", "protocol": "HTTP"})
    assert created.status_code == 201, created.text
    post_batch(first.url, [make_event("relayed", summary="from the first hub")])

    def arrived() -> list[Any]:
        return httpclient.get(f"{second.url}/api/events").json()["items"]

    got = wait_until(arrived, what="the event on the second hub")
    assert got[0]["event"]["id"] == "relayed"


def test_lifecycle_changes_reach_the_sink_when_asked(hub, receiver):
    body = {"sink": receiver.url, "protocol": "HTTP", "config": {"lifecycle": True}}
    body["filters"] = [{"exact": {"severitytext": "ERROR"}}]
    assert subscribe(hub.url, body).status_code == 201
    post_batch(hub.url, [make_event("err", severitytext="ERROR"), make_event("info")])
    wait_until(receiver.events, what="the error")
    ref = "urn:test:producer#err"
    resolved = httpclient.post(f"{hub.url}/api/lifecycle/resolve", json={"refs": [ref]})
    assert resolved.status_code == 200, resolved.text
    httpclient.post(f"{hub.url}/api/lifecycle/resolve", json={"refs": ["urn:test:producer#info"]})
    got = wait_until(lambda: len(receiver.events()) >= 2 and receiver.events())
    assert got[0]["id"] == "err"
    assert got[1]["type"] == "io.meshery.notification.resolve"
    assert len(receiver.events()) == 2


def test_test_sends_one_notification_now_and_reports_failure(hub, receiver):
    sub = subscribe(hub.url, {"sink": receiver.url, "protocol": "HTTP"}).json()
    sent = httpclient.post(f"{hub.url}/api/subscriptions/{sub['id']}/test")
    assert sent.status_code == 200 and sent.json()["delivered"] is True
    assert receiver.events()[0]["type"] == "io.meshery.notifycenter.subscription.test"
    receiver.status = 503
    failed = httpclient.post(f"{hub.url}/api/subscriptions/{sub['id']}/test")
    assert failed.status_code == 502
    assert failed.json()["code"] == "notifycenter-2011"
    assert "503" in failed.json()["longDescription"][0]


def test_concurrent_requests_deliver_every_event(hub, receiver):
    settings = {"mode": "binary", "concurrency": 4}
    body = {"sink": receiver.url, "protocol": "HTTP", "protocolsettings": settings}
    assert subscribe(hub.url, body).status_code == 201
    post_batch(hub.url, [make_event(f"c{i}") for i in range(10)])
    got = wait_until(lambda: len(receiver.events()) >= 10 and receiver.events(), what="10 events")
    assert sorted(e["id"] for e in got) == sorted(f"c{i}" for i in range(10))
    refused = subscribe(hub.url, {**body, "protocolsettings": {"concurrency": 0}})
    assert refused.json()["code"] == "notifycenter-2003"
