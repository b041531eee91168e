"""The detail pane redraws in place when a new detail fits where the old one was; a
detail that no longer fits (or fits again) still gets, or loses, its scrollbar."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from notifycenter.tui.widgets.detail import DetailPane
from tests.test_tui_helpers import until


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


def shown(pane: DetailPane) -> str:
    return str(pane.query_one("#detail-body", Static).render())


async def test_short_and_long_details_replace_each_other_with_the_right_scrollbar() -> None:
    app = PaneApp()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(DetailPane)
        pane.show(None, "three\nshort\nlines")
        await until(pilot, lambda: "short" in shown(pane))
        pane.show(None, "one line")  # fits where the three were: drawn in place
        await until(pilot, lambda: "one line" in shown(pane) and "short" not in shown(pane))
        assert not pane.show_vertical_scrollbar
        pane.show(None, "\n".join(f"line {n}" for n in range(40)))
        await until(pilot, lambda: pane.show_vertical_scrollbar and pane.max_scroll_y > 0)
        pane.show(None, "short again")
        await until(pilot, lambda: not pane.show_vertical_scrollbar and pane.max_scroll_y == 0)
        assert "short again" in shown(pane)


class LatePaneApp(App[None]):
    """Its pane is given a detail before the pane has composed its body."""

    def compose(self) -> ComposeResult:
        pane = DetailPane(id="detail")
        pane.show(None, "nothing matches :filter x")
        yield pane


async def test_a_detail_given_before_the_pane_is_composed_is_shown_once_it_is() -> None:
    app = LatePaneApp()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(DetailPane)
        await until(pilot, lambda: "nothing matches" in shown(pane))
        await pane.remove_children()
        pane.show(None, "after the body is gone")  # a late timer: nothing to paint, no crash
