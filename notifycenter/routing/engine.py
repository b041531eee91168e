"""The delivery engine: one worker per subscription, reading the log by cursor.

A worker reads what matches after its cursor (`reader.read_batch`), hands it to the sink
and, in the same write transaction that records the outcome, moves the cursor past what
the sink accepted. So a restart or a sink outage resumes where it stopped: at least
once, never skipped. Failures back off exponentially (or as the sink's Retry-After
says); after `maxfailures` in a row the subscription is `failing` and keeps its place.
Workers sleep until the log commits something new (the log's publish path wakes them).
`placement` alone decides which subscriptions this hub runs: with replicas on one
database, the holder of the `delivery` lease runs them all. It follows the subscriptions
table wherever it is changed: its own API calls reconcile at once, and it reads the
table's (id, version) pairs every `RECONCILE_SECONDS` for changes made on other replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from notifycenter.catalogue import subscriptions as codes
from notifycenter.hub.leases import LeaseGuard, leases_of
from notifycenter.model.lifecycle import format_time
from notifycenter.routing import store
from notifycenter.routing.egress import Egress
from notifycenter.routing.pacing import RateWindow, backoff
from notifycenter.routing.placement import LeasePlacement, LocalPlacement, Placement
from notifycenter.routing.reader import Batch, Selection, read_batch
from notifycenter.routing.registry import create_sink
from notifycenter.routing.resource import matching_filter, parse_config
from notifycenter.routing.silencing import silence_predicate
from notifycenter.routing.sink import Delivery, Sink, SinkError

if TYPE_CHECKING:
    from notifycenter.hub.hubstate import Hub
    from notifycenter.hub.log import StoredEntry

log = logging.getLogger("notifycenter.routing")
DIGEST_KEEP = 10  # events a digest shows before its count of the rest
# Without a delivery, the cursor past non-matching events is saved at most this often.
PASSED_SAVE_SECONDS = 5.0
LEASE = "delivery"
# How soon the lease holder starts a subscription created on another replica.
RECONCILE_SECONDS = 1.0


def now_text() -> str:
    return format_time(datetime.now(UTC))


class DeliveryEngine:
    """Starts, restarts and stops workers to follow the subscriptions table."""

    def __init__(self, hub: Hub, placement: Placement | None = None) -> None:
        self.hub = hub
        self._given = placement
        self.placement: Placement = placement or LocalPlacement()
        self.workers: dict[str, Worker] = {}
        self.guard: LeaseGuard | None = None
        self._chained: Callable[[list[StoredEntry]], None] | None = None
        self._lock = asyncio.Lock()
        self._table: list[tuple[str, int]] | None = None  # (id, version) last reconciled

    @property
    def hub_url(self) -> str | None:
        """Where notifications link to: --public-url, else the address the hub bound."""
        return self.hub.settings.link_url

    def egress(self, owner: str) -> Egress:
        """The sink-host policy of `owner`'s subscriptions: open to an admin's."""
        settings = self.hub.settings
        return Egress(restricted=not settings.is_admin(owner), rules=settings.sink_hosts)

    async def start(self) -> None:
        chained = self.hub.log.on_commit

        def on_commit(entries: list[StoredEntry]) -> None:
            if chained is not None:
                chained(entries)
            self.wake()

        self._chained = chained
        self.hub.log.on_commit = on_commit
        self.guard = leases_of(self.hub.log, self.hub.settings).guard(LEASE, self._deliver)
        if self._given is None:
            self.placement = LeasePlacement(self.guard)
        self.guard.start()

    async def stop(self) -> None:
        self.hub.log.on_commit = self._chained
        if self.guard is not None:
            await self.guard.stop()
        await self._stop_workers()

    async def _stop_workers(self) -> None:
        async with self._lock:
            workers, self.workers = list(self.workers.values()), {}
        for worker in workers:
            await worker.stop()

    async def _deliver(self) -> None:
        """While the lease is held: follow the table; when it is lost, stop every worker
        (the next holder resumes from the cursors they recorded)."""
        self._table = None
        try:
            while True:
                table = await self.hub.log.read(_versions)
                if table != self._table:
                    self._table = table
                    await self.reconcile()
                await asyncio.sleep(RECONCILE_SECONDS)
        finally:
            await self._stop_workers()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wake.set()

    async def reconcile(self) -> None:
        """Match the workers to the table: new, changed and deleted subscriptions."""
        async with self._lock:  # read inside: an older read must never undo a newer one
            rows = await self.hub.log.read(store.load_all)
            wanted = {row.id: row for row in rows if self.placement.runs(row.id)}
            for ident in list(self.workers):
                worker = self.workers[ident]
                row = wanted.get(ident)
                if row is None or row.version != worker.version:
                    del self.workers[ident]
                    await worker.stop()
            for ident, row in wanted.items():
                if ident not in self.workers:
                    try:
                        worker = Worker(self, row)
                    except Exception as exc:  # settings that no longer build a sink
                        log.warning("subscription %s cannot start: %s", ident, exc)
                        continue
                    self.workers[ident] = worker
                    worker.start()


@dataclass(frozen=True)
class Plan:
    delivery: Delivery
    messages: int  # what it costs against the rate limit
    upto: int  # the cursor once the sink accepted it
    count: int  # events it delivers (a digest counts those it stands for)


class Worker:
    """Delivers one subscription, in log order, one batch at a time."""

    def __init__(self, engine: DeliveryEngine, row: store.StoredSubscription) -> None:
        self.engine = engine
        self.hub = engine.hub
        self.id = row.id
        self.version = row.version
        self.config = parse_config(row.spec.get("config"))
        self.filter = matching_filter(row.spec)
        self.sink: Sink = create_sink(
            row.spec["protocol"],
            row.spec["sink"],
            row.spec.get("protocolsettings", {}),
            row.credential,
            engine.egress(row.owner),
        )
        self.cursor = row.cursor
        self.failures = row.failures
        self.failing = row.status == store.FAILING
        self.delivered = row.delivered
        self.next_attempt = row.next_attempt
        self.window = RateWindow(self.config.ratelimit)
        self.wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._saved_cursor = row.cursor
        self._saved_at = 0.0
        self._recording: asyncio.Future[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"notifycenter-subscription-{self.id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._recording is not None:  # the last outcome is committed before the log closes
            await asyncio.gather(self._recording, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.sink.aclose()

    async def _run(self) -> None:
        await self._wait_for_next_attempt()
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a defect must not end delivery: count it, retry
                log.exception("subscription %s: delivery step failed", self.id)
                await self._failed(SinkError(f"{type(exc).__name__}: {exc}"))

    async def _wait_for_next_attempt(self) -> None:
        """After a restart, a failing subscription keeps its backoff."""
        if not self.next_attempt:
            return
        with contextlib.suppress(ValueError):
            due = datetime.fromisoformat(self.next_attempt.replace("Z", "+00:00"))
            delay = (due - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(min(max(delay, 0.0), self.config.backoffmax))

    async def _step(self) -> None:
        wait = self.window.wait()
        if wait > 0:
            await asyncio.sleep(wait)
        self.wake.clear()  # before reading: a commit during the read wakes the next wait
        allowance = self.window.allowance()
        keep = self.config.batchsize if allowance is None else min(allowance, self.config.batchsize)
        selection = Selection(self.filter, self.config.lifecycle, silence_predicate(self.hub))
        after = self.cursor
        batch = await self.hub.log.read(
            lambda conn: read_batch(conn, selection, after, keep, allowance is not None)
        )
        if not batch.items and batch.matched == 0:
            self.cursor = batch.upto
            await self._save_passed()
            if batch.at_head:
                await self.wake.wait()
            return
        plan = self._plan(batch, allowance)
        try:
            await self.sink.deliver(plan.delivery)
        except SinkError as error:
            await self._failed(error)
            return
        await self._succeeded(plan)

    def _plan(self, batch: Batch, allowance: int | None) -> Plan:
        """What to send, what it costs against the rate limit, and how far it takes us."""
        url = self.engine.hub_url
        items = batch.items
        if batch.matched <= len(items):
            return Plan(Delivery(self.id, items, hub_url=url), len(items), batch.upto, len(items))
        if allowance is None or batch.matched <= allowance:
            # counted beyond the batch but within the limit: send the batch, come back for more
            upto = int(items[-1].cursor)
            return Plan(Delivery(self.id, items, hub_url=url), len(items), upto, len(items))
        kept = items[: max(0, min(allowance - 1, DIGEST_KEEP))]
        omitted = batch.matched - len(kept)
        delivery = Delivery(self.id, kept, digest=True, omitted=omitted, hub_url=url)
        return Plan(delivery, len(kept) + 1, batch.upto, batch.matched)

    async def _succeeded(self, plan: Plan) -> None:
        """Record the outcome without waiting for its commit before reading on: the next
        batch overlaps the fsync. A crash before the commit redelivers (at least once)."""
        upto, count, moment, messages = plan.upto, plan.count, now_text(), plan.messages
        self._recording = asyncio.ensure_future(self._record(self._recording, upto, count, moment))
        self.window.sent(messages)
        self.cursor = self._saved_cursor = upto
        self.delivered += count
        self.failures, self.failing, self.next_attempt = 0, False, None

    async def _record(
        self, previous: asyncio.Future[None] | None, upto: int, count: int, moment: str
    ) -> None:
        if previous is not None:  # outcomes commit in the order they happened
            await asyncio.gather(previous, return_exceptions=True)
        try:
            await self.hub.log.write(
                lambda txn: store.record_success(txn.conn, self.id, upto, count, moment)
            )
        except Exception as exc:  # the cursor stays behind: a restart redelivers
            log.warning("subscription %s: recording a delivery failed: %s", self.id, exc)

    async def _failed(self, error: SinkError) -> None:
        if self._recording is not None:  # the failure lands after the last success
            await asyncio.gather(self._recording, return_exceptions=True)
        failures = self.failures + 1
        delay = backoff(failures, self.config.backoffmin, self.config.backoffmax, error.retry_after)
        due = now_text_after(delay)
        spec = error.spec or codes.DELIVERY_FAILED
        body: dict[str, Any] = dict(spec.error(str(error)).to_dict())
        if error.status is not None:
            body["status"] = error.status
        body["at"] = now_text()
        version, limit = self.version, self.config.maxfailures
        outcome = await self.hub.log.write(
            lambda txn: store.record_failure(txn.conn, self.id, version, body, limit, due)
        )
        if outcome is not None:
            self.failures, status = outcome
            self.failing = status == store.FAILING
        self.next_attempt = due
        level = logging.WARNING if self.failing else logging.INFO
        log.log(level, "subscription %s: %s; retry in %.1f s", self.id, error, delay)
        await asyncio.sleep(delay)

    async def _save_passed(self) -> None:
        """Persist the cursor past events that did not match, now and then."""
        loop = asyncio.get_running_loop()
        if self.cursor <= self._saved_cursor or loop.time() - self._saved_at < PASSED_SAVE_SECONDS:
            return
        cursor = self.cursor
        await self.hub.log.write(lambda txn: store.record_passed(txn.conn, self.id, cursor))
        self._saved_cursor, self._saved_at = cursor, loop.time()

    def view(self) -> Mapping[str, Any]:
        return {
            "cursor": self.cursor,
            "failures": self.failures,
            "failing": self.failing,
            "delivered": self.delivered,
        }


def _versions(conn: Any) -> list[tuple[str, int]]:
    """Every subscription's (id, version): any create, update or delete changes it."""
    rows = conn.execute("SELECT id, version FROM subscriptions ORDER BY id").fetchall()
    return [(str(ident), int(version)) for ident, version in rows]


def now_text_after(seconds: float) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=seconds))
