"""An emergency that repeats while it is on screen stays on screen: each repeat folds into
its row with a new cursor, and the view must neither jump back to the first emergency
nor lose the steps already ticked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.css.query import NoMatches
from textual.widgets import Static

from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.emergency import EmergencyScreen
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, istio_failure, make_app, post, press_until, until


def shown(app: NotifyCenterApp) -> str:
    screen = app.screen
    if not isinstance(screen, EmergencyScreen):
        return ""
    try:
        title = str(screen.query_one("#emergency-title", Static).render())
        return title + "\n" + str(screen.query_one("#emergency-text", Static).render())
    except NoMatches:
        return ""  # pushed, not composed yet


def disk_full(n: int) -> dict[str, Any]:
    repeat = event(n, "ALERT", source="urn:x", summary="disk full on node-7")
    repeat["type"] = "io.meshery.test.disk"
    return repeat


async def test_a_repeat_of_the_shown_emergency_keeps_it_shown_with_its_ticks(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [disk_full(2), {**istio_failure(), "severitytext": "EMERGENCY"}])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: "of 2" in shown(app))
        await press_until(pilot, "n", lambda: "Fix the weights" in shown(app), 3)
        await pilot.press("space")
        await until(pilot, lambda: "[x] 1. Fix the weights" in shown(app))
        screen = app.screen
        assert isinstance(screen, EmergencyScreen) and screen.current is not None
        row, cursor = screen.current.row, screen.current.cursor

        repeat = {**istio_failure(901), "severitytext": "EMERGENCY"}
        post(hub.url, [repeat])
        await until(pilot, lambda: app.store.row(row).cursor != cursor)  # folded, new cursor
        app._take_over()  # the one-second check, now rather than at its next tick
        await pilot.pause()

        text = shown(app)
        assert "Fix the weights" in text and "disk full" not in text
        assert "[x] 1. Fix the weights" in text and "1 of 3 done" in text
