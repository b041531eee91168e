"""Background work that runs once across hub replicas: one lease per job, in the database.

A lease is a row of `leases` (name, holder, expires_at). On PostgreSQL a replica takes or
renews it in one short statement, which succeeds only when the row is free, expired, or
already its own; the database's clock decides expiry, so replicas' clocks need not
agree. Every `renew_seconds` each replica asks for each lease it wants: the holder
extends it by `term_seconds`, the others take it once it has expired. A replica that
cannot renew stops the work before the term could have ended (it counts from before it
asked), so two replicas never run one job at once; a replica that dies (kill -9) leaves
the row to expire, and the work moves within about one term plus one renewal. A clean
stop deletes the row, so the next replica takes it at its next renewal.

On SQLite one hub owns the file: every lease is its own at once, and no row is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any

from notifycenter.catalogue import leases as codes
from notifycenter.hub.database import Database

log = logging.getLogger("notifycenter.hub.leases")

DEFAULT_TERM_SECONDS = 10.0
DEFAULT_RENEW_SECONDS = 2.0
RELEASE_TIMEOUT_SECONDS = 2.0
STATEMENT_TIMEOUT_MS = 2000
# The log's own lock key: it serialises creating the table with the log's migrations.
_SCHEMA_LOCK_KEY = 0x6E6F7469
SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    name TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
)
"""
# Taken when free, expired or ours; no row back: another replica holds it.
_TAKE = """
INSERT INTO leases (name, holder, expires_at)
VALUES (%s, %s, clock_timestamp() + make_interval(secs => %s))
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE leases.holder = excluded.holder OR leases.expires_at < clock_timestamp()
RETURNING holder
"""
_RELEASE = "DELETE FROM leases WHERE name = %s AND holder = %s"


class Answer(Enum):
    HELD = "held"
    OTHER = "other"  # another replica holds it
    UNKNOWN = "unknown"  # the database did not answer


def replica_id() -> str:
    """This replica's name as leases record it: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Leases:
    """One replica's leases: a connection of their own, used by one thread."""

    def __init__(
        self,
        database: Database | None,
        term_seconds: float = DEFAULT_TERM_SECONDS,
        renew_seconds: float = DEFAULT_RENEW_SECONDS,
        holder: str | None = None,
    ) -> None:
        self.database = database
        self.term = term_seconds
        self.renew = min(renew_seconds, term_seconds / 2)
        self.holder = holder or replica_id()
        self.guards: set[LeaseGuard] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._conn: Any = None
        self._schema_ready = False
        self._failing = False  # the last attempt failed: later failures log at DEBUG

    @property
    def local(self) -> bool:
        """One hub on its own file: every lease is ours."""
        return self.database is None

    def guard(self, name: str, work: Callable[[], Awaitable[None]]) -> LeaseGuard:
        """Run `work` only while this replica holds lease `name` (start it with start())."""
        return LeaseGuard(self, name, work)

    async def ask(self, name: str) -> Answer:
        """Take or renew `name` now (off the event loop)."""
        if self.local:
            return Answer.HELD
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), self._take, name)

    async def release(self, name: str) -> None:
        if self.local:
            return
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                loop.run_in_executor(self._executor(), self._release, name),
                RELEASE_TIMEOUT_SECONDS,
            )

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, "nc-leases")
        return self._pool

    async def closed_by(self, guard: LeaseGuard) -> None:
        """`guard` stopped; the last one closes the connection."""
        self.guards.discard(guard)
        if self.guards or self._pool is None:
            return
        pool, self._pool = self._pool, None
        with contextlib.suppress(TimeoutError):  # a statement stuck on a cut-off network
            await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(pool, self._disconnect),
                RELEASE_TIMEOUT_SECONDS,
            )
        pool.shutdown(wait=False)

    # -- in the leases thread -----------------------------------------------------

    def _connection(self) -> Any:
        assert self.database is not None
        if self._conn is None or self._conn.closed:
            # A cut-off network fails the statement in seconds instead of holding the
            # thread: keepalives tighter than the log's (`database.DEAD_PEER`), within a term.
            self._conn = self.database.connect(
                autocommit=True,
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                keepalives_idle=2,
                keepalives_interval=1,
                tcp_user_timeout=int(self.term * 1000),
            )
            self._schema_ready = False
        if not self._schema_ready:
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
                self._conn.execute(SCHEMA)
            self._schema_ready = True
        return self._conn

    def _take(self, name: str) -> Answer:
        try:
            row = self._connection().execute(_TAKE, (name, self.holder, self.term)).fetchone()
        except Exception as exc:  # unreachable, restarting: retried at the next renewal
            level = logging.DEBUG if self._failing else logging.WARNING  # once per outage
            log.log(level, "%s: lease %s: %s", codes.LEASE_RENEWAL_FAILED.code, name, exc)
            self._failing = True
            self._disconnect()
            return Answer.UNKNOWN
        self._failing = False
        return Answer.HELD if row is not None else Answer.OTHER

    def _release(self, name: str) -> None:
        try:
            self._connection().execute(_RELEASE, (name, self.holder))
        except Exception as exc:  # it expires by itself
            log.debug("lease %s was not released: %s", name, exc)

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


class LeaseGuard:
    """Runs one job while its lease is held: started on taking it, cancelled on losing it."""

    def __init__(self, leases: Leases, name: str, work: Callable[[], Awaitable[None]]) -> None:
        self.leases, self.name, self.work = leases, name, work
        self.held = False
        self.taken = 0  # how many times this replica took the lease
        self.on_change: Callable[[bool], None] | None = None
        self._until = 0.0  # loop time by which the lease must have been renewed
        self._loop_task: asyncio.Task[None] | None = None
        self._work_task: asyncio.Task[None] | None = None
        self._asking: asyncio.Future[Answer] | None = None

    def start(self) -> None:
        self.leases.guards.add(self)
        if self.leases.local:  # ours at once: the work starts before start() returns
            self._begin()
        self._loop_task = asyncio.create_task(self._run(), name=f"notifycenter-lease-{self.name}")

    async def stop(self) -> None:
        """Stop the work, then give the lease back so another replica takes it at once."""
        for task in (self._loop_task, self._asking):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        was_held = self.held
        await self._stop_work()
        if was_held:
            await self.leases.release(self.name)
        await self.leases.closed_by(self)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        renew = self.leases.renew
        while True:
            asked = loop.time()
            answer = await self._ask(loop)
            if answer is Answer.HELD:
                self._until = asked + self.leases.term - renew
                if self._work_task is None or self._work_task.done():
                    self._begin()
            elif answer is Answer.OTHER and self.held:
                await self._lose("another replica holds it")
            if self.held and loop.time() >= self._until:
                await self._lose("it could not be renewed within its term")
            if self.leases.local:
                await asyncio.Event().wait()  # nothing to renew: held until stopped
            pause = renew if not self.held else max(0.0, min(renew, self._until - loop.time()))
            await asyncio.sleep(pause)

    async def _ask(self, loop: asyncio.AbstractEventLoop) -> Answer:
        """The database's answer, waiting no longer than the lease lasts while held."""
        if self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self.leases.ask(self.name))
        timeout = max(0.0, self._until - loop.time()) if self.held else None
        done, _ = await asyncio.wait({self._asking}, timeout=timeout)
        if not done:
            return Answer.UNKNOWN
        try:
            return self._asking.result()
        except Exception:
            return Answer.UNKNOWN

    def _begin(self) -> None:
        if not self.held:
            self.held = True
            self.taken += 1
            if not self.leases.local:
                log.info("lease %s taken by %s", self.name, self.leases.holder)
            self._changed()
        self._work_task = asyncio.create_task(self._guarded(), name=f"notifycenter-{self.name}")

    async def _guarded(self) -> None:
        try:
            await self.work()
        except asyncio.CancelledError:
            raise
        except Exception:  # restarted at the next renewal
            log.exception("%s: the work ended with an error", self.name)

    async def _lose(self, why: str) -> None:
        log.warning("%s: lease %s: %s; its work stops here", codes.LEASE_LOST.code, self.name, why)
        await self._stop_work()

    async def _stop_work(self) -> None:
        task, self._work_task = self._work_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self.held:
            self.held = False
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.held)
            except Exception:
                log.exception("lease %s: a listener failed", self.name)


_BY_LOG: weakref.WeakKeyDictionary[object, Leases] = weakref.WeakKeyDictionary()


def leases_of(log_: object, settings: Any = None) -> Leases:
    """The leases of the hub whose log is `log_` (its database, if it has one).

    `settings` (the hub's) sets the term and the renewal; without them, the defaults or
    what an earlier call set.
    """
    found = _BY_LOG.get(log_)
    if found is None:
        database = getattr(log_, "database", None)
        found = Leases(database if isinstance(database, Database) else None)
        _BY_LOG[log_] = found
    if settings is not None:
        term = float(getattr(settings, "lease_seconds", DEFAULT_TERM_SECONDS))
        renew = float(getattr(settings, "lease_renew_seconds", DEFAULT_RENEW_SECONDS))
        found.term, found.renew = term, min(renew, term / 2)
    return found
