"""Wait on a condition with a deadline, never a fixed sleep.

A fixed sleep before an assertion either wastes time or passes only because the machine
was fast; a condition polled until a deadline returns as soon as it holds and fails with
a message, instead of hanging, when it never does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TIMEOUT = 30.0
INTERVAL = 0.02


def wait_until(
    condition: Callable[[], T], timeout: float = TIMEOUT, what: str = "", interval: float = INTERVAL
) -> T:
    """Poll `condition` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


async def async_wait_until(
    condition: Callable[[], T], timeout: float = TIMEOUT, what: str = "", interval: float = INTERVAL
) -> T:
    """`wait_until` for a coroutine: the event loop keeps running while it waits."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(interval)
