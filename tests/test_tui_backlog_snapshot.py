"""The backlog taken in whole from the hub's snapshot, not page by page.

Against a real hub that keeps a snapshot: the first page shows first; then the store is
the snapshot's (not one older page is asked for), every row is there newest first, the
highlight stays on its event, what arrived after the snapshot was built comes on the
replayed stream, and what arrives later still comes live. A snapshot that fails a check
is said on the status line (notifycenter-1221), as is one too large for this machine to
hold (1222), and the pages bring everything instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from notifycenter.client import HubClient
from notifycenter.client import hub as client_hub
from notifycenter.hub.snapshots import THROUGH_HEADER as THROUGH
from notifycenter.store.snapshot import MAGIC
from notifycenter.tui import backlog_snapshot
from notifycenter.tui.backfill import FIRST_PAGE, Backfill
from notifycenter.tui.widgets.buckets import BucketCounter
from tests import httpclient as http
from tests.test_tui_helpers import event, make_app, post, toasts, until
from tests.waiting import wait_until

BACKLOG = 3 * FIRST_PAGE + 11
FAST = ["--snapshot-min-events", "20", "--snapshot-interval", "0.05"]


@pytest.fixture
def snapshot_hub(hub_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A hub that keeps a snapshot, of BACKLOG events when the test starts."""
    monkeypatch.setattr(backlog_snapshot, "SNAPSHOT_WORTH", 100)
    hub = hub_factory(extra_args=FAST)
    post(hub.url, [event(n, severity(n), summary=f"backlog {n}") for n in range(1, BACKLOG + 1)])
    wait_until(lambda: http.get(hub.url + "/api/snapshot").status_code == 200)
    return hub


def severity(n: int) -> str:
    return "WARNING" if n % 7 == 0 else "ERROR"


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many older pages the app asked for (the first page is not counted)."""
    asked: list[int] = []
    original = Backfill.next_page

    async def next_page(self: Backfill) -> Any:
        if self.loaded:
            asked.append(1)
        return await original(self)

    monkeypatch.setattr(Backfill, "next_page", next_page)
    return asked


def summaries(app: Any) -> list[str]:
    return [app.store.row(row).summary for row in app.center.events.index]


async def test_the_backlog_comes_whole_and_the_stream_goes_on_after_it(
    snapshot_hub: Any, pages: list[int], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = HubClient.snapshot

    async def late_snapshot(self: HubClient) -> bytearray | None:
        # Two events the snapshot does not hold: they must come on the replayed stream.
        post(snapshot_hub.url, [event(BACKLOG + n, summary=f"after {n}") for n in (1, 2)])
        return await original(self)

    monkeypatch.setattr(HubClient, "snapshot", late_snapshot)
    app = make_app(snapshot_hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.store.event_count >= BACKLOG + 2 and app.settled)
        assert pages == []  # not one older page
        assert not app.session.loading  # the replay after the snapshot is in too
        errors = sum(severity(n) == "ERROR" for n in range(1, BACKLOG + 1)) + 2
        assert app.query_one("#bucket-errors", BucketCounter).counts == (errors, errors)
        expected = ["after 2", "after 1"] + [f"backlog {n}" for n in range(BACKLOG, 0, -1)]
        assert summaries(app) == expected
        await pilot.press("G")
        row = app.center.events.highlighted_row_id
        assert row is not None and app.store.row(row).summary == "backlog 1"
        post(snapshot_hub.url, [event(BACKLOG + 3, summary="live")])
        await until(pilot, lambda: summaries(app)[:1] == ["live"])
        assert app.store.event_count == BACKLOG + 3  # nothing twice


class Held:
    """The snapshot's download waits until the test lets it go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked = False
        self.go = asyncio.Event()
        original = HubClient.snapshot

        async def held(client: HubClient) -> bytearray | None:
            self.asked = True
            await self.go.wait()
            return await original(client)

        monkeypatch.setattr(HubClient, "snapshot", held)

    async def press_while_held(self, app: Any, pilot: Any, *keys: str) -> None:
        """Press `keys` on the first page, then let the snapshot in and wait for the swap."""
        await until(pilot, lambda: self.asked and len(app.center.events.index) == FIRST_PAGE)
        old_store = app.store
        await pilot.press(*keys)
        self.go.set()
        await until(pilot, lambda: app.store is not old_store and app.settled)


async def test_the_highlight_and_marks_stay_on_their_events(
    snapshot_hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = Held(monkeypatch)
    app = make_app(snapshot_hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await held.press_while_held(app, pilot, "j", "j", "space", "j")
        row = app.center.events.highlighted_row_id
        assert row is not None and app.store.row(row).summary == f"backlog {BACKLOG - 3}"
        assert [app.store.row(r).summary for r in app.center.events.marked] == [
            f"backlog {BACKLOG - 2}"
        ]


async def test_a_view_chosen_while_it_loads_is_the_view_shown_after(
    snapshot_hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = Held(monkeypatch)
    app = make_app(snapshot_hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await held.press_while_held(app, pilot, "2")  # the warnings bucket
        warnings = [f"backlog {n}" for n in range(BACKLOG, 0, -1) if severity(n) == "WARNING"]
        assert summaries(app) == warnings


def damaged_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    async def damaged(self: HubClient) -> bytearray | None:
        return bytearray(MAGIC + b"\xff" * 64)

    monkeypatch.setattr(HubClient, "snapshot", damaged)


def little_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine that could hold 1,000 bytes: the real hub's snapshot is far larger."""
    monkeypatch.setattr(client_hub, "half_of_memory", lambda: 1000)


@pytest.mark.parametrize(
    ("trouble", "code"),
    [(damaged_snapshot, "notifycenter-1221"), (little_memory, "notifycenter-1222")],
)
async def test_a_snapshot_not_loaded_is_said_and_the_pages_bring_everything(
    snapshot_hub: Any,
    pages: list[int],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    trouble: Any,
    code: str,
) -> None:
    trouble(monkeypatch)
    app = make_app(snapshot_hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.store.event_count == BACKLOG and app.settled)
        assert pages  # the pages brought the rest
        assert summaries(app) == [f"backlog {n}" for n in range(BACKLOG, 0, -1)]
        assert any(code in told for told in toasts(app)), toasts(app)


async def test_a_restart_counts_what_came_while_away_from_the_snapshot(
    snapshot_hub: Any, pages: list[int], tmp_path: Any
) -> None:
    """Beyond the first page, the digest counts from the snapshot what the pages would."""
    app = make_app(snapshot_hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.store.event_count == BACKLOG and app.settled)
    away = range(BACKLOG + 1, BACKLOG + 301)
    post(snapshot_hub.url, [event(n, severity(n), summary=f"away {n}") for n in away])
    last = BACKLOG + 300
    wait_until(
        lambda: int(http.get(snapshot_hub.url + "/api/snapshot").headers.get(THROUGH, 0)) >= last
    )
    again = make_app(snapshot_hub.url, tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: any("while away" in told for told in toasts(again)))
        errors = sum(severity(n) == "ERROR" for n in away)
        assert toasts(again) == [f"Backlog|while away: 300 events, {errors} errors"]
        assert again.store.event_count == last and pages == []


def test_the_loading_thread_waits_while_the_operator_types_and_freezes_what_it_made() -> None:
    import gc
    import threading
    import time

    since_key = [0.05]  # a key 50 ms ago
    pacer = backlog_snapshot.Pacer(lambda: since_key[0])
    passed = threading.Event()
    thread = threading.Thread(target=lambda: (pacer(), passed.set()))
    thread.start()
    assert not passed.wait(0.2)  # it waits as long as keys keep coming
    since_key[0] = 5.0
    assert passed.wait(2.0)
    thread.join()

    gc.unfreeze()
    made = [[n] for n in range(1000)]  # what a loading thread made
    pacer.rested = time.monotonic() - 1.0  # it has worked long enough: it rests now
    pacer()
    assert gc.get_freeze_count() >= len(made)
