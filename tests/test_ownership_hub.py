"""Ownership on the hub: assign, take and release across users with tokens."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import make_event, post_batch

TOKENS = {
    "alice-secret": ("alice", "operator"),
    "bob-secret": ("bob", "operator"),
    "vera-secret": ("vera", "viewer"),
    "pat-secret": ("pat", "producer"),
}


class As:
    """Requests to one hub as one user."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def change(self, verb: str, **body: Any) -> httpx.Response:
        return httpclient.post(
            f"{self.url}/api/lifecycle/{verb}", json=body, headers=self.headers, timeout=10
        )

    def record(self, ref: str) -> dict[str, Any]:
        answer = httpclient.get(
            f"{self.url}/api/events/{quote(ref, safe='')}", headers=self.headers, timeout=10
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def listed(self, **params: str) -> list[dict[str, Any]]:
        answer = httpclient.get(f"{self.url}/api/events", params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@pytest.fixture
def users(hub_factory: HubFactory) -> dict[str, As]:
    hub = hub_factory(tokens=TOKENS)
    posted = post_batch(
        hub.url,
        [make_event(n) for n in range(1, 4)],
        Authorization="Bearer pat-secret",
    )
    assert posted.status_code == 202, posted.text
    return {user: As(hub.url, secret) for secret, (user, _) in TOKENS.items()}


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["event"]["id"] for item in items]


def test_alice_takes_and_bob_sees_her_as_owner_while_owner_me_differs(
    users: dict[str, As],
) -> None:
    alice, bob = users["alice"], users["bob"]
    taken = alice.change("take", refs=["evt-1"], comment="on it")
    assert taken.status_code == 200, taken.text
    # One notification changed, by two lifecycle events: the ack it implies, then the take.
    assert taken.json()["changed"] == 1 and len(taken.json()["cursors"]) == 2

    seen = bob.record("evt-1")
    assert seen["owner"] == "alice"
    assert (seen["status"], seen["acknowledged_by"], seen["comment"]) == (
        "acknowledged",
        "alice",
        "on it",
    )
    assert [h["type"].rsplit(".", 1)[1] for h in seen["history"]] == ["ack", "take"]
    assert {h["data"]["actor"] for h in seen["history"]} == {"alice"}
    by_id = {item["event"]["id"]: item for item in bob.listed()}
    assert by_id["evt-1"]["owner"] == "alice" and by_id["evt-2"]["owner"] is None

    assert _ids(alice.listed(owner="me")) == ["evt-1"]
    assert _ids(bob.listed(owner="me")) == []
    assert _ids(bob.listed(owner="alice")) == ["evt-1"]
    assert _ids(bob.listed(owner="none")) == ["evt-3", "evt-2"]


def test_assign_acknowledges_once_and_names_the_new_owner(users: dict[str, As]) -> None:
    alice, bob = users["alice"], users["bob"]
    assigned = alice.change("assign", refs=["evt-1"], to="bob")
    assert assigned.status_code == 200, assigned.text
    item = alice.record("evt-1")
    assert (item["owner"], item["status"], item["acknowledged_by"]) == (
        "bob",
        "acknowledged",
        "alice",
    )
    ack, assign = item["history"]
    assert ack["type"] == "io.meshery.notification.ack"
    assert assign["type"] == "io.meshery.notification.assign"
    assert (assign["data"]["actor"], assign["data"]["to"]) == ("alice", "bob")

    # Already acknowledged: a hand-over records the assign alone, and keeps the ack.
    again = bob.change("assign", refs=["evt-1"], to="carol", comment="yours now")
    assert len(again.json()["cursors"]) == 1
    item = bob.record("evt-1")
    assert (item["owner"], item["acknowledged_by"]) == ("carol", "alice")
    assert item["history"][-1]["data"]["comment"] == "yours now"
    # The same owner again changes nothing.
    same = bob.change("assign", refs=["evt-1"], to="carol")
    assert same.json() == {"changed": 0, "cursors": [], "unchanged": 1}


def test_release_gives_it_back_and_keeps_the_ack(users: dict[str, As]) -> None:
    alice, bob = users["alice"], users["bob"]
    alice.change("take", refs=["evt-2"])
    released = bob.change("release", refs=["evt-2"], comment="back to the pool")
    assert released.json()["changed"] == 1
    item = alice.record("evt-2")
    assert item["owner"] is None and item["status"] == "acknowledged"
    assert item["history"][-1]["data"] == {
        "target": {"source": "urn:meshery:adapter:istio", "id": "evt-2"},
        "actor": "bob",
        "comment": "back to the pool",
        "until": None,
    }
    nobody = bob.change("release", refs=["evt-2"])
    assert nobody.json() == {"changed": 0, "cursors": [], "unchanged": 1}


def test_bulk_take_by_filter_resolves_owner_me_as_the_caller(users: dict[str, As]) -> None:
    alice, bob = users["alice"], users["bob"]
    alice.change("take", refs=["evt-1", "evt-2"])
    # Bob releases what alice owns by asking for "owner: me" as alice would: nothing of his.
    mine = bob.change("release", filter={"owner": "me"})
    assert mine.json()["changed"] == 0
    hers = alice.change("release", filter={"owner": "me"})
    assert hers.json()["changed"] == 2
    assert _ids(bob.listed(owner="none")) == ["evt-3", "evt-2", "evt-1"]


def test_assign_is_refused_without_an_owner_or_without_the_operator_role(
    users: dict[str, As],
) -> None:
    alice, vera = users["alice"], users["vera"]
    missing = alice.change("assign", refs=["evt-1"])
    assert missing.status_code == 400 and missing.json()["code"] == "notifycenter-2080"
    control = alice.change("assign", refs=["evt-1"], to="bo\x1bb")
    assert control.status_code == 400 and control.json()["code"] == "notifycenter-2081"
    until = alice.change("release", refs=["evt-1"], until="2h")
    assert until.status_code == 400 and until.json()["code"] == "notifycenter-2082"
    viewer = vera.change("take", refs=["evt-1"])
    assert viewer.status_code == 403
    # A refused request changes nothing.
    item = alice.record("evt-1")
    assert item["owner"] is None and item["status"] == "unread" and item["history"] == []


def test_whoami_names_the_tokens_user(users: dict[str, As]) -> None:
    answer = httpclient.get(f"{users['bob'].url}/api/whoami", headers=users["bob"].headers)
    assert answer.json() == {"user": "bob", "role": "operator"}


def test_a_data_dir_from_before_owners_gains_the_column(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    data = tmp_path / "old"
    hub = hub_factory(data_dir=data)
    assert post_batch(hub.url, [make_event(1)]).status_code == 202
    hub.stop()
    with sqlite3.connect(data / "hub.sqlite3") as conn:  # the index as older hubs wrote it
        conn.execute("DROP INDEX idx_owner")
        conn.execute("DROP INDEX idx_until")
        conn.execute("ALTER TABLE idx DROP COLUMN owner")
    conn.close()
    hub = hub_factory(data_dir=data)
    user = As(hub.url, None)
    assert user.change("assign", refs=["evt-1"], to="alice").status_code == 200
    assert user.record("evt-1")["owner"] == "alice"
    assert _ids(user.listed(owner="alice")) == ["evt-1"]
