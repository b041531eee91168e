"""A shorter GIL switch interval while the notification center runs.

Textual reads the keyboard and writes each frame in threads of its own, and each needs
the GIL to do so. While the backlog loads the event loop's thread is busy, and CPython
lets a waiting thread in only after the holder has run for the switch interval (5 ms by
default): a key could wait that long to be read and its frame as long again to be
written. At 1 ms, keys while a million events load answered faster at p95 in each of
five alternated pairs of runs (`bench/tui_keys.py --events 1000000 --keys 100`: median
p95 57.6 -> 48.9 ms), for the same CPU per key (docs/performance.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.001  # seconds


@contextmanager
def quick_thread_switches() -> Iterator[None]:
    """The interval at `SWITCH_INTERVAL` inside, back to what it was after."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
