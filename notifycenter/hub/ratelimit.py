"""Per-token ingest rate limits: token buckets, off unless a token sets `rate`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    level: float
    stamp: float


class RateLimiter:
    """`take(key, n, rate, burst)` spends n events; None when allowed, else seconds to wait.

    A batch larger than the bucket passes when the bucket is full and overdraws it, so
    that no batch becomes impossible to send.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._clock = clock

    def take(self, key: str, n: int, rate: float | None, burst: float | None = None) -> int | None:
        if rate is None:
            return None
        capacity = burst if burst is not None else max(rate, 1.0)
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(capacity, now))
        bucket.level = min(capacity, bucket.level + (now - bucket.stamp) * rate)
        bucket.stamp = now
        needed = min(float(n), capacity)
        if bucket.level < needed:
            return max(1, math.ceil((needed - bucket.level) / rate))
        bucket.level -= n
        return None
