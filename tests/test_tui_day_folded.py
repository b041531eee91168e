"""A folded row (`×3`) keeps each occurrence's state for every verb: a teammate resolving
or archiving one occurrence leaves the others to handle and the row says so (`×3 (1
resolved)`); `r` and `x` then act on what is left ("resolved 2 occurrences (1 already
so)"); and a timed ack on one occurrence lapses in the notification center when its time
passes, on the one-second timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notifycenter.client import HubClient
from notifycenter.model.lifecycle import Verb
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount, EventStore
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.rows import fold_label
from tests.hubprocess import Hub
from tests.test_store import T0, Clock, event, lifecycle
from tests.test_tui_helpers import event as hub_event
from tests.test_tui_helpers import make_app, post, record, until, workers_done


def repeats() -> list[dict[str, Any]]:
    found = []
    for n in (1, 2, 3):
        repeat = hub_event(n, summary="disk full on node-3")
        repeat["type"] = "io.meshery.test.disk"
        repeat["time"] = f"2026-11-28T09:00:0{n}.000Z"
        found.append(repeat)
    return found


def first_row(app: NotifyCenterApp) -> str:
    return app.center.events.render_line(0).text


def statuses(url: str) -> list[str]:
    return [
        str(record(url, f"urn:meshery:adapter:istio%23evt-000{n}")["status"]) for n in (1, 2, 3)
    ]


def test_each_occurrence_keeps_its_own_state_in_the_store() -> None:
    clock = Clock()
    store = EventStore(clock=clock)
    sent = [event(n, summary="disk full", subject="d") for n in (1, 2, 3)]
    store.add(sent)
    row = store.find(1)
    assert row is not None and store.occurrences(row) == 3
    store.add([lifecycle(10, sent[1], "resolve")])
    assert fold_label(store.row(row)) == " ×3 (1 resolved)"
    assert store.counts()[Bucket.ERRORS] == BucketCount(3, 2)
    until = (T0 + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    store.add([lifecycle(11, sent[0], "ack", until=until)])
    assert fold_label(store.row(row)) == " ×3 (1 acked, 1 resolved)"
    assert store.counts()[Bucket.ERRORS] == BucketCount(3, 1)
    assert store.cursors(row, verb=Verb.RESOLVE) == [sent[0]["cursor"], sent[2]["cursor"]]
    assert store.cursors(row, verb=Verb.ACK) == [sent[2]["cursor"]]
    clock.now = T0 + timedelta(hours=2)  # the one-by-one ack lapses
    change = store.tick()
    assert row in change.status_rows and fold_label(store.row(row)) == " ×3 (1 resolved)"
    store.add([lifecycle(12, sent[2], "archive"), lifecycle(13, sent[1], "reopen")])
    assert fold_label(store.row(row)) == " ×3 (1 archived)"
    assert store.counts()[Bucket.ERRORS] == BucketCount(2, 2)  # archived: not counted


async def test_resolve_acts_on_what_is_left_of_a_folded_row(hub: Hub, tmp_path: Path) -> None:
    accepted = post(hub.url, repeats())
    app = make_app(hub.url, tmp_path, takeover=False)
    told: list[str] = []
    app.tell = told.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.store.event_count == 3 and "×3" in first_row(app))
        async with HubClient(hub.url) as client:  # a teammate resolves one occurrence
            await client.lifecycle("resolve", refs=[accepted["cursors"][1]])
        await until(pilot, lambda: "×3 (1 resolved)" in first_row(app))
        await pilot.press("r")
        await until(pilot, lambda: bool(told) and workers_done(app, "lifecycle"))
        assert told == ["resolved 2 occurrences (1 already so)"]
        assert statuses(hub.url) == ["resolved"] * 3
        await until(pilot, lambda: "resolved" in first_row(app) and "(1 " not in first_row(app))


async def test_a_timed_ack_on_one_occurrence_lapses_in_the_tui(hub: Hub, tmp_path: Path) -> None:
    accepted = post(hub.url, repeats())
    start = datetime.now(UTC)  # the hub checks `until` against its own clock
    now = [start]
    app = make_app(hub.url, tmp_path, takeover=False, clock=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.store.event_count == 3 and "×3" in first_row(app))
        async with HubClient(hub.url) as client:
            until_text = (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
            await client.lifecycle("ack", refs=[accepted["cursors"][0]], until=until_text)
        await until(pilot, lambda: "×3 (1 acked)" in first_row(app))
        now[0] = start + timedelta(hours=2)  # past its until: the next tick lets it lapse
        await until(pilot, lambda: "(1 acked)" not in first_row(app), timeout=5)
        assert "×3" in first_row(app)
