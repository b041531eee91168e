"""Who runs a subscription's delivery worker: the one place that decides it.

One hub owns its SQLite log, so it runs every subscription. When replicas share a
database, one lease (`delivery`) decides: its holder runs every subscription, the others
none, so a sink never gets a notification once per replica. One lease rather than one per
subscription: a worker spends its time waiting on its sink, so one replica carries
hundreds of them, and a single holder keeps each subscription's order, batching and rate
limit exact with one row to renew; the lease moves as a whole when its holder dies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from notifycenter.hub.leases import LeaseGuard


class Placement(Protocol):
    def runs(self, subscription_id: str) -> bool:
        """Whether this hub runs the subscription's worker now."""
        ...


class LocalPlacement:
    """A single hub: every subscription is ours."""

    def runs(self, subscription_id: str) -> bool:
        return True


class LeasePlacement:
    """Every subscription, while this replica holds the delivery lease; none otherwise."""

    def __init__(self, guard: LeaseGuard) -> None:
        self.guard = guard

    def runs(self, subscription_id: str) -> bool:
        return self.guard.held
