"""Hub plug-in: retention. Prunes old events in the background (`--retain`,
`--retain-max-events`) and tells a reader resuming from before the log's start where it
now starts.

Each round walks the log oldest first, `STEP_ROWS` events per write transaction, so
ingest waits at most one short step; then a TRUNCATE checkpoint returns the WAL's pages
(a round that deleted a million rows wrote them all to the WAL). The rules are in
`retention_rules`. With replicas on one database, only the holder of the `retention`
lease prunes. A failing round is reported on /healthz (`retention`) and retried
at the next interval; nothing is lost meanwhile, the log only grows.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge
from starlette.routing import BaseRoute

from notifycenter.catalogue import retention as codes
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.leases import LeaseGuard, leases_of
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.retention_rules import (
    STATE_SCHEMA,
    STEP_ROWS,
    Retention,
    Step,
    prune_step,
    pruned_through,
    round_bounds,
)
from notifycenter.hub.sqlconn import create_tables
from notifycenter.model.cursor import format_cursor

DEFAULT_INTERVAL = 60.0
LEASE = "retention"  # one replica prunes; the others read the horizon from the database
log = logging.getLogger("notifycenter.hub")


class RetentionProjection:
    """Holds the pruning horizon (table `retention`); folds nothing from new entries."""

    def __init__(self) -> None:
        self.log_start = 0  # the highest pruned position, for resuming readers
        self.pruner: Pruner | None = None  # set by start() when retention is on
        self.metrics: RetentionMetrics | None = None

    def create(self, conn: sqlite3.Connection) -> None:
        create_tables(conn, STATE_SCHEMA)
        self.log_start = pruned_through(conn)

    def apply(self, conn: sqlite3.Connection, entries: Sequence[StoredEntry]) -> None:
        return None


@dataclass
class RoundResult:
    events: int = 0
    lifecycle: int = 0
    seconds: float = 0.0
    steps: int = 0


def projection() -> RetentionProjection:
    return RetentionProjection()


def routes(hub: Hub) -> list[BaseRoute]:
    return []


def _projection(hub: Hub) -> RetentionProjection | None:
    return next((p for p in hub.log.projections if isinstance(p, RetentionProjection)), None)


async def check_resume(hub: Hub, after: int | None, name: str = "after") -> None:
    """Refuse (410, with `log_start`) a reader resuming from before a pruned position.

    `0` (the whole log) is always allowed: it asks for whatever the log holds. With
    replicas, another one may have pruned: the horizon is read from the database.
    """
    found = _projection(hub)
    if found is None or not after:
        return
    if after >= found.log_start and getattr(hub.log, "database", None) is not None:
        found.log_start = max(found.log_start, await hub.log.read(pruned_through))
    if after >= found.log_start:
        return
    start = format_cursor(found.log_start)
    raise codes.CURSOR_PRUNED.error(
        f"{name}={format_cursor(after)}: events up to {start} were pruned;"
        f" resume with {name}={start}",
        log_start=start,
    )


def rules_of(hub: Hub) -> Retention:
    settings = hub.settings
    return Retention(
        getattr(settings, "retain", None), getattr(settings, "retain_max_events", None)
    )


class RetentionMetrics:
    """Registered once per hub, on its registry (`/metrics`)."""

    def __init__(self, hub: Hub, found: RetentionProjection | None) -> None:
        registry = hub.metrics.registry
        self.pruned = Counter(
            "notifycenter_retention_pruned",
            "Events removed by retention (kind: event, or lifecycle for their history)",
            ["kind"],
            registry=registry,
        )
        self.rounds = Counter(
            "notifycenter_retention_rounds", "Completed pruning rounds", registry=registry
        )
        self.round_seconds = Gauge(
            "notifycenter_retention_last_round_seconds",
            "Duration of the last pruning round",
            registry=registry,
        )
        Gauge(
            "notifycenter_log_start_sequence",
            "The highest pruned position: readers resume after it",
            registry=registry,
        ).set_function(lambda: float(found.log_start if found else 0))


class Pruner:
    """The background task: a round every `interval` seconds while retention is on."""

    def __init__(self, hub: Hub, rules: Retention, interval: float) -> None:
        self.hub, self.rules, self.interval = hub, rules, interval
        self.guard: LeaseGuard | None = None
        found = _projection(hub)
        if found is not None and found.metrics is None:
            found.metrics = RetentionMetrics(hub, found)
        self.metrics: RetentionMetrics = (
            found.metrics
            if found is not None and found.metrics is not None
            else RetentionMetrics(hub, None)
        )

    def start(self) -> None:
        """Run rounds while this replica holds the `retention` lease (one pruner at a time)."""
        self.guard = leases_of(self.hub.log, self.hub.settings).guard(LEASE, self._loop)
        self.guard.start()

    async def stop(self) -> None:
        if self.guard is not None:
            await self.guard.stop()
            self.guard = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.prune_round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.hub.health.failed("retention", codes.RETENTION_FAILED, exc)
            else:
                self.hub.health.recovered("retention")
            await asyncio.sleep(self.interval)

    async def prune_round(self) -> RoundResult:
        """Prune what the rules allow now, one bounded write transaction at a time."""
        started = time.perf_counter()
        now = datetime.now(UTC)
        bounds = await self.hub.log.read(lambda conn: round_bounds(conn, self.rules, now))
        result, after, rows = RoundResult(), 0, STEP_ROWS
        found = _projection(self.hub)
        while True:
            began = time.perf_counter()
            step: Step = await self.hub.log.write(
                lambda txn, after=after, rows=rows: prune_step(txn.conn, bounds, after, rows)  # type: ignore[misc]
            )
            rows = step.next_rows(rows, time.perf_counter() - began)
            result.steps += 1
            result.events += step.events
            result.lifecycle += step.lifecycle
            self.metrics.pruned.labels("event").inc(step.events)
            self.metrics.pruned.labels("lifecycle").inc(step.lifecycle)
            if found is not None:
                found.log_start = max(found.log_start, step.highest)
            after = step.examined_through
            if step.done:
                break
            await asyncio.sleep(0)  # what queued meanwhile commits before the next step
        if result.events:
            await asyncio.get_running_loop().run_in_executor(None, _truncate_wal, self.hub)
        result.seconds = time.perf_counter() - started
        self.metrics.rounds.inc()
        self.metrics.round_seconds.set(result.seconds)
        if result.events:
            log.info(
                "retention pruned %d events and %d lifecycle events in %.1f s",
                result.events,
                result.lifecycle,
                result.seconds,
            )
        return result


def _truncate_wal(hub: Hub) -> None:
    """Give back the WAL the deletions filled; a busy database leaves it to later rounds."""
    path = getattr(hub.log, "path", None)
    if path is None:  # not SQLite: PostgreSQL reclaims the space by its own (auto)vacuum
        return
    conn = sqlite3.connect(path, isolation_level=None, timeout=1.0)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        log.debug("retention: the WAL checkpoint was put off (%s)", exc)
    finally:
        conn.close()


async def start(hub: Hub) -> None:
    rules, found = rules_of(hub), _projection(hub)
    if not rules.enabled or found is None:
        return
    interval = float(getattr(hub.settings, "retain_interval_seconds", DEFAULT_INTERVAL))
    found.pruner = Pruner(hub, rules, interval)
    found.pruner.start()


async def stop(hub: Hub) -> None:
    found = _projection(hub)
    if found is not None and found.pruner is not None:
        await found.pruner.stop()
        found.pruner = None
