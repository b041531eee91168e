"""The event list on a big hub, from each key to the frame that answers it, as an operator
at a terminal sees it: moving, the bucket views, errors only, problems only, a filter.

    .venv/bin/python bench/tui_list.py [--events 200000] [--data DIR] [--rounds 5]
    .venv/bin/python bench/tui_list.py --events 1000000 --data /dev/shm/nc-1m   # reused

Starts `notifycenter serve` on a data dir holding N events (filled through the hub's API,
or reused), then `notifycenter --server URL tui` in a pseudo-terminal of 120×36, and as
soon as the first rows show (while the backlog is still loading) presses, ROUNDS times:

- `j`: until the highlight is on another row;
- `1`, `2`, `3`, `4` (errors, warnings, infos, audit) and `4` again (every bucket): until
  every list row on the terminal has that bucket's severities (and, back to all, until
  they mix again);
- `e` (unacknowledged errors only) and `e` again; `ctrl+z` (warnings and above) and again;
- `/sev>=error` then `enter`, timed from `enter`, and `c` to clear it.

Each figure is from the key written to the pseudo-terminal until the terminal shows the
answer, so it includes the select over everything loaded so far and the redraw. Prints
p50 and max per key, how many were pressed while the header said "loading backlog", and
the load average. Target: views <= 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui_pty import Terminal, Tui, bench_dirs, filled_hub, load_note, moved, percentiles

ERRORS = frozenset({"EMR", "ALR", "CRT", "ERR"})
WARNINGS = frozenset({"WRN"})
INFOS = frozenset({"NTC", "INF", "OK"})
AUDIT = frozenset({"AUD", "DBG"})
PROBLEMS = ERRORS | WARNINGS
ANY = ERRORS | WARNINGS | INFOS | AUDIT


def only(kinds: frozenset[str], screen: Terminal) -> bool:
    """Every list row on screen is of these severities (and there is one)."""
    shown = screen.severities()
    return bool(shown) and set(shown) <= kinds


def beyond(kinds: frozenset[str], screen: Terminal) -> bool:
    """Some list row on screen is outside these severities: a wider view is shown."""
    return any(kind not in kinds for kind in screen.severities())


# (name, keys typed before the timed one, the timed key, what the screen must then show)
Step = tuple[str, bytes, bytes, Callable[[Terminal], bool]]
STEPS: list[Step] = [
    ("1 errors", b"", b"1", partial(only, ERRORS)),
    ("2 warnings", b"", b"2", partial(only, WARNINGS)),
    ("3 infos", b"", b"3", partial(only, INFOS)),
    ("4 audit", b"", b"4", partial(only, AUDIT)),
    ("4 again: all", b"", b"4", partial(beyond, AUDIT)),
    ("e errors only", b"", b"e", partial(only, ERRORS)),
    ("e again: all", b"", b"e", partial(beyond, ERRORS)),
    ("ctrl+z problems", b"", b"\x1a", partial(only, PROBLEMS)),
    ("ctrl+z again: all", b"", b"\x1a", partial(beyond, PROBLEMS)),
    ("/sev>=error enter", b"/|sev>=error", b"\r", partial(only, ERRORS)),
    ("c clear", b"", b"c", partial(beyond, ERRORS)),
]


def timed(tui: Tui, key: bytes, shown: Callable[[], bool]) -> float:
    sent = time.monotonic()
    tui.press(key)
    if not tui.wait(shown, timeout=30):
        screen = "\n".join(tui.screen.text(row) for row in range(tui.screen.lines))
        raise RuntimeError(f"no frame answered {key!r} within 30 s; the screen:\n{screen}")
    return time.monotonic() - sent


def run(port: int, home: Path, rounds: int) -> None:
    tui = Tui.center(f"http://127.0.0.1:{port}", home)
    times: dict[str, list[float]] = defaultdict(list)
    loading: dict[str, int] = defaultdict(int)
    try:
        if not tui.wait(partial(moved, tui.screen, None), timeout=120):
            raise RuntimeError("no rows on screen within 120 s")
        print(f"  {'first rows after process start (s)':>34}: {time.monotonic() - tui.started:.2f}")
        for _ in range(rounds):
            for _ in range(5):
                before = tui.highlight()
                loading["j"] += tui.screen.loading()
                times["j"].append(timed(tui, b"j", partial(moved, tui.screen, before)))
                time.sleep(0.15)
            for name, typed, key, predicate in STEPS:
                for part in typed.split(b"|") if typed else ():
                    tui.press(part)
                    time.sleep(0.5)  # at human pace (the prompt opens first); not timed
                loading[name] += tui.screen.loading()
                times[name].append(timed(tui, key, partial(predicate, tui.screen)))
                time.sleep(0.3)
    finally:
        tui.close()
    for name, seconds in times.items():
        p50, _, most = percentiles(seconds)
        print(
            f"  {name:>34}: p50 {p50:7.1f} ms, max {most:7.1f} ms "
            f"({len(seconds)} presses, {loading[name]} while loading)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--data", type=Path, help="hub data dir to keep and reuse across runs")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with bench_dirs(options.data, "list") as (data, home):
        with filled_hub(data, options.events) as port:
            print(
                f"notifycenter tui at 120x36 on a hub of {options.events:,} events, key to frame:"
            )
            run(port, home, options.rounds)
        print(f"end: {load_note()}")
        print(f"  {'target':>34}: views <= 100 ms; keys <= 50 ms at p95")


if __name__ == "__main__":
    main()
