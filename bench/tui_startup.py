"""The notification center's start on a hub that already holds a big log, from the process
start to what is on the terminal, beside a bare Textual app started the same way.

    .venv/bin/python bench/tui_startup.py [--events 200000] [--data DIR] [--wait 300]
    .venv/bin/python bench/tui_startup.py --events 1000000 --data /dev/shm/nc-1m   # reused

Starts `notifycenter serve` on a data dir holding N events (filled through the hub's API,
or reused when an earlier run filled it), then `notifycenter --server URL tui` in a
pseudo-terminal of 120×36. The clock starts just before the process is forked, so every
figure includes the interpreter, the imports, the hub's answers and the frame on the
terminal:

- first rows: the list shows a highlighted row;
- counts exact: the bucket strip adds up to all N events;
- backlog loaded: the header stopped saying "loading backlog" (every older page is in the
  store, so every row can be reached and the counts are the store's own) — or how far it
  got within `--wait` seconds.

Then two peers, from their process start to their first row: the stack's floor (click,
Textual and httpx asking the same hub for the same two answers and drawing the page, with
none of the center's code: bench/tui_floor.py) and a bare Textual app with a list of the
same size (bench/tui_bare.py). Prints the load average with each part.
Targets: first rows <= 0.5 s; the whole backlog usable <= 10 s.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_ingest import BACKENDS
from tui_pty import BACKLOGS, Tui, bench_dirs, filled_hub, load_note, moved

PERCENT = re.compile(r"loading backlog (\d+)%")


def center_start(port: int, home: Path, count: int, wait: float) -> dict[str, str]:
    figures: dict[str, str] = {}
    tui = Tui.center(f"http://127.0.0.1:{port}", home)
    tui.expected = count
    try:
        if not tui.wait(partial(moved, tui.screen, None), timeout=120):
            raise RuntimeError("no rows on screen within 120 s")
        figures["first rows after process start (s)"] = f"{time.monotonic() - tui.started:.2f}"
        tui.wait(lambda: tui.counted_all_at is not None, timeout=60)
        counted = tui.counted_all_at
        figures["counts exact after process start (s)"] = (
            f"{counted:.2f}" if counted is not None else "not within 60 s"
        )
        tui.wait(lambda: tui.loaded_at is not None, timeout=wait)
        if tui.loaded_at is not None:
            figures["whole backlog loaded after process start (s)"] = f"{tui.loaded_at:.1f}"
        else:
            found = PERCENT.search(tui.screen.text(0))
            share = f"{found.group(1)}%" if found else "unknown share"
            figures["whole backlog loaded after process start (s)"] = (
                f"not within {wait:.0f} s ({share} loaded)"
            )
        figures["TUI CPU until then (s)"] = f"{tui.cpu_seconds():.1f}"
    finally:
        tui.close()
    return figures


def peer_start(tui: Tui) -> float:
    """From a peer's process start to its first row."""
    try:
        if not tui.wait(partial(moved, tui.screen, None), timeout=60):
            raise RuntimeError("the peer drew nothing within 60 s")
        return time.monotonic() - tui.started
    finally:
        tui.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    parser.add_argument("--data", type=Path, help="hub data dir to keep and reuse across runs")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for the load")
    parser.add_argument(
        "--backlog",
        choices=BACKLOGS,
        default="snapshot",
        help="the hub sends its backlog snapshot (default), or only pages (--no-snapshots)",
    )
    options = parser.parse_args()
    with bench_dirs(options.data, "start") as (data, home):
        with filled_hub(data, options.events, options.backend, options.backlog) as port:
            print(
                f"notifycenter tui at 120x36 on a hub of {options.events:,} events"
                f" (backlog from {options.backlog}):"
            )
            for name, value in center_start(port, home, options.events, options.wait).items():
                print(f"  {name:>46}: {value}")
            print(f"after the TUI: {load_note()}")
            floor = peer_start(Tui.floor(f"http://127.0.0.1:{port}", home))
            print(f"  {'peer, click+Textual+httpx, first page (s)':>46}: {floor:.2f}")
        print(f"  {'peer, bare Textual app: first row (s)':>46}: {peer_start(Tui.bare(home)):.2f}")
        print(f"end: {load_note()}")
        print(f"  {'target':>46}: first rows <= 0.5 s; whole backlog usable <= 10 s")


if __name__ == "__main__":
    main()
