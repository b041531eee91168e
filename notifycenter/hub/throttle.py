"""Failed-login throttling per client address: guessing tokens must be slow.

After `free` wrong tokens, each within `window` seconds of the last, the address is
refused for a delay that doubles with each further failure (1 s, 2 s ... `longest`).
While refused, no token from it is even compared, so a guess cannot be confirmed by its
answer. A success does not clear the count: a valid viewer token must not reset the
guessing of an admin one. At most `capacity` addresses are remembered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int
    last: float
    blocked_until: float


class LoginThrottle:
    def __init__(
        self,
        *,
        free: int = 5,
        window: float = 600.0,
        longest: float = 60.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.window, self.longest, self.capacity = free, window, longest, capacity
        self._clock = clock
        self._records: dict[str, _Record] = {}

    def wait(self, address: str) -> int | None:
        """Whole seconds `address` must wait before its next attempt; None when it may try."""
        record = self._records.get(address)
        if record is None:
            return None
        left = record.blocked_until - self._clock()
        return math.ceil(left) if left > 0 else None

    def failed(self, address: str) -> None:
        now = self._clock()
        record = self._records.get(address)
        if record is None or now - record.last > self.window:
            self._make_room(now)
            record = self._records[address] = _Record(0, now, now)
        record.failures += 1
        record.last = now
        excess = record.failures - self.free
        if excess >= 0:
            record.blocked_until = now + min(2.0 ** min(excess, 32), self.longest)

    def _make_room(self, now: float) -> None:
        if len(self._records) < self.capacity:
            return
        for address in [a for a, r in self._records.items() if now - r.last > self.window]:
            del self._records[address]
        while len(self._records) >= self.capacity:  # all recent: forget the oldest
            del self._records[next(iter(self._records))]
