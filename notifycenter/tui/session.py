"""Everything the notification center holds about one hub, replaced whole by `:context`.

Keeping it in one object is what makes a context switch safe: a worker of the previous
hub that finishes late compares its session with the current one and drops its result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from notifycenter.config import Target
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount, EventStore
from notifycenter.tui.backfill import Backfill
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.history import HistoryCache
from notifycenter.tui.policy import NotificationPolicy, PolicySettings

if TYPE_CHECKING:
    from notifycenter.client import HubClient


@dataclass(eq=False)
class Session:
    """One hub: its events, what is waiting to be shown, who to toast, how to reach it."""

    target: Target
    store: EventStore
    policy: NotificationPolicy
    feed: FeedBuffer = field(default_factory=FeedBuffer)  # the stream's events
    records: FeedBuffer = field(default_factory=FeedBuffer)  # pages of GET /api/events
    client: HubClient | None = None
    backfill: Backfill | None = None
    histories: HistoryCache = field(default_factory=HistoryCache)
    unreachable_shown: bool = False  # one toast per outage
    refused: NotifyError | None = None  # the hub stopped taking the token: nothing is retried
    was_live: bool = False  # the stream was up once: a refusal now is a revoked token
    # The hub's counts while the backlog loads: exact, where the store's are not yet.
    hub_counts: dict[Bucket, BucketCount] | None = None
    # After the hub's snapshot: the log position the replayed stream must reach before
    # the store holds the whole backlog (None: nothing to wait for).
    replay_until: int | None = None

    @classmethod
    def new(
        cls,
        target: Target,
        settings: PolicySettings,
        clock: Callable[[], datetime] | None = None,
    ) -> Session:
        return cls(target, EventStore(clock=clock), NotificationPolicy(settings))

    @property
    def loading(self) -> bool:
        """True while older pages of records are still coming in."""
        return (
            len(self.records) > 0
            or (self.backfill is not None and not self.backfill.done)
            or self.replay_until is not None
        )

    @property
    def hub_total(self) -> int:
        """Events the hub holds, by its counts (0 when they are not known)."""
        return sum(count.total for count in (self.hub_counts or {}).values())

    def loaded_percent(self) -> int | None:
        """How much of the backlog the store holds, for the header; None once it is all in."""
        if not self.loading:
            return None
        total = self.hub_total
        return min(99, 100 * self.store.event_count // total) if total else 0

    def replayed_to(self, cursor: int) -> bool:
        """The stream was taken in up to `cursor`; True when that ends the replay after
        the hub's snapshot: the store holds the whole backlog, its counts are exact."""
        if self.replay_until is None or cursor < self.replay_until:
            return False
        self.replay_until = self.hub_counts = None
        return True

    def counts(self) -> dict[Bucket, BucketCount]:
        """What the bucket strip shows: the hub's counts until every page is in."""
        if self.hub_counts is not None and self.loading:
            return self.hub_counts
        return self.store.counts()
