"""The subscriptions API: roles and ownership, validation that changes nothing, the
credential that is never returned, update and delete."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests import httpclient
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver

TOKENS = {
    "admin-token": ("root", "admin"),
    "alice-token": ("alice", "operator"),
    "bob-token": ("bob", "operator"),
    "viewer-token": ("vera", "viewer"),
}
QUIET = {"sink": "http://127.0.0.1:9/hook", "protocol": "HTTP"}
QUIET["protocolsettings"] = {"handshake": False}  # type: ignore[assignment]
# An operator's: no handshake to skip; loopback is allowed by the hub's --sink-host.
MINE = {"sink": "http://127.0.0.1:9/alerts", "protocol": "ntfy"}


def call(method: str, url: str, token: str | None = None, **options: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpclient.client().request(method, url, headers=headers, timeout=10, **options)


@pytest.fixture
def secured(hub_factory):
    return hub_factory(tokens=TOKENS, extra_args=["--sink-host", "127.0.0.1"])


def test_operators_own_their_subscriptions_and_admins_see_all(secured):
    api = f"{secured.url}/api/subscriptions"
    mine = call("POST", api, "alice-token", json=MINE)
    assert mine.status_code == 201, mine.text
    assert mine.json()["owner"] == "alice"
    ident = mine.json()["id"]
    assert call("GET", api, "bob-token").json() == {"subscriptions": []}
    for method in ("GET", "PUT", "DELETE"):
        refused = call(method, f"{api}/{ident}", "bob-token", json=MINE)
        assert refused.status_code == 404, method
        assert refused.json()["code"] == "notifycenter-2006"
    listed = call("GET", api, "admin-token").json()["subscriptions"]
    assert [s["id"] for s in listed] == [ident]
    assert call("GET", f"{api}/{ident}", "alice-token").json()["id"] == ident


def test_only_admins_create_for_someone_else(secured):
    api = f"{secured.url}/api/subscriptions"
    refused = call("POST", api, "alice-token", json={**MINE, "owner": "bob"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "notifycenter-2012"
    made = call("POST", api, "admin-token", json={**MINE, "owner": "bob"})
    assert made.json()["owner"] == "bob"
    assert [s["id"] for s in call("GET", api, "bob-token").json()["subscriptions"]] == [
        made.json()["id"]
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_viewers_and_anonymous_callers_have_no_subscriptions(secured, method):
    api = f"{secured.url}/api/subscriptions"
    viewer = call(method, api, "viewer-token", json=MINE)
    assert viewer.status_code == 403
    assert viewer.json()["code"] == "notifycenter-1103"
    assert call(method, api, json=MINE).status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**QUIET, "protocol": "MQTT5"}, "notifycenter-2001"),
        ({**QUIET, "sink": "not a url"}, "notifycenter-2002"),
        ({**QUIET, "protocolsettings": {"mode": "carrier-pigeon"}}, "notifycenter-2003"),
        ({**QUIET, "sinkcredential": {"credential_type": "ACCESSTOKEN"}}, "notifycenter-2004"),
        ({**QUIET, "config": {"ratelimit": 0}}, "notifycenter-2005"),
        ({**QUIET, "config": {"colour": "red"}}, "notifycenter-2005"),
        ({**QUIET, "id": "mine"}, "notifycenter-2000"),
        ({**QUIET, "filters": [{"regex": {"type": "x"}}]}, None),
        ({**QUIET, "filters": [{"sql": "type = "}]}, None),
    ],
)
def test_a_rejected_subscription_changes_nothing(hub, body, code):
    answer = httpclient.post(f"{hub.url}/api/subscriptions", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"].startswith("notifycenter-")
    if code:
        assert answer.json()["code"] == code
    assert httpclient.get(f"{hub.url}/api/subscriptions").json() == {"subscriptions": []}


def test_the_credential_is_used_but_never_returned(hub):
    receiver = Receiver().start()
    try:
        body = {
            "sink": receiver.url,
            "protocol": "HTTP",
            "sinkcredential": {"credential_type": "ACCESSTOKEN", "access_token": "s3cret"},
        }
        made = httpclient.post(f"{hub.url}/api/subscriptions", json=body).json()
        assert "s3cret" not in str(made)
        assert made["sinkcredential"] == {"credential_type": "ACCESSTOKEN", "redacted": True}
        assert "s3cret" not in httpclient.get(f"{hub.url}/api/subscriptions").text
        assert receiver.handshakes[0]["authorization"] == "Bearer s3cret"
        # an update that leaves the credential out keeps it
        kept = httpclient.client().put(
            f"{hub.url}/api/subscriptions/{made['id']}",
            json={"sink": receiver.url, "protocol": "HTTP", "types": ["io.x"]},
        )
        assert kept.status_code == 200, kept.text
        assert kept.json()["sinkcredential"]["credential_type"] == "ACCESSTOKEN"
        httpclient.post(f"{hub.url}/api/subscriptions/{made['id']}/test")
        wait_until(receiver.events)
        assert receiver.received[0].headers["authorization"] == "Bearer s3cret"
    finally:
        receiver.stop()


def test_update_changes_the_filter_and_delete_stops_delivery(hub):
    receiver = Receiver().start()
    try:
        api = f"{hub.url}/api/subscriptions"
        made = httpclient.post(api, json={"sink": receiver.url, "protocol": "HTTP", "types": ["a"]})
        ident = made.json()["id"]
        updated = httpclient.client().put(
            f"{api}/{ident}", json={"sink": receiver.url, "protocol": "HTTP", "types": ["b"]}
        )
        assert updated.json()["types"] == ["b"]
        _post(hub.url, [("1", "a"), ("2", "b")])
        assert [e["id"] for e in wait_until(receiver.events)] == ["2"]
        assert httpclient.client().delete(f"{api}/{ident}").json() == {"deleted": ident}
        assert httpclient.get(f"{api}/{ident}").status_code == 404
        _post(hub.url, [("3", "b"), ("4", "b")])
        # a probe subscription created after the delete sees 3 and 4: the deleted one did not
        probe = Receiver().start()
        try:
            httpclient.post(api, json={"sink": probe.url, "protocol": "HTTP", "types": ["b"]})
            _post(hub.url, [("5", "b")])
            wait_until(probe.events)
            assert [e["id"] for e in receiver.events()] == ["2"]
        finally:
            probe.stop()
    finally:
        receiver.stop()


def _post(url: str, pairs: list[tuple[str, str]]) -> None:
    events = [
        {"specversion": "1.0", "id": i, "source": "urn:test", "type": t, "data": {"summary": i}}
        for i, t in pairs
    ]
    answer = httpclient.post(
        f"{url}/api/events",
        content=json.dumps(events),
        headers={"Content-Type": "application/cloudevents-batch+json"},
    )
    assert answer.status_code == 202, answer.text


def test_secret_headers_are_masked_and_a_put_of_the_view_keeps_them(hub):
    receiver = Receiver().start()
    try:
        settings = {"headers": {"X-Api-Key": "k-123", "X-Team": "ops"}}
        body = {"sink": receiver.url, "protocol": "HTTP", "protocolsettings": settings}
        made = httpclient.post(f"{hub.url}/api/subscriptions", json=body).json()
        shown = made["protocolsettings"]["headers"]
        assert shown == {"X-Api-Key": "<redacted>", "X-Team": "ops"}
        view = {k: made[k] for k in ("sink", "protocol", "protocolsettings", "filters")}
        put = httpclient.client().put(f"{hub.url}/api/subscriptions/{made['id']}", json=view)
        assert put.status_code == 200, put.text
        httpclient.post(f"{hub.url}/api/subscriptions/{made['id']}/test")
        wait_until(receiver.events)
        assert receiver.received[0].headers["x-api-key"] == "k-123"
        assert "k-123" not in httpclient.get(f"{hub.url}/api/subscriptions").text
    finally:
        receiver.stop()
