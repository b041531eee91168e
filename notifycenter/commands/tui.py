"""`notifycenter` / `notifycenter tui`: open the notification center on the current context."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from notifycenter.commands.common import CliContext, pass_cli

if TYPE_CHECKING:
    from notifycenter.config import Target


@click.command("tui")
@pass_cli
def command(cli: CliContext) -> None:
    """Open the notification center.

    With no server configured and no hub answering at the default address, it starts an
    embedded hub (data in the data dir) that producers can post to while it is open.
    """
    from notifycenter.config import data_dir
    from notifycenter.tui.embedded import hub_answers

    target = cli.target()
    embedded = data_dir() if target.is_default and not hub_answers(target.server) else None
    run_app(cli, target, embedded_data_dir=embedded, state_dir=data_dir())


def run_app(
    cli: CliContext,
    target: Target,
    *,
    embedded_data_dir: Path | None,
    state_dir: Path | None,
    producers: Callable[[str], Awaitable[None]] | None = None,
    simulated: bool = False,
) -> None:
    """Build the app from the config's [tui] table and run it; bad settings fail before the screen clears."""
    from notifycenter.config import load_config
    from notifycenter.tui.gil import quick_thread_switches
    from notifycenter.tui.startup import collector_paused

    with collector_paused():  # the app's imports are most of the time to the first rows
        from notifycenter.tui.app import NotifyCenterApp
        from notifycenter.tui.settings import parse_tui_settings

    settings = parse_tui_settings(load_config().tui)
    app = NotifyCenterApp(
        target,
        settings=settings,
        readonly=cli.readonly,
        initial_filter=cli.filter,
        embedded_data_dir=embedded_data_dir,
        state_dir=state_dir,
        producers=producers,
        simulated=simulated,
    )
    app.check_settings()
    previous = signal.signal(signal.SIGINT, quit_on_interrupt(app.exit))
    try:
        with quick_thread_switches():
            app.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    if app.return_code:  # quit from the error screen: nothing could be shown
        raise SystemExit(app.return_code)


def quit_on_interrupt(quit_app: Callable[[], object]) -> Callable[[int, FrameType | None], None]:
    """Ctrl-C sent as a signal (`kill -INT`, a terminal not in raw mode) quits the app the
    way its quit key does, so an embedded hub and the demo's producers stop cleanly.
    asyncio's own handler would cancel the app's task wherever it is, mid start-up
    included. A second Ctrl-C, or one while no loop runs, interrupts as Python does."""
    interrupted = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or interrupted:
            raise KeyboardInterrupt
        interrupted = True
        loop.call_soon_threadsafe(quit_app)

    return handler
