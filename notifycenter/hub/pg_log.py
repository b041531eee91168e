"""The PostgreSQL event log: any number of hubs (replicas) on one database, one order.

One global order. Every write transaction first takes `pg_advisory_xact_lock(LOCK_KEY)`,
then numbers its events from the head seq kept in `log_head`, plus one. The lock is held
until the transaction ends, and PostgreSQL makes a transaction visible before it releases
its locks, so the next holder (on any replica) reads the new head and commits after it:
seq order is commit order. Hence a reader whose snapshot holds seq N holds every seq
below N, and a client resuming after cursor C on any replica misses nothing and gets
nothing twice. Under the same lock the duplicate check (`source`, `id`) and the insert
cannot race; the unique index `log_key` backs it up.

Durability and group commit as on SQLite (`group_commit`): one writer thread per replica
takes every job queued while it was committing in one transaction, and answers none of
them before PostgreSQL's COMMIT returned (synchronous_commit, the server's default).

Streams. Each write transaction NOTIFYs `CHANNEL`; every replica LISTENs on it and, on a
notification or at least every `CATCH_UP_SECONDS` (a notification is lost while the
listener reconnects), reads the log after the last seq it delivered and hands the
entries to `on_commit` in log order. Its own commits go out directly only when they
follow the last delivered seq; otherwise they wait for that read, which delivers the
other replicas' earlier entries first. So every replica's streams carry every event, in
order, with no gap and no duplicate.

A lost connection fails only the requests in flight (503, catalogued); the next request
reconnects, and /healthz reports the failing part meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, Unpack

from notifycenter.catalogue import database as codes
from notifycenter.hub.database import Database
from notifycenter.hub.group_commit import (
    GroupCommitLog,
    GroupTransaction,
    Limits,
    LogOptions,
    outcomes,
    projection_name,
    stored_entry,
)
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.projection import Projection
from notifycenter.hub.sqlconn import PgConnection
from notifycenter.model.errors import ErrorSpec, NotifyError

T = TypeVar("T")

# Any constant shared by every replica: the one lock that orders all writes.
LOCK_KEY = 0x6E6F7469  # "noti"
CHANNEL = "notifycenter_log"
SCHEMA_COMPONENT = "log"
# (version, statements): applied in order, once, under the lock; upgrading is restarting.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS log (
            seq BIGINT PRIMARY KEY,
            source TEXT NOT NULL,
            id TEXT NOT NULL,
            body BYTEA NOT NULL,
            actor TEXT
        );
        CREATE UNIQUE INDEX IF NOT EXISTS log_key ON log (source, id);
        CREATE TABLE IF NOT EXISTS log_head (
            one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
            seq BIGINT NOT NULL
        );
        INSERT INTO log_head (one, seq)
            SELECT TRUE, coalesce(max(seq), 0) FROM log ON CONFLICT DO NOTHING;
        CREATE TABLE IF NOT EXISTS projections (name TEXT PRIMARY KEY, seq BIGINT NOT NULL);
        """,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
CATCH_UP_SECONDS = 1.0
LISTEN_POLL_SECONDS = 0.25  # how soon the listener notices close()
RECONNECT_SECONDS = 0.5
CLOSE_DRAIN_SECONDS = 10.0
STALLED_COMMIT_SECONDS = 10.0
_PAGE = 1000
log = logging.getLogger("notifycenter.hub")


def _is_connection_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))


class _PgTransaction(GroupTransaction[PgConnection]):
    def _store(
        self, events: Sequence[dict[str, Any]], actors: Sequence[str | None]
    ) -> tuple[list[StoredEntry], list[tuple[int, bool]]]:
        """Look the keys up in one query, then insert the new events in one statement."""
        raw = self.conn.raw
        stored_before = _existing(raw, events)
        known = dict(stored_before)
        new = self._stage(events, known, actors)
        if new:
            raw.execute(
                "INSERT INTO log (seq, source, id, body, actor) SELECT * FROM"
                " unnest(%s::bigint[], %s::text[], %s::text[], %s::bytea[], %s::text[])",
                (
                    [e.seq for e in new],
                    [e.event["source"] for e in new],
                    [e.event["id"] for e in new],
                    [e.body for e in new],
                    [e.actor for e in new],
                ),
            )
        return new, outcomes(events, stored_before, known)


def _existing(raw: Any, events: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """The stored seq of each (source, id) of `events` already in the log: one query."""
    if not events:
        return {}
    rows = raw.execute(
        "SELECT l.source, l.id, l.seq FROM log l"
        " JOIN unnest(%s::text[], %s::text[]) AS k(source, id)"
        " ON l.source = k.source AND l.id = k.id",
        ([e["source"] for e in events], [e["id"] for e in events]),
    ).fetchall()
    return {(source, ident): seq for source, ident, seq in rows}


class PgLog(GroupCommitLog[PgConnection]):
    """`EventLog` on PostgreSQL, with `SqliteLog`'s face: `on_commit` sees every entry
    of every replica, once, in log order, on the event loop."""

    writer_task_name = "notifycenter-pglog-writer"

    def __init__(
        self,
        database: Database,
        projections: Sequence[Projection] = (),
        **options: Unpack[LogOptions],
    ) -> None:
        super().__init__(projections, **options)
        self.database = database
        # last_seq is the last seq handed to on_commit, of any replica: this replica's head.
        self._bell = asyncio.Event()
        self._read_conns_lock = threading.Lock()  # every reader thread's, closed by close()
        self._conn: Any = None  # the writer's psycopg connection
        self._deliverer: asyncio.Task[None] | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _limits(self) -> Limits:
        return Limits(CLOSE_DRAIN_SECONDS, STALLED_COMMIT_SECONDS)

    # -- lifecycle -------------------------------------------------------------

    def _open_writer(self) -> None:
        """Connect, migrate the schema and catch the projections up, under the lock."""
        try:
            self._conn = conn = self.database.connect(autocommit=True)
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            _migrate(conn)
            adapted = PgConnection(conn)
            for projection in self.projections:
                projection.create(adapted)
            conn.execute("COMMIT")
            head = _head(conn)
            self.last_seq = head
            self._next_seq = head + 1
            for projection in self.projections:
                self._catch_up(projection)
        except NotifyError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise codes.DATABASE_UNREACHABLE.error(f"{self.database.masked}: {exc}") from None
            raise

    def _abandon_writer(self) -> None:
        self._drop_writer()

    def _begin_catch_up(self) -> tuple[PgConnection, int]:
        """Under the lock, so that the head cannot move while a page is applied."""
        conn = self._conn
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        return PgConnection(conn), _head(conn)

    def _start_background(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._deliverer = asyncio.create_task(self._deliver(), name="notifycenter-pglog-deliver")
        self._listener = threading.Thread(target=self._listen, name="nc-log-listen", daemon=True)
        self._listener.start()

    async def _stop_background(self) -> None:
        self._stopping.set()
        if self._deliverer is not None:
            self._deliverer.cancel()
            await asyncio.gather(self._deliverer, return_exceptions=True)

    def _close_writer(self) -> None:
        self._drop_writer()

    def _drop_writer(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    async def _closed(self, cleanly: bool) -> None:
        for conn in self._read_conns:
            with contextlib.suppress(Exception):
                conn.close()
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, LISTEN_POLL_SECONDS * 8)

    # -- writing ---------------------------------------------------------------

    def _begin(self) -> _PgTransaction:
        """Under the lock, numbered from the head any replica left: seq order is commit order."""
        conn = self._conn = _begin(self._conn, self.database, "BEGIN")  # READ COMMITTED
        txn = _PgTransaction(self, PgConnection(conn))
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            self._next_seq = _head(conn) + 1
        except BaseException as exc:
            self._abort(txn, exc)
            raise
        return txn

    def _end(self, txn: GroupTransaction[PgConnection]) -> None:
        """Move the head, record the projections' progress and ring every replica's bell."""
        conn = txn.conn.raw
        if txn.entries:
            last = self._next_seq - 1
            conn.execute("UPDATE log_head SET seq = %s", (last,))
            conn.execute(
                "INSERT INTO projections (name, seq) SELECT * FROM unnest(%s::text[], %s::bigint[])"
                " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                ([projection_name(p) for p in self.projections], [last] * len(self.projections)),
            )
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(last)))
        conn.execute("COMMIT")

    def _abort(self, txn: GroupTransaction[PgConnection], exc: BaseException) -> None:
        if _is_connection_error(exc):
            self._drop_writer()
        else:
            with contextlib.suppress(Exception):
                txn.conn.raw.execute("ROLLBACK")

    def _is_storage_failure(self, exc: BaseException) -> bool:
        return _is_connection_error(exc)

    def _commit_failure(self, exc: Exception) -> tuple[ErrorSpec, Exception] | None:
        if isinstance(exc, NotifyError):
            return codes.DATABASE_UNREACHABLE, exc
        if _is_connection_error(exc):
            error = codes.DATABASE_UNREACHABLE.error(f"the commit failed: {exc}", retry_after=1)
            return codes.DATABASE_UNREACHABLE, error
        return None

    # -- delivering ------------------------------------------------------------

    def _committed(self, entries: list[StoredEntry]) -> None:
        """This replica's commit: out at once if it follows what was delivered, else
        after the others' earlier entries, which the catch-up read brings first."""
        if entries[0].seq == self.last_seq + 1:
            self._publish(entries)
        elif entries[-1].seq > self.last_seq:
            self._bell.set()

    async def _deliver(self) -> None:
        """On each ring, read the log after the delivered head and hand it on, in order."""
        while True:
            await self._bell.wait()
            self._bell.clear()
            while True:
                after = self.last_seq
                try:
                    rows = await self.read(functools.partial(_after, after=after))
                except Exception as exc:  # the database is away: the next ring retries
                    log.debug("catching up after %d failed: %s", after, exc)
                    break
                self._publish([stored_entry(*row) for row in rows])
                if len(rows) < _PAGE:
                    break

    def _ring(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._bell.set)

    def _listen(self) -> None:
        """LISTEN for every replica's commits; ring on each, and every CATCH_UP_SECONDS."""
        while not self._stopping.is_set():
            try:
                conn = self.database.connect(autocommit=True)
            except NotifyError as exc:
                self._report_doorbell(exc)
                self._stopping.wait(RECONNECT_SECONDS)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                self._loop_call(self.health.recovered, "doorbell")
                self._ring()  # what was committed while nobody listened
                rung = time.monotonic()
                while not self._stopping.is_set():
                    for _ in conn.notifies(timeout=LISTEN_POLL_SECONDS, stop_after=1):
                        self._ring()
                        rung = time.monotonic()
                    if time.monotonic() - rung >= CATCH_UP_SECONDS:
                        self._ring()
                        rung = time.monotonic()
            except Exception as exc:
                if not self._stopping.is_set():
                    self._report_doorbell(exc)
                    self._stopping.wait(RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    conn.close()

    def _report_doorbell(self, exc: Exception) -> None:
        self._loop_call(self.health.failed, "doorbell", codes.DOORBELL_LOST, exc)

    def _loop_call(self, fn: Callable[..., Any], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(fn, *args)

    # -- reading ---------------------------------------------------------------

    def _read(self, fn: Callable[[PgConnection], T]) -> T:
        adapted: PgConnection | None = getattr(self._local, "conn", None)
        before = adapted.raw if adapted is not None else None
        try:  # one snapshot for everything fn reads
            raw = _begin(before, self.database, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except Exception as exc:
            self._local.conn = None
            raise self._unreachable(exc) from None
        if raw is not before:
            adapted = PgConnection(raw)
            self._local.conn = adapted
            with self._read_conns_lock:
                self._read_conns = [c for c in self._read_conns if c is not before] + [raw]
        assert adapted is not None
        try:
            try:
                return fn(adapted)
            finally:
                if not raw.closed:
                    raw.execute("ROLLBACK")
        except Exception as exc:
            if _is_connection_error(exc):
                self._local.conn = None
                with contextlib.suppress(Exception):
                    raw.close()
                raise self._unreachable(exc) from None
            raise

    def _unreachable(self, exc: Exception) -> Exception:
        """A lost connection as the catalogued 503; anything else as it is."""
        if _is_connection_error(exc):
            return codes.DATABASE_UNREACHABLE.error(f"{self.database.masked}: {exc}", retry_after=1)
        return exc


def _begin(conn: Any, database: Database, begin: str) -> Any:
    """`conn` (or a new connection) with a transaction begun. A kept connection that turns
    out dead (the server restarted since its last use) is replaced once: nothing was sent
    on it yet, so a restart costs no request its answer."""
    if conn is not None and not conn.closed:
        try:
            conn.execute(begin)
            return conn
        except Exception as exc:
            if not _is_connection_error(exc):
                raise
            with contextlib.suppress(Exception):
                conn.close()
    conn = database.connect(autocommit=True)
    try:
        conn.execute(begin)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: Any) -> None:
    """Bring the log's tables to SCHEMA_VERSION; refuse a database from a newer hub."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version"
        " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    row = conn.execute(
        "SELECT version FROM schema_version WHERE component = %s", (SCHEMA_COMPONENT,)
    ).fetchone()
    current = row[0] if row else 0
    if current > SCHEMA_VERSION:
        raise codes.DATABASE_SCHEMA_TOO_NEW.error(
            f"the log's schema is version {current}; this hub knows up to {SCHEMA_VERSION}"
        )
    for version, statements in MIGRATIONS:
        if version > current:
            conn.execute(statements)
            conn.execute(
                "INSERT INTO schema_version (component, version) VALUES (%s, %s)"
                " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (SCHEMA_COMPONENT, version),
            )


def _head(raw: Any) -> int:
    """The last seq written, by any replica (read under the lock, it is the next base)."""
    row = raw.execute("SELECT seq FROM log_head").fetchone()
    return int(row[0])


def _after(conn: PgConnection, after: int) -> list[tuple[int, bytes, str | None]]:
    rows: list[tuple[int, bytes, str | None]] = conn.raw.execute(
        "SELECT seq, body, actor FROM log WHERE seq > %s ORDER BY seq LIMIT %s", (after, _PAGE)
    ).fetchall()
    return rows


def check_database(database: Database) -> None:
    """Fail fast, with the catalogued error, when the database cannot be reached."""
    conn = database.connect(autocommit=True)
    conn.close()
