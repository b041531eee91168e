"""Snapshots of the notification center at 80×24 and 120×36, with deterministic data.

Event ids and times are fixed, the list's clock and time zone are frozen, and the hub is
fresh (so cursors repeat); only the hub's port changes, and the header is shown with the
default address instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifycenter.demo.scenario import Scenario
from notifycenter.tui.help import HelpScreen
from notifycenter.tui.widgets.header import HeaderBar
from tests.test_tui_helpers import idle, make_app, post, submit, until, workers_done

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
EVENTS = Scenario.fixed(seed=11).take(60)


@pytest.fixture
def seeded(hub):
    post(hub.url, EVENTS)
    return hub


def app_for(hub, tmp_path, **options):
    options.setdefault("takeover", False)  # the main screen, not the demo's ALERT taking over
    return make_app(hub.url, tmp_path, name="prod-eu", clock=lambda: NOW, display_tz=UTC, **options)


async def settled(pilot) -> None:
    app = pilot.app
    await until(
        pilot,
        lambda: app.store.event_count == len(EVENTS) and app.query_one(HeaderBar).status == "live",
    )
    app.query_one(HeaderBar).server = "http://127.0.0.1:9181"
    await quiet(pilot)


async def quiet(pilot) -> None:
    """Nothing left to change the screen: rows listed, no history fetch on its way, and
    every pending message handled."""
    app = pilot.app
    await until(pilot, lambda: idle(app) and workers_done(app, "history"))
    await pilot.pause()


async def errors_detail(pilot) -> None:
    await settled(pilot)
    await pilot.press("1")
    await until(pilot, lambda: pilot.app.settled)
    await pilot.press("j")
    await quiet(pilot)


async def filtered(pilot) -> None:
    await settled(pilot)
    await submit(pilot, "slash", "sev>=warning src:linkerd")
    await quiet(pilot)


async def help_open(pilot) -> None:
    await settled(pilot)
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_main_screen(snap_compare, seeded, tmp_path, size):
    assert snap_compare(app_for(seeded, tmp_path), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_error_detail_with_remediation(snap_compare, seeded, tmp_path, size):
    assert snap_compare(app_for(seeded, tmp_path), terminal_size=size, run_before=errors_detail)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_quick_filter_in_use(snap_compare, seeded, tmp_path, size):
    assert snap_compare(app_for(seeded, tmp_path), terminal_size=size, run_before=filtered)


def test_help_at_80x24(snap_compare, seeded, tmp_path):
    assert snap_compare(app_for(seeded, tmp_path), terminal_size=(80, 24), run_before=help_open)


def test_readonly_footer_at_80x24(snap_compare, seeded, tmp_path):
    assert snap_compare(
        app_for(seeded, tmp_path, readonly=True), terminal_size=(80, 24), run_before=settled
    )
