"""Exponential backoff with jitter, so that many clients of a restarted hub do not
reconnect in lockstep."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """`next_delay()` grows from `initial` by `factor` up to `maximum`; `reset()` after a success."""

    initial: float = 0.1
    maximum: float = 10.0
    factor: float = 2.0
    attempt: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        # "Equal jitter": at least half the ceiling, so retries still slow down.
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0
