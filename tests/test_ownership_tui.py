"""Ownership in two notification centers with tokens: alice takes, bob sees her as the
owner; `owner:me` differs per user; `:assign` and `:release`; an expired ack's notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifycenter.config import Target
from notifycenter.model.lifecycle import format_time
from notifycenter.tui.app import NotifyCenterApp
from tests import httpclient
from tests.conftest import HubFactory
from tests.test_tui_helpers import detail_text, istio_failure, submit, toasts, until

TOKENS = {
    "alice-secret": ("alice", "operator"),
    "bob-secret": ("bob", "operator"),
    "pat-secret": ("pat", "producer"),
}
SIZE = (250, 40)  # the list is 58% of it: 145 columns, wide enough for OWNER


def _app(url: str, token: str, state: Path) -> NotifyCenterApp:
    return NotifyCenterApp(
        Target(name=token, server=url, token=token, source="flag"), state_dir=state
    )


def _post(url: str, *events: dict[str, object]) -> list[str]:
    answer = httpclient.post(
        f"{url}/api/events",
        json=list(events),
        headers={
            "content-type": "application/cloudevents-batch+json",
            "authorization": "Bearer pat-secret",
        },
    )
    assert answer.status_code == 202, answer.text
    cursors: list[str] = answer.json()["cursors"]
    return cursors


def _owner(app: NotifyCenterApp) -> str | None:
    row = app.highlighted_row
    return None if row is None else app.store.row(row).owner


async def test_alice_takes_and_bob_sees_her_as_owner(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    hub = hub_factory(tokens=TOKENS)
    _post(hub.url, istio_failure())
    alice = _app(hub.url, "alice-secret", tmp_path / "alice")
    bob = _app(hub.url, "bob-secret", tmp_path / "bob")
    async with alice.run_test(size=(80, 24)) as one, bob.run_test(size=SIZE) as two:
        await until(one, lambda: alice.highlighted_row is not None and alice.store.user == "alice")
        await until(two, lambda: bob.highlighted_row is not None and bob.store.user == "bob")
        await one.press("t")
        await until(two, lambda: _owner(bob) == "alice")
        row = bob.store.row(bob.highlighted_row or 0)
        assert row.status is not None and row.status.value == "acknowledged"
        assert row.acked_by == "alice"
        await until(two, lambda: "owner" in detail_text(bob) and "alice" in detail_text(bob))
        await until(two, lambda: "@alice" in bob.center.events.render_line(0).text)

        # owner:me is alice's own in her center, and nothing in bob's.
        await submit(one, "slash", "owner:me")
        await submit(two, "slash", "owner:me")
        await until(one, lambda: len(alice.center.events.index) == 1)
        await until(two, lambda: len(bob.center.events.index) == 0)

        await two.press("c")
        await until(two, lambda: bob.highlighted_row is not None)
        await submit(two, "colon", "assign bob")
        await until(two, lambda: bob.highlighted_row is not None and _owner(bob) == "bob")
        await until(one, lambda: len(alice.center.events.index) == 0)
        await submit(two, "colon", "release")
        await until(
            one, lambda: all(alice.store.row(r).owner is None for r in range(len(alice.store)))
        )


async def test_the_acker_is_told_when_the_hub_lets_the_ack_expire(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    hub = hub_factory(tokens=TOKENS)
    (cursor,) = _post(hub.url, istio_failure())
    alice = _app(hub.url, "alice-secret", tmp_path / "alice")
    async with alice.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: alice.highlighted_row is not None and alice.store.user == "alice"
        )
        until_time = format_time(datetime.now(UTC) + timedelta(seconds=1))
        acked = httpclient.post(
            f"{hub.url}/api/lifecycle/ack",
            json={"refs": [cursor], "until": until_time},
            headers={"authorization": "Bearer alice-secret"},
        )
        assert acked.status_code == 200
        await until(
            pilot, lambda: any(t.startswith("Ack expired|your ack on") for t in toasts(alice))
        )
        assert alice.store.row(alice.highlighted_row or 0).status is not None
