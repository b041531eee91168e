"""How fast a subscription may go: its rate limit window and its retry backoff."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable

WINDOW = 60.0  # ratelimit counts messages per minute


class RateWindow:
    """Messages sent in the last minute; `allowance` is what may still go now."""

    def __init__(self, per_minute: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._sent: deque[float] = deque()

    def allowance(self) -> int | None:
        """None without a limit."""
        if self.per_minute is None:
            return None
        self._expire()
        return max(0, self.per_minute - len(self._sent))

    def sent(self, messages: int) -> None:
        if self.per_minute is None:
            return
        now = self.clock()
        # Only the last per_minute entries can matter; a digest of 50,000 is one message.
        self._sent.extend([now] * min(messages, self.per_minute))
        while len(self._sent) > self.per_minute:
            self._sent.popleft()

    def wait(self) -> float:
        """Seconds until one more message may go."""
        self._expire()
        if self.per_minute is None or len(self._sent) < self.per_minute:
            return 0.0
        return max(0.0, self._sent[0] + WINDOW - self.clock())

    def _expire(self) -> None:
        cutoff = self.clock() - WINDOW
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()


def backoff(failures: int, low: float, high: float, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: the sink's Retry-After when it gave one, else
    `low` doubling with each consecutive failure up to `high`, with ±20 % jitter so
    that many subscriptions of one sink do not retry in step."""
    if retry_after is not None:
        return retry_after
    base = min(high, low * 2.0 ** min(max(failures - 1, 0), 30))
    return float(min(high, base * random.uniform(0.8, 1.2)))
