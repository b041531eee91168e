"""Write the README's screenshots into screenshots/ (PNG, via the app's SVG and cairosvg).

    .venv/bin/pip install cairosvg && apt-get install -y fonts-firacode
    .venv/bin/python scripts/screenshots.py

The data is the demo's simulated traffic with a fixed seed and fixed times, served by an
embedded hub on a temporary data dir, so that the pictures only change when the UI does.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import cairosvg

from notifycenter.client import HubClient
from notifycenter.config import Target
from notifycenter.demo.scenario import Scenario
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.emergency import EmergencyScreen
from notifycenter.tui.widgets.header import HeaderBar

OUT = Path(__file__).resolve().parent.parent / "screenshots"
NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
EVENTS = Scenario.fixed(seed=11).take(80)


async def seed(url: str) -> None:
    async with HubClient(url) as client:
        await client.emit_batch(EVENTS)


async def settle(pilot, condition=lambda: True, timeout: float = 15.0) -> None:
    app = pilot.app
    deadline = asyncio.get_running_loop().time() + timeout
    while not (condition() and app.settled):
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit("the screen did not settle")
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def save(app: NotifyCenterApp, name: str) -> Path:
    svg = app.export_screenshot(title=f"notifycenter — {name}")
    path = OUT / f"{name}.png"
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(path), output_width=1600)
    print(path)
    return path


async def shoot(size: tuple[int, int], suffix: str = "") -> None:
    workdir = Path(tempfile.mkdtemp(prefix="notifycenter-shots-"))
    target = Target(name="prod-eu", server="http://127.0.0.1:0", token=None, source="default")
    app = NotifyCenterApp(
        target,
        embedded_data_dir=workdir / "hub",
        producers=seed,
        simulated=True,
        clock=lambda: NOW,
        display_tz=UTC,
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: app.store.event_count == len(EVENTS))
        app.query_one(HeaderBar).server = "http://127.0.0.1:9181"
        app.clear_notifications()
        app._tick()  # what the one-second timer does: the demo's ALERT takes over
        await settle(pilot, lambda: isinstance(app.screen, EmergencyScreen))
        save(app, f"emergency{suffix}")
        await pilot.press("a")  # acknowledged: the list is back
        await settle(pilot, lambda: app.screen is app.center)
        await pilot.press("j", "j")
        await settle(pilot)
        save(app, f"main{suffix}")
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        save(app, f"detail-remediation{suffix}")
        await pilot.press("enter")  # the detail takes the whole screen
        await pilot.pause(0.3)
        save(app, f"detail-full{suffix}")
        await pilot.press("escape", "slash", *"sev>=warning src:linkerd")
        await pilot.pause(0.2)
        save(app, f"filter-typing{suffix}")
        await pilot.press("enter")
        await settle(pilot)
        save(app, f"filter{suffix}")
        await pilot.press("c", "ctrl+z")  # k9s's toggle: errors and warnings only
        await settle(pilot)
        save(app, f"errors-and-warnings{suffix}")
        await pilot.press("ctrl+a", "x")  # select the view, archive: asked first, with the count
        await pilot.pause(0.3)
        save(app, f"archive-confirm{suffix}")
        await pilot.press("escape", "escape", "ctrl+z", "question_mark")
        await pilot.pause(0.3)
        save(app, f"help{suffix}")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    asyncio.run(shoot((120, 36)))
    asyncio.run(shoot((80, 24), "-80x24"))


if __name__ == "__main__":
    sys.exit(main())
