"""The operator's day in the notification center: prompts over the full detail, escape
that steps back, the error screen, compact help, command mode and emergencies."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from notifycenter.tui.widgets.detail import DetailPane
from tests.test_tui_helpers import (
    detail_text,
    event,
    istio_failure,
    make_app,
    post,
    record,
    until,
)

SIZES = [(120, 36), (80, 24)]
ISTIO_REF = "urn:meshery:adapter:istio%23evt-0900"


def rows(app) -> int:
    return len(app.center.events.index)


def footer_keys(app) -> list[str]:
    return [str(key.description) for key in app.screen.query("FooterKey")]


def drawn(app, selector: str) -> bool:
    """The widget is on screen with a visible size (not hidden behind something else)."""
    widget = app.screen.query_one(selector)
    return (
        widget.display
        and widget.region.height > 0
        and widget in app.screen._compositor.visible_widgets
    )


@pytest.mark.parametrize("size", SIZES)
async def test_prompts_are_drawn_over_the_full_detail_and_escape_steps_back(hub, tmp_path, size):
    post(hub.url, [event(1, "WARNING", source="urn:w"), istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: rows(app) == 2)
        await pilot.press("slash", *"src:istio", "enter")
        await until(pilot, lambda: rows(app) == 1 and "Suggested remediation" in detail_text(app))
        await pilot.press("enter")
        pane = app.query_one(DetailPane)
        await until(pilot, lambda: app.center.detail_full and pane.size.width > size[0] - 4)
        await pilot.press("A")
        await until(pilot, lambda: drawn(app, "#prompt-input"))
        assert app.focused is app.query_one("#prompt-input", Input)
        await pilot.press(*f"on it {size[0]}", "enter")
        await until(pilot, lambda: record(hub.url, ISTIO_REF).get("comment") == f"on it {size[0]}")
        # Back where the prompt was opened: the full detail, with its keys in the footer.
        assert app.center.detail_full and app.focused is pane
        await until(pilot, lambda: "Back to list" in footer_keys(app))
        await pilot.press("colon")
        await until(pilot, lambda: drawn(app, "#prompt-input"))
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is pane and not app.center.prompt.display)
        await pilot.press("escape")  # one level: the list is back, filtered as before
        await until(pilot, lambda: not app.center.detail_full and drawn(app, "#events"))
        assert app.focused is app.center.events and rows(app) == 1
        await pilot.press("escape")  # at the top level escape keeps the filter
        await pilot.pause()
        assert rows(app) == 1 and "src:istio" in app.view.describe()
        await pilot.press("c")
        await until(pilot, lambda: rows(app) == 2)
