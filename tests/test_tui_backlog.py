"""A backlog longer than the first page: what the operator sees and can do while the older
pages are still on their way, and that every row arrives in the end.

The older pages are held back (the hub answers the first page only, until the test lets
the rest through), so "before the rest has loaded" is a fact of the test, not a race.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.backfill import FIRST_PAGE, Backfill
from notifycenter.tui.widgets.buckets import BucketCounter
from tests.test_tui_helpers import event, make_app, post, record, until

BACKLOG = 3 * FIRST_PAGE + 17  # several pages beyond the first


def errors(n: int) -> bool:
    return n % 3 != 0  # two in three are errors, the rest warnings


@pytest.fixture
def backlog(hub: Any) -> Any:
    post(
        hub.url,
        [
            event(n, "ERROR" if errors(n) else "WARNING", summary=f"backlog {n}")
            for n in range(1, BACKLOG + 1)
        ],
    )
    return hub


class Gate:
    """Holds every page after the first until opened."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()  # set before the second page is asked for, or after

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    original = Backfill.next_page

    async def next_page(self: Backfill) -> Any:
        if self.loaded:
            await held.opened.wait()
        return await original(self)

    monkeypatch.setattr(Backfill, "next_page", next_page)
    yield held


def summary_at(app: NotifyCenterApp, position: int) -> str:
    events = app.center.events
    return app.store.row(events.index[position]).summary


def highlighted_summary(app: NotifyCenterApp) -> str | None:
    row = app.center.events.highlighted_row_id
    return None if row is None else app.store.row(row).summary


def strip(app: NotifyCenterApp, bucket: str) -> tuple[int, int]:
    counts: tuple[int, int] = app.query_one(f"#bucket-{bucket}", BucketCounter).counts
    return counts


def header_loading(app: NotifyCenterApp) -> str:
    from textual.widgets import Label

    label = app.center.header.query_one("#header-loading", Label)
    return str(label.render()) if label.display else ""


ERRORS = sum(errors(n) for n in range(1, BACKLOG + 1))
WARNINGS = BACKLOG - ERRORS


async def test_the_first_screen_shows_the_newest_rows_and_exact_counts_before_the_rest(
    backlog: Any, gate: Gate, tmp_path: Any
) -> None:
    app = make_app(backlog.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == FIRST_PAGE)
        assert app.store.event_count == FIRST_PAGE and app.session.loading
        assert summary_at(app, 0) == f"backlog {BACKLOG}"  # the newest on top
        assert highlighted_summary(app) == f"backlog {BACKLOG}"
        # The hub's counts, not the first page's: every event of the backlog is counted.
        await until(pilot, lambda: strip(app, "errors") == (ERRORS, ERRORS))
        assert strip(app, "warnings") == (WARNINGS, WARNINGS)
        assert "loading backlog" in header_loading(app)

        gate.open()
        await until(pilot, lambda: not app.session.loading and app.settled)
        assert strip(app, "errors") == (ERRORS, ERRORS)  # now the store's own, the same
        assert header_loading(app) == ""


async def test_a_key_while_the_backlog_loads_acts_at_once_on_the_row_shown(
    backlog: Any, gate: Gate, tmp_path: Any
) -> None:
    app = make_app(backlog.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == FIRST_PAGE)
        await pilot.press("j")
        assert highlighted_summary(app) == f"backlog {BACKLOG - 1}"
        await pilot.press("a")
        newer = BACKLOG - 1
        await until(pilot, lambda: app.store.row(app.center.events.index[1]).acked_by is not None)
        assert record(backlog.url, f"urn:meshery:adapter:istio%23evt-{newer:04d}")["status"] == (
            "acknowledged"
        )
        assert app.session.loading  # all of it before a single older page came in
        assert app.store.event_count == FIRST_PAGE


async def test_every_row_becomes_reachable_with_news_on_top_and_the_backlog_below(
    backlog: Any, gate: Gate, tmp_path: Any
) -> None:
    app = make_app(backlog.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == FIRST_PAGE)
        post(backlog.url, [event(BACKLOG + 1, summary="news while loading")])
        await until(pilot, lambda: summary_at(app, 0) == "news while loading")

        gate.open()
        await until(pilot, lambda: not app.session.loading and app.settled)
        events = app.center.events
        assert len(events.index) == BACKLOG + 1
        shown = [app.store.row(row).summary for row in events.index]
        expected = ["news while loading"] + [f"backlog {n}" for n in range(BACKLOG, 0, -1)]
        assert shown == expected  # newest first, every one of them
        await pilot.press("G")
        assert highlighted_summary(app) == "backlog 1"
        await pilot.press("1")  # the errors bucket, over everything loaded
        await until(pilot, lambda: len(events.index) == ERRORS + 1 and app.settled)
        assert strip(app, "errors") == (ERRORS + 1, ERRORS + 1)
