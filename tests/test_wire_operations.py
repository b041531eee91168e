"""The operations view and `ops` read the hub's operation records as typed: a view without
a hub is told so instead of failing on a missing client."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from notifycenter.tui.operations import OperationsScreen


class Unconnected(App[None]):
    def on_mount(self) -> None:
        self.push_screen(OperationsScreen(None))


async def test_refresh_and_finished_keys_without_a_hub_keep_the_view_open() -> None:
    app = Unconnected()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r", "f")
        await app.workers.wait_for_complete()
        assert app.is_running and app.return_code is None
        title = app.screen.query_one("#ops-title", Static)
        assert "not connected to a hub" in str(title.render())
    assert app.return_code in (None, 0)
