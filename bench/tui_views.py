"""Key to frame for the notification center's views — buckets, severities, a status — on a
hub of N events, as an operator at a terminal sees it.

    .venv/bin/python bench/tui_views.py [--events 200000] [--data DIR] [--rounds 3]
    .venv/bin/python bench/tui_views.py --events 1000000 --data /tmp/nc-1m   # filled once, reused

Starts `notifycenter serve` on a data dir holding N events (or one filled by an earlier
run), then `notifycenter --server URL tui` in a pseudo-terminal of 120×36. Once the whole
backlog is in (or after `--settle` seconds, saying how far it got), each round switches to
every view and back, timing each switch from the key written to the terminal until the
list on the terminal shows the new view: every severity on screen belongs to it (and, going
back to all, one that does not belong to the view just left). Views:

- buckets `1`–`4` (Errors, Warnings, Infos, Audit), each pressed again to leave it;
- `e` (unacknowledged errors only) and `ctrl+z` (errors and warnings), and back;
- a status: `/status:acked` + enter, which matches nothing in this log (no event is
  acknowledged), so the whole store is searched; timed from the enter key until the list is
  empty; `c` (clear the filter) leaves it.

Prints p50/p95/max per kind of view and overall, with the load average.
Target (issue: performance at scale): every bucket/severity/status view <= 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_ingest import BACKENDS
from tui_pty import (
    BACKLOGS,
    Terminal,
    Tui,
    bench_dirs,
    filled_hub,
    load_note,
    moved,
    percentiles,
)

ERRORS = {"EMR", "ALR", "CRT", "ERR"}
WARNINGS = {"WRN"}
INFOS = {"NTC", "INF", "OK"}
AUDIT = {"DBG", "AUD"}
EVERYTHING = ERRORS | WARNINGS | INFOS | AUDIT
ENTER, CTRL_Z = b"\r", b"\x1a"


def only(allowed: set[str]) -> Callable[[Terminal], bool]:
    """The list shows rows, all of them of the `allowed` severities."""

    def shown(screen: Terminal) -> bool:
        found = screen.severities()
        return bool(found) and set(found) <= allowed

    return shown


def beyond(left: set[str]) -> Callable[[Terminal], bool]:
    """The list shows a row that the view just left would not."""
    return lambda screen: bool(set(screen.severities()) - left)


def empty(screen: Terminal) -> bool:
    return not screen.severities() and screen.highlight() is None


# (kind, keys before the timed one, the timed key, the frame that answers it)
Step = tuple[str, bytes, bytes, Callable[[Terminal], bool]]
BUCKETS = list(zip(b"1234", (ERRORS, WARNINGS, INFOS, AUDIT), strict=True))
STEPS: list[Step] = [
    *(
        step
        for key, rows in BUCKETS
        for step in (
            ("bucket", b"", bytes([key]), only(rows)),
            ("bucket", b"", bytes([key]), beyond(rows)),
        )
    ),
    ("severity", b"", b"e", only(ERRORS)),
    ("severity", b"", b"e", beyond(ERRORS)),
    ("severity", b"", CTRL_Z, only(ERRORS | WARNINGS)),
    ("severity", b"", CTRL_Z, beyond(ERRORS | WARNINGS)),
    ("status", b"/status:acked", ENTER, empty),
    ("status", b"", b"c", beyond(set())),
]


def switch(tui: Tui, step: Step) -> float:
    """Seconds from the timed key until the frame answers it."""
    kind, typed, key, answered = step
    for char in typed:
        tui.press(bytes([char]))
        time.sleep(0.02)
    if typed:
        time.sleep(0.3)  # the prompt has drawn what was typed
    sent = time.monotonic()
    tui.press(key)
    if not tui.wait(lambda: answered(tui.screen), timeout=30):
        raise RuntimeError(f"{kind} view {typed + key!r}: no answering frame within 30 s")
    return time.monotonic() - sent


def views(port: int, home: Path, rounds: int, settle: float) -> dict[str, list[float]]:
    tui = Tui.center(f"http://127.0.0.1:{port}", home)
    timed: dict[str, list[float]] = {}
    try:
        if not tui.wait(lambda: moved(tui.screen, None), timeout=120):
            raise RuntimeError("no rows on screen within 120 s")
        tui.wait(lambda: not tui.screen.loading(), timeout=settle)
        state = "still loading the backlog" if tui.screen.loading() else "backlog loaded"
        print(f"  views timed after {time.monotonic() - tui.started:.1f} s ({state})")
        for _ in range(rounds):
            for step in STEPS:
                timed.setdefault(step[0], []).append(switch(tui, step))
                time.sleep(0.3)  # at human pace
    finally:
        tui.close()
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=180.0, help="seconds to let it load")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    parser.add_argument("--data", type=Path, help="hub data dir to keep and reuse across runs")
    parser.add_argument(
        "--backlog",
        choices=BACKLOGS,
        default="snapshot",
        help="the hub sends its backlog snapshot (default), or only pages (--no-snapshots)",
    )
    options = parser.parse_args()
    with (
        bench_dirs(options.data, "views") as (data, home),
        filled_hub(data, options.events, options.backend, options.backlog) as port,
    ):
        print(
            f"notifycenter tui at 120x36 on a hub of {options.events:,} events"
            f" (backlog from {options.backlog}):"
        )
        timed = views(port, home, options.rounds, options.settle)
    every = [s for seconds in timed.values() for s in seconds]
    for kind, seconds in [*timed.items(), ("every view", every)]:
        p50, p95, most = percentiles(seconds)
        print(
            f"  {kind:>12} ({len(seconds):3d}): p50 {p50:6.1f}  p95 {p95:6.1f}  max {most:6.1f} ms"
        )
    print(f"end: {load_note()}")
    print(f"  {'target':>12}: every bucket/severity/status view <= 100 ms")


if __name__ == "__main__":
    main()
