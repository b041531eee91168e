"""The one-second tick that lands while `:context` swaps the store finds no stale row.

The list keeps its highlight until the new hub's list replaces it; a tick in between
asked the new, empty store for the old row and ended the app with an IndexError.
"""

from __future__ import annotations

from typing import Any

from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from tests.test_tui_helpers import detail_text, event, post, submit, until

SIZE = (100, 30)


async def test_a_tick_during_a_context_switch_is_harmless(
    hub_factory: Any, isolated_environment: Any, tmp_path: Any
) -> None:
    first, second = hub_factory(), hub_factory()
    post(first.url, [event(1, summary="from the first hub")])
    post(second.url, [event(2, summary="from the second hub")])
    (isolated_environment / "config.toml").write_text(
        f'current-context = "one"\n[contexts.one]\nserver = "{first.url}"\n'
        f'[contexts.two]\nserver = "{second.url}"\n'
    )
    app = NotifyCenterApp(
        Target(name="one", server=first.url, token=None, source="context"), state_dir=tmp_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "from the first hub" in detail_text(app))
        start_over = app.center.start_over

        async def tick_first(*args: Any) -> None:
            app._tick()  # what the timer may do while the new store is still empty
            await start_over(*args)

        app.center.start_over = tick_first  # type: ignore[method-assign]
        await submit(pilot, "colon", "context two")
        await until(pilot, lambda: "from the second hub" in detail_text(app))
        assert app.is_running
