"""Operations at scale: ROOTS concurrent operations with CHILDREN children each, on a real hub.

Measures (and prints; it asserts nothing):
- ingest of the started/progress events, through the operations projection;
- GET /api/operations (several filters) and GET /api/operations/{id}, median and p95;
- the TUI operations view: from opening to the first rows drawn, a cursor move, and a
  full refresh, in a headless Textual app.

    .venv/bin/python bench/operations.py [--roots 10000] [--children 10] [--requests 30]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notifycenter.model.lifecycle import format_time
from notifycenter.model.operations import Phase, operation_fields
from tests.hubprocess import HubProcess

BATCH = 1000
SOURCE = "urn:meshery:bench:operations"


def operation_events(roots: int, children: int) -> Iterator[dict[str, Any]]:
    """Each root started, its children started, half of them with one progress report."""
    now = format_time(datetime.now(UTC))
    for number in range(roots):
        trace, root = secrets.token_hex(16), secrets.token_hex(8)
        yield _event(Phase.STARTED, trace, root, None, f"Deploy design {number}", now)
        for child_number in range(children):
            child = secrets.token_hex(8)
            yield _event(Phase.STARTED, trace, child, root, f"Step {child_number}", now, total=4)
            if child_number % 2:
                yield _event(
                    Phase.PROGRESS, trace, child, root, f"Step {child_number}", now, done=2, total=4
                )


def _event(
    phase: Phase, trace: str, op_id: str, parent: str | None, name: str, now: str, **counts: int
) -> dict[str, Any]:
    fields = operation_fields(
        phase, op_id=op_id, trace_id=trace, parent=parent, name=name, **counts
    )
    return {
        "specversion": "1.0",
        "id": secrets.token_hex(12),
        "source": SOURCE,
        "time": now,
        **fields,
    }


def ingest(url: str, roots: int, children: int) -> tuple[int, float]:
    batch: list[dict[str, Any]] = []
    sent = 0
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120) as http:
        for event in operation_events(roots, children):
            batch.append(event)
            if len(batch) == BATCH:
                sent += _post(http, batch)
                batch = []
        if batch:
            sent += _post(http, batch)
    return sent, time.perf_counter() - started


def _post(http: httpx.Client, batch: list[dict[str, Any]]) -> int:
    answer = http.post(
        "/api/events",
        content=orjson.dumps(batch),
        headers={"Content-Type": "application/cloudevents-batch+json"},
    )
    answer.raise_for_status()
    return len(batch)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def bench_api(url: str, repeat: int) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        some_root = http.get("/api/operations", params={"root": "1", "limit": "1"}).json()["items"][
            0
        ]["id"]
        cases = {
            "GET /api/operations (limit 100)": {},
            "GET /api/operations?root=1": {"root": "1"},
            "GET /api/operations?state=running&limit=1000": {"state": "running", "limit": "1000"},
            "GET /api/operations?state=stalled (none match)": {"state": "stalled"},
            "GET /api/operations?filter=name LIKE 'Deploy design 99%'": {
                "filter": "name LIKE 'Deploy design 99%'"
            },
        }
        for label, params in cases.items():
            count = len(http.get("/api/operations", params=params).json()["items"])
            median, p95 = timed(
                lambda p=params: http.get("/api/operations", params=p).raise_for_status(), repeat
            )
            print(f"  {label:<62} {count:>5} items  median {median:7.1f} ms  p95 {p95:7.1f} ms")
        median, p95 = timed(
            lambda: http.get(f"/api/operations/{some_root}").raise_for_status(), repeat
        )
        print(
            f"  {'GET /api/operations/{id} (a root with its children, events)':<62} {'':>11}  "
            f"median {median:7.1f} ms  p95 {p95:7.1f} ms"
        )


async def bench_tui(url: str) -> None:
    from textual.app import App

    from notifycenter.client.hub import HubClient
    from notifycenter.tui.operations import OperationsScreen, OperationTree
    from notifycenter.tui.styles import css_paths

    async with HubClient(url) as client:
        app = App(css_path=css_paths())
        async with app.run_test(size=(120, 40)) as pilot:
            drawn: list[float] = []
            start = time.perf_counter()
            screen = OperationsScreen(client)
            await app.push_screen(screen)
            tree = screen.query_one(OperationTree)
            _record_draws(tree, drawn)
            while not drawn:
                await pilot.pause(0.005)
            opened = (drawn[0] - start) * 1000
            await screen.workers.wait_for_complete()
            await pilot.pause(0.3)
            moves = []
            for _ in range(10):
                drawn.clear()
                start = time.perf_counter()
                tree.action_move(1)
                while not drawn:
                    await pilot.pause(0.001)
                moves.append((drawn[0] - start) * 1000)
            drawn.clear()
            start = time.perf_counter()
            await screen.refresh_data().wait()
            refreshed = (time.perf_counter() - start) * 1000
            print(
                f"  TUI view: open to first rows drawn {opened:7.1f} ms ({len(tree.rows)} rows, "
                f"{len(screen.roots)} roots loaded, {len(screen.trees)} trees open)"
            )
            print(
                f"  TUI view: cursor move to redrawn, median {statistics.median(moves):5.1f} ms "
                f"(max {max(moves):5.1f}); full refresh (roots + open trees) {refreshed:7.1f} ms"
            )


def _record_draws(tree: Any, drawn: list[float]) -> None:
    """Note when the view draws a line with an operation on it: what the operator sees."""
    original = tree.render_line

    def render_line(y: int) -> Any:
        strip = original(y)
        if tree.rows and not drawn:
            drawn.append(time.perf_counter())
        return strip

    tree.render_line = render_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, default=10_000)
    parser.add_argument("--children", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        hub = HubProcess(Path(directory) / "hub")
        hub.start()
        try:
            operations = args.roots * (args.children + 1)
            print(
                f"{args.roots} root operations x {args.children} children = {operations} operations"
            )
            sent, seconds = ingest(hub.url, args.roots, args.children)
            print(f"  ingest: {sent} events in {seconds:.1f} s ({sent / seconds:,.0f} events/s)")
            bench_api(hub.url, args.requests)
            asyncio.run(bench_tui(hub.url))
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
