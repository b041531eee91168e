"""The event list with a million events, headless: first paint, keys, filters, a live stream.

    .venv/bin/python bench/tui_list.py [--events 1000000] [--rate 5000] [--seconds 10]

Prints every figure it measures. Targets: first paint <= 1 s, a keypress to its frame
<= 50 ms (median), a filter over all events <= 300 ms, and a stream of 5,000 events/s
for 10 s with no row shown more than 1 s after its event was created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.strip import Strip

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_memory import synthetic_events

from notifycenter.model.severity import Severity
from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.event_list import EventList

STYLES = Path(__file__).resolve().parent.parent / "styles" / "event_list.tcss"


class TimedList(EventList):
    """Records when anything was last drawn and, while a stream runs, how old the newest
    row the list holds is each time a frame draws its first line.

    The highlight stays on its event, so arrivals go above the visible rows ("↑ N new")
    unless the operator is at the top: the figure is how far the list's newest row trails
    the producer, what `g` shows in one keypress."""

    def __init__(self, store: EventStore) -> None:
        super().__init__(store, id="events")
        self.last_draw = 0.0
        self.due: dict[int, float] = {}  # cursor -> when the producer was due to make it
        self.top_lags: list[float] = []

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        now = time.perf_counter()
        self.last_draw = now
        if self.due and y == 0 and self.index:
            due = self.due.get(int(self.store.row(self.index[0]).cursor))
            if due is not None:
                self.top_lags.append(now - due)
        return strip


class Bench(App[None]):
    CSS_PATH = str(STYLES)

    def __init__(self, store: EventStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield TimedList(self.store)


def load(count: int) -> EventStore:
    store = EventStore(capacity_hint=count)
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for event in synthetic_events(count):
        batch.append(event)
        if len(batch) == 5000:
            store.add(batch)
            batch.clear()
    store.add(batch)
    print(
        f"loaded events={store.event_count} rows={len(store)} in {time.perf_counter() - started:.1f}s"
    )
    return store


def report(name: str, seconds: list[float], target: float | None = None) -> None:
    if not seconds:
        print(f"{name}: nothing measured")
        return
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    goal = f" (target <= {target * 1000:.0f} ms)" if target else ""
    print(
        f"{name}: median={statistics.median(ms):.1f} ms p95={p95:.1f} ms max={ms[-1]:.1f} ms n={len(ms)}{goal}"
    )


async def keys(pilot: Any, widget: TimedList) -> None:
    for name, key in (("key j", "j"), ("key pagedown", "pagedown"), ("key k", "k")):
        times = []
        for _ in range(40):
            before = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times.append(widget.last_draw - before)
        report(f"{name} to frame", times, 0.05)
    before = time.perf_counter()
    await pilot.press("G")
    await pilot.pause()
    print(
        f"key G (to the oldest of {len(widget.index):,}) to frame: {(widget.last_draw - before) * 1000:.1f} ms"
    )
    await pilot.press("g")


def filters(store: EventStore, widget: TimedList) -> None:
    views = {
        "bucket=errors": ViewQuery(bucket="errors"),
        "min_severity=WARNING": ViewQuery(min_severity=Severity.WARNING),
        "status=unacked": ViewQuery(status="unacked"),
        "unacked errors only": ViewQuery(unacked_errors_only=True),
        "text='istio'": ViewQuery(text="istio"),
        "text='timed out'": ViewQuery(text="timed out"),
        "bucket=warnings text='gateway'": ViewQuery(bucket="warnings", text="gateway"),
        "everything": ViewQuery(),
    }
    for name, view in views.items():
        times, cpu, rows = [], [], 0
        for _ in range(3):
            before, before_cpu = time.perf_counter(), time.process_time()
            rows = len(store.select(view))
            times.append(time.perf_counter() - before)
            cpu.append(time.process_time() - before_cpu)
        print(
            f"filter {name}: {min(times) * 1000:.0f} ms best of 3, "
            f"{statistics.median(times) * 1000:.0f} ms median, {min(cpu) * 1000:.0f} ms CPU "
            f"-> {rows:,} rows (target <= 300 ms)"
        )
    before = time.perf_counter()
    widget.set_index(store.select(ViewQuery(bucket="errors")), ViewQuery(bucket="errors"))
    widget.set_index(store.select(ViewQuery()), ViewQuery())
    print(
        f"set_index twice (1M rows, highlight kept): {(time.perf_counter() - before) * 1000:.0f} ms"
    )


async def stream(
    pilot: Any,
    store: EventStore,
    widget: TimedList,
    rate: int,
    seconds: float,
    push: Any = None,
    start_cursor: int = 10**12,
) -> None:
    """A producer makes events at `rate`; a 100 ms flush timer adds them, as the app does
    (or, with `push`, the events go to the full app's own feed and flush timer).

    Lag is measured from when each event was due (start + n / rate, so a stalled loop
    that makes events late does not hide its own delay) to a frame showing it on top."""
    created = widget.due
    widget.top_lags.clear()
    feed: list[dict[str, Any]] = []
    source = synthetic_events(
        int(rate * seconds) + rate,
        start_cursor=start_cursor,
        seed=11,
        now_ms=int(time.time() * 1000),
    )
    adds: list[float] = []

    async def produce() -> None:
        started = time.perf_counter()
        made = 0
        while made < rate * seconds:
            due = int((time.perf_counter() - started) * rate)
            while made < min(due, rate * seconds):
                event = next(source)
                created[int(event["cursor"])] = started + made / rate
                (push or feed.append)(event)
                made += 1
            await asyncio.sleep(0.01)

    def flush() -> None:
        if not feed:
            return
        batch = feed[:]
        feed.clear()
        before = time.perf_counter()
        change = store.add(batch)
        adds.append(time.perf_counter() - before)
        widget.post_message(EventList.StoreChanged(change))

    timer = None if push else pilot.app.set_interval(0.1, flush)
    producer = asyncio.create_task(produce())
    await producer
    await asyncio.sleep(0.5)
    if timer is not None:
        timer.stop()
        flush()
    await pilot.pause()
    print(
        f"stream: {len(created):,} events at {rate}/s for {seconds:.0f}s, store now {store.event_count:,} events"
    )
    if not push:
        report("stream store.add per 100 ms batch", adds)
    report("stream age of the list's newest row, per frame", widget.top_lags, 1.0)
    above, before = widget.new_above, time.perf_counter()
    await pilot.press("g")
    await pilot.pause()
    drawn = widget.last_draw - before
    print(
        f"key g (to the newest, {above:,} new above it) to frame: "
        + (f"{drawn * 1000:.1f} ms" if drawn >= 0 else "nothing to redraw (already on the newest)")
    )
    created.clear()


def load_average() -> str:
    """Other processes on the machine slow every figure down: say how busy it was."""
    return "load average {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count())


async def first_paint(app: Any, pilot: Any, started: float) -> TimedList:
    """Wait for the list's first frame and print how long it took from the app's start."""
    widget = app.query_one(TimedList)
    await pilot.pause()
    print(
        f"first paint with {len(widget.index):,} rows: {(widget.last_draw - started) * 1000:.0f} ms "
        f"(target <= 1000 ms)"
    )
    return widget


async def run(args: argparse.Namespace) -> None:
    print(load_average())
    store = load(args.events)
    print("== a minimal app hosting the event list")
    app = Bench(store)
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        widget = await first_paint(app, pilot, started)
        await keys(pilot, widget)
        filters(store, widget)
        await pilot.press("g")  # start on the newest row, as an operator watching the stream
        await pilot.pause()
        await stream(pilot, store, widget, args.rate, args.seconds)
    print(load_average())
    if not args.no_app:
        await run_full_app(store, args)
        print(load_average())


async def run_full_app(store: EventStore, args: argparse.Namespace) -> None:
    """The same with the notification center itself, its store filled beforehand."""
    try:
        from notifycenter.config import Target
        from notifycenter.tui.app import NotifyCenterApp
    except ImportError as error:
        print(f"== full app: not available ({error})")
        return

    class BenchApp(NotifyCenterApp):
        def connect(self) -> None:
            """No hub: the store is filled already and the bench feeds the stream."""

        def new_event_list(self) -> Any:
            events = TimedList(self.store)
            events.tz = self.display_tz
            return events

    print("== the full notification center app")
    app = BenchApp(Target("bench", "http://127.0.0.1:9", None, "flag"))
    app.session.store = store
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        widget = await first_paint(app, pilot, started)
        await keys(pilot, widget)
        await pilot.press("g")
        await pilot.pause()
        await stream(
            pilot,
            store,
            widget,
            args.rate,
            args.seconds,
            push=app.session.feed.push,
            start_cursor=2 * 10**12,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-app", action="store_true", help="skip the full notification center app"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
