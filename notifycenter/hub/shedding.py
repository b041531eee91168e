"""Streams leave a hub that has lost its log.

A replica cut off from its database keeps its clients' streams open but can deliver
nothing new: its own commits fail and no other replica's commit reaches it. Clients
would sit on it, live in name only, until the network heals. So once a part of the log
(the writer, PostgreSQL's doorbell) has been failing for `SHED_AFTER_SECONDS`, the hub
closes every stream with 1013 (try again later) and that part's catalogued code. Each
client reconnects, finds `/healthz` failing and moves to another server of its context,
resuming by cursor; with a single server it retries until this hub recovers.
"""

from __future__ import annotations

import asyncio
import time

from notifycenter.hub.health import HealthBoard
from notifycenter.hub.stream import Broadcaster, SubscriberFailure
from notifycenter.model.protocol import TRY_AGAIN_LATER

LOG_PARTS = ("writer", "doorbell")
SHED_AFTER_SECONDS = 5.0
CHECK_SECONDS = 1.0


class StreamShedder:
    """Watches the health board; sheds the streams while a log part keeps failing."""

    def __init__(
        self,
        health: HealthBoard,
        broadcaster: Broadcaster,
        after: float = SHED_AFTER_SECONDS,
        period: float = CHECK_SECONDS,
    ) -> None:
        self.health, self.broadcaster = health, broadcaster
        self.after, self.period = after, period
        self._failing_since: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self.check(time.monotonic())

    def check(self, now: float) -> int:
        """Shed the streams when a log part has failed for `after` seconds; how many."""
        faults = {part: f for part, f in self.health.current().items() if part in LOG_PARTS}
        for part in list(self._failing_since):
            if part not in faults:
                del self._failing_since[part]
        shed = 0
        for part, fault in faults.items():
            since = self._failing_since.setdefault(part, now)
            if now - since < self.after:
                continue
            detail = f"this hub cannot use its log ({fault.detail}); reconnect to another server"
            for subscriber in list(self.broadcaster.subscribers):
                if subscriber.failure is None and not subscriber.closed:
                    subscriber.fail(SubscriberFailure(TRY_AGAIN_LATER, fault.spec, detail))
                    shed += 1
        return shed
