"""Who runs a subscription's delivery worker: the one place that decides it.

One hub owns its SQLite log, so it runs every subscription. When replicas share a
database, a placement that leases subscriptions (one row per subscription and holder,
renewed while the worker runs) replaces `LocalPlacement`, and the engine keeps asking
only `runs(id)`: never two workers for one subscription.
"""

from __future__ import annotations

from typing import Protocol


class Placement(Protocol):
    def runs(self, subscription_id: str) -> bool:
        """Whether this hub runs the subscription's worker now."""
        ...


class LocalPlacement:
    """A single hub: every subscription is ours."""

    def runs(self, subscription_id: str) -> bool:
        return True
