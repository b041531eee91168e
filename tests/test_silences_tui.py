"""Silences in the notification center: a silence added from the CLI quiets two open TUIs;
its end replays nothing; the policy never notifies what arrived silenced."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from notifycenter.model.silences import SILENCE_TYPES
from notifycenter.tui.policy import NotificationPolicy
from tests import httpclient
from tests.clirun import notifycenter
from tests.hubthread import HubThread
from tests.test_tui_helpers import event, make_app, post, toasts, until

ISTIO = "urn:meshery:adapter:istio"
LINKERD = "urn:meshery:adapter:linkerd"


def rows(app: Any) -> int:
    return len(app.center.events.index)


def notifications(app: Any) -> int:
    """Rows that are notifications (the silence's own audit event aside)."""
    store = app.session.store
    return sum(store.event(row)["type"] not in SILENCE_TYPES for row in app.center.events.index)


def told(app: Any, text: str) -> bool:
    return any(text in line for line in toasts(app))


async def cli(*args: str) -> Any:
    """The CLI runs its own event loop: in a thread, so the TUIs keep running."""
    ran = await asyncio.to_thread(notifycenter, *args)
    assert ran.returncode == 0, ran.stderr
    return ran


async def test_a_cli_silence_quiets_two_tuis_and_its_end_brings_no_burst(
    hub: HubThread, tmp_path: Any
) -> None:
    post(hub.url, [event(1, summary="before the window")])
    first, second = make_app(hub.url, tmp_path / "a"), make_app(hub.url, tmp_path / "b")
    async with first.run_test(size=(100, 30)) as one, second.run_test(size=(100, 30)) as two:
        await until(one, lambda: rows(first) == 1)
        await until(two, lambda: rows(second) == 1)
        added = await cli("--server", hub.url, "-o", "json", "silences", "add",
                          "--source", ISTIO, "--for", "1h", "-c", "upgrade")  # fmt: skip
        silence = json.loads(added.stdout)[0]

        post(hub.url, [event(2, summary="quiet please"), event(3, source=LINKERD, summary="loud")])
        for pilot, app in ((one, first), (two, second)):
            await until(pilot, lambda app=app: told(app, "loud") and notifications(app) == 3)
            assert not told(app, "quiet please")  # listed, not notified
            assert rows(app) == 3  # the silence's own log event is not a row
            summaries = [
                app.session.store.event(r).get("data", {}).get("summary")
                for r in app.center.events.index
            ]
            assert "quiet please" in summaries

        await cli("--server", hub.url, "silences", "expire", silence["id"])
        post(hub.url, [event(4, summary="after the window")])
        for pilot, app in ((one, first), (two, second)):
            await until(pilot, lambda app=app: told(app, "after the window"))
            assert not told(app, "quiet please")  # nothing replayed when it ended
            await until(pilot, lambda app=app: told(app, "upgrade: 1 notification arrived"))
            assert sum("Silence ended" in line for line in toasts(app)) == 1

    # The silenced error, still unresolved, is open again for everyone.
    again = httpclient.get(
        hub.url + "/api/events", params={"silenced": "false", "status": "open"}, timeout=10
    ).json()["items"]
    assert "evt-0002" in [item["event"]["id"] for item in again]


def test_the_policy_never_notifies_a_silenced_event_nor_counts_it_in_a_digest() -> None:
    policy = NotificationPolicy()
    silenced = {**event(1, "ALERT"), "cursor": "0000000000000001", "silence": "s-1"}
    loud = {**event(2, "ALERT", source=LINKERD), "cursor": "0000000000000002"}
    policy.offer([silenced, loud])
    assert [toast.title for toast in policy.drain()] == ["ALERT · " + LINKERD]

    policy.begin_backlog("0000000000000009")
    policy.offer([{**silenced, "cursor": "0000000000000003"}])
    policy.count_backlog([{**silenced, "cursor": "0000000000000004"}], "0000000000000002")
    assert policy._backlog is not None and policy._backlog.events == 0


def test_the_row_says_silenced_until_handled_and_the_detail_names_the_silence() -> None:
    from datetime import UTC

    from notifycenter.model.lifecycle import Status
    from notifycenter.tui.detail_model import build_detail
    from notifycenter.tui.rows import RowStyles, columns_for, render_row
    from tests.test_event_list_rows import NOW, row

    def shown(silenced: bool, **changes: Any) -> str:
        strip = render_row(
            row(**changes), columns_for(100), RowStyles(), highlighted=False, now=NOW, tz=UTC,
            silenced=silenced,
        )  # fmt: skip
        return strip.text

    assert "silenced" in shown(True) and "silenced" not in shown(False)
    assert "ack:alice" in shown(True, status=Status.ACKNOWLEDGED, acked_by="alice")
    fields = dict(build_detail({**event(1), "silence": "3f2a91c0"}).fields)
    assert fields["silenced by"] == "3f2a91c0"
    assert "silenced by" not in dict(build_detail(event(1)).fields)


async def test_colon_silence_silences_the_highlighted_source_and_type_for_everyone(
    hub: HubThread, tmp_path: Any
) -> None:
    post(hub.url, [event(1, summary="noisy adapter")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: notifications(app) == 1)
        await pilot.press("colon", *"sil", "tab")
        assert app.query_one("#prompt-input").value == "silence "  # type: ignore[attr-defined]
        await pilot.press(*"2h istio upgrade", "enter")
        await until(pilot, lambda: told(app, "silenced urn:meshery:adapter:istio"))
        await pilot.press("colon", *"silence soon", "enter")  # not a duration: refused
        await until(pilot, lambda: told(app, "notifycenter-2057"))

    [silence] = httpclient.get(hub.url + "/api/silences", timeout=10).json()["items"]
    assert silence["filter"] == f"source = '{ISTIO}' AND type = 'io.meshery.test.1'"
    assert silence["comment"] == "istio upgrade" and silence["state"] == "active"
    post(hub.url, [event(4, summary="same source and type"), event(2, summary="other type")])
    items = httpclient.get(hub.url + "/api/events", params={"silenced": "true"}, timeout=10).json()
    assert [item["event"]["id"] for item in items["items"]] == ["evt-0004"]


async def test_colon_silence_is_refused_read_only(hub: HubThread, tmp_path: Any) -> None:
    post(hub.url, [event(1)])
    app = make_app(hub.url, tmp_path, readonly=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: notifications(app) == 1)
        await pilot.press("colon", *"silence 2h", "enter")
        await until(pilot, lambda: told(app, "notifycenter-1503"))
    assert httpclient.get(hub.url + "/api/silences", timeout=10).json()["items"] == []


def test_a_silence_that_runs_out_is_one_notice_when_it_kept_something_quiet() -> None:
    from datetime import UTC, datetime, timedelta

    from notifycenter.model.lifecycle import format_time
    from notifycenter.model.silences import Silence, created_event
    from notifycenter.tui.silence_watch import SilenceWatch

    clock = [datetime(2026, 11, 29, 12, 0, tzinfo=UTC)]
    watch = SilenceWatch(now=lambda: clock[0])
    ends = format_time(clock[0] + timedelta(hours=1))
    for sid, comment in (("s-busy", "istio upgrade"), ("s-idle", None)):
        window = Silence(sid, "x = 1", format_time(clock[0]), ends, "alice", comment, ends)
        watch.see(created_event(window, hub_source="urn:hub", event_id=sid))
    watch.see({**event(1), "silence": "s-busy"})
    watch.see({**event(2), "silence": "s-busy"})
    assert watch.ended() == []
    clock[0] += timedelta(hours=1)
    assert watch.ended() == [
        ("Silence ended", "istio upgrade: 2 notifications arrived silenced;"
         " the unresolved ones are open again")
    ]  # fmt: skip
    assert watch.ended() == []  # told once; the idle one ends without a word
