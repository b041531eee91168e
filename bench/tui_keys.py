"""Key to frame in the notification center while its backlog loads, as an operator at a
terminal sees it, beside a bare Textual app in the same run.

    .venv/bin/python bench/tui_keys.py [--events 2000] [--keys 200] [--interval 0.15]
    .venv/bin/python bench/tui_keys.py --events 1000000 --data /dev/shm/nc-1m   # filled once, reused
    .venv/bin/python bench/tui_keys.py --keys 100 --profile /tmp/keys.prof  # cProfile the keys

Starts `notifycenter serve` on a data dir holding N events (loaded through the hub's API in
batches of 1,000, or a dir filled by an earlier run), then `notifycenter --server URL tui`
in a pseudo-terminal of 120×36 (TERM=xterm-256color, a throw-away HOME). As soon as the
first rows are on the terminal — while the backlog is still loading — it presses KEYS
keys at human pace (`j` for half of them, then `k`: see `down_then_up`) and times each
from the key written to the terminal until the terminal's output shows the highlight on
another row (a small screen model follows the escape stream). Then the same keys in the peer, a bare Textual app with a list of the same
size (bench/tui_bare.py), on the same machine at the same time. Prints p50/p95/max key to
frame for both, how many keys were pressed while the header still said "loading backlog",
the TUI's CPU per key above its CPU while loading without keys, and the load average.
Target: p95 <= 50 ms while the backlog loads.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_ingest import BACKENDS
from tui_pty import BACKLOGS, Tui, bench_dirs, filled_hub, load_note, moved, percentiles


def down_then_up(keys: int) -> list[bytes]:
    """`j` for half the keys, then `k`: the highlight goes down (the list scrolls once it
    reaches the screen's bottom) and back, and never meets the list's end, where a key
    moves nothing (before the backlog is in, the list holds the first page's 100 rows)."""
    return [b"j"] * (keys // 2) + [b"k"] * (keys - keys // 2)


def press_keys(tui: Tui, interval: float, keys: list[bytes]) -> tuple[list[float], list[float]]:
    """Seconds from each key written until the highlight shows on another row (or the
    same row with another event, once the list scrolls); and the same of the keys pressed
    while the header said the backlog was loading."""
    latencies: list[float] = []
    loading: list[float] = []
    for key in keys:
        before = tui.highlight()
        was_loading = tui.screen.loading()
        sent = time.monotonic()
        tui.press(key)
        if not tui.wait(partial(moved, tui.screen, before), timeout=10):
            raise RuntimeError(f"no frame answered the key within 10 s (highlight {before})")
        latencies.append(time.monotonic() - sent)
        if was_loading:
            loading.append(latencies[-1])
        time.sleep(max(interval - (time.monotonic() - sent), 0))
    return latencies, loading


def center_keys(
    port: int, home: Path, keys: int, interval: float, profile: Path | None
) -> dict[str, float]:
    figures: dict[str, float] = {}
    tui = Tui.center(f"http://127.0.0.1:{port}", home, profile)
    try:
        if not tui.wait(partial(moved, tui.screen, None), timeout=120):
            raise RuntimeError("no rows on screen within 120 s")
        figures["first rows after process start (s)"] = time.monotonic() - tui.started
        if profile is not None:
            os.kill(tui.pid, signal.SIGUSR1)
        cpu, started = tui.cpu_seconds(), time.monotonic()
        latencies, loading = press_keys(tui, interval, down_then_up(keys))
        if profile is not None:
            os.kill(tui.pid, signal.SIGUSR2)
        pressing, cpu_keys = time.monotonic() - started, tui.cpu_seconds() - cpu
        figures["keys pressed while loading"] = len(loading)
        figures["keys pressed"] = len(latencies)
        if loading:
            _, figures["while loading: p95 (ms)"], figures["while loading: max (ms)"] = percentiles(
                loading
            )
        still_loading = tui.screen.loading()
        cpu = tui.cpu_seconds()
        time.sleep(pressing)  # as long again without keys: what the TUI spends meanwhile
        cpu_idle = tui.cpu_seconds() - cpu
        p50, p95, most = percentiles(latencies)
        figures["key to frame p50 (ms)"] = p50
        figures["key to frame p95 (ms)"] = p95
        figures["key to frame max (ms)"] = most
        if still_loading:  # the loader yields to keys, so a keyless period is no baseline
            figures["TUI CPU per key, loading included (ms)"] = 1000 * cpu_keys / keys
        else:
            figures["CPU per key above idle (ms)"] = 1000 * max(cpu_keys - cpu_idle, 0) / keys
    finally:
        tui.close()
    return figures


def bare_keys(home: Path, keys: int, interval: float) -> dict[str, float]:
    tui = Tui.bare(home)
    try:
        if not tui.wait(partial(moved, tui.screen, None), timeout=60):
            raise RuntimeError("the bare app drew nothing within 60 s")
        latencies, _ = press_keys(tui, interval, down_then_up(keys))
    finally:
        tui.close()
    p50, p95, most = percentiles(latencies)
    return {
        "key to frame p50 (ms)": p50,
        "key to frame p95 (ms)": p95,
        "key to frame max (ms)": most,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.15, help="seconds between keys")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    parser.add_argument("--data", type=Path, help="hub data dir to keep and reuse across runs")
    parser.add_argument("--profile", type=Path, help="cProfile the TUI while keys are pressed")
    parser.add_argument(
        "--backlog",
        choices=BACKLOGS,
        default="snapshot",
        help="the hub sends its backlog snapshot (default), or only pages (--no-snapshots)",
    )
    options = parser.parse_args()
    with bench_dirs(options.data, "keys") as (data, home):
        with filled_hub(data, options.events, options.backend, options.backlog) as port:
            print(
                f"notifycenter tui at 120x36 on a hub of {options.events:,} events"
                f" (backlog from {options.backlog}):"
            )
            center = center_keys(port, home, options.keys, options.interval, options.profile)
            for name, value in center.items():
                print(f"  {name:>38}: {value:,.1f}")
        print(f"peer, a bare Textual app with a list (bench/tui_bare.py), {load_note()}:")
        for name, value in bare_keys(home, options.keys, options.interval).items():
            print(f"  {name:>38}: {value:,.1f}")
        print(f"end: {load_note()}")
        print(f"  {'target':>38}: key to frame p95 <= 50 ms while the backlog loads")


if __name__ == "__main__":
    main()
