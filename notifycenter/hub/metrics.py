"""Prometheus metrics of one hub, in a registry of its own (several hubs per process in tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,  # noqa: F401 - re-exported for the route
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class HubMetrics:
    def __init__(
        self,
        log_size: Callable[[], float],
        subscribers: Callable[[], int],
        last_seq: Callable[[], int],
        commits: Callable[[], int],
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.accepted = Counter("notifycenter_events_accepted", "Events stored", registry=r)
        self.duplicates = Counter(
            "notifycenter_events_duplicate",
            "Events already stored (same source and id)",
            registry=r,
        )
        self.rejected = Counter(
            "notifycenter_events_rejected", "Events refused, by error code", ["reason"], registry=r
        )
        self.lifecycle = Counter(
            "notifycenter_lifecycle_changes", "Lifecycle events recorded", ["verb"], registry=r
        )
        self.latency = Histogram(
            "notifycenter_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.commit_seconds = Histogram(
            "notifycenter_log_commit_seconds",
            "Duration of each log transaction, fsync included",
            registry=r,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1),
        )
        self.slow_closed = Counter(
            "notifycenter_subscribers_closed_slow",
            "Subscribers closed with 1013 for not keeping up",
            registry=r,
        )
        Gauge("notifycenter_subscribers", "Connected stream subscribers", registry=r).set_function(
            subscribers
        )
        Gauge(
            "notifycenter_log_last_sequence", "Position of the newest log entry", registry=r
        ).set_function(last_seq)
        r.register(_CountOf("notifycenter_log_commits", "Write transactions committed", commits))
        self.runtime_failures = Counter(
            "notifycenter_runtime_failures",
            "Failures of the hub's writer, publisher and background loops, by part",
            ["part"],
            registry=r,
        )
        self.subscriber_failures = Counter(
            "notifycenter_subscribers_closed_failed",
            "Subscribers closed because serving them failed (filter 1008, hub 1011), by code",
            ["code"],
            registry=r,
        )
        Gauge(
            "notifycenter_log_size_bytes",
            "Size of the event log on disk (SQLite: database and WAL; PostgreSQL: the database)",
            registry=r,
        ).set_function(log_size)
        self.auth_refused = Counter(
            "notifycenter_auth_refused",
            "Requests refused for a missing or unknown token (401) or throttled (429), by code",
            ["code"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _CountOf(Collector):
    """A Prometheus counter whose value another object keeps (it only ever grows)."""

    def __init__(self, name: str, documentation: str, value: Callable[[], int]) -> None:
        self.name, self.documentation, self.value = name, documentation, value

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(self.name, self.documentation, value=self.value())
