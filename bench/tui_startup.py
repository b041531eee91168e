"""The notification center's start against a hub that already holds a big log, headless.

    .venv/bin/python bench/tui_startup.py [--events 200000]

Fills a fresh hub, then opens the notification center on it and prints: time to the first
rows on screen (the newest page of `GET /api/events`), time until every event is in the
store with the list selected again, and how long the longest flush held the screen.
Target: first rows <= 1 s whatever the log's size.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hub_common import hub_process
from store_memory import synthetic_events

from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp

BATCH = 1000


def fill(url: str, count: int) -> float:
    started = time.perf_counter()
    batch: list[dict] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for event in synthetic_events(count):
            event.pop("cursor", None)
            batch.append(event)
            if len(batch) == BATCH:
                _post(client, batch)
                batch = []
        if batch:
            _post(client, batch)
    return time.perf_counter() - started


def _post(client: httpx.Client, batch: list[dict]) -> None:
    response = client.post(
        "/api/events",
        content=orjson.dumps(batch),
        headers={"Content-Type": "application/cloudevents-batch+json"},
    )
    response.raise_for_status()


class TimedApp(NotifyCenterApp):
    """Records how long each flush holds the event loop."""

    longest_flush = 0.0

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        flush = self.flusher.flush

        def timed() -> None:
            started = time.perf_counter()
            flush()
            self.longest_flush = max(self.longest_flush, time.perf_counter() - started)

        self.flusher.flush = timed  # type: ignore[method-assign]


async def open_center(url: str, count: int) -> dict[str, float]:
    app = TimedApp(Target(name="bench", server=url, token=None, source="flag"))
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        started = time.perf_counter()
        while not (app.center.alive and len(app.center.events.index)):
            await pilot.pause(0.01)
        figures["first rows on screen (s)"] = time.perf_counter() - started
        while not (app.store.event_count >= count and app.settled):
            await pilot.pause(0.05)
        figures["every event loaded and listed (s)"] = time.perf_counter() - started
        figures["rows listed"] = len(app.center.events.index)
        figures["longest flush (ms)"] = app.longest_flush * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    options = parser.parse_args()
    with hub_process() as hub:
        url = f"http://127.0.0.1:{hub.port}"
        seconds = fill(url, options.events)
        print(f"hub filled with {options.events:,} events in {seconds:.1f} s")
        for name, value in asyncio.run(open_center(url, options.events)).items():
            print(f"{name:>36}: {value:,.2f}")


if __name__ == "__main__":
    main()
