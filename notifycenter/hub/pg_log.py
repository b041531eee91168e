"""The PostgreSQL event log: any number of hubs (replicas) on one database, one order.

One global order. Every write transaction first takes `pg_advisory_xact_lock(LOCK_KEY)`,
then numbers its events from the head seq kept in `log_head`, plus one. The lock is held
until the transaction ends, and PostgreSQL makes a transaction visible before it releases
its locks, so the next holder (on any replica) reads the new head and commits after it:
seq order is commit order. Hence a reader whose snapshot holds seq N holds every seq
below N, and a client resuming after cursor C on any replica misses nothing and gets
nothing twice. Under the same lock the duplicate check (`source`, `id`) and the insert
cannot race; the unique index `log_key` backs it up.

Durability and group commit as on SQLite: one writer thread per replica takes every job
queued while it was committing in one transaction, and answers none of them before
PostgreSQL's COMMIT returned (synchronous_commit, the server's default).

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from notifycenter.catalogue import database as codes
from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.database import Database
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.log import AppendResult, StoredEntry
from notifycenter.hub.projection import Projection
from notifycenter.hub.sqlconn import PgConnection
from notifycenter.model.cursor import format_cursor
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
_REPLAY_PAGE = 5000
log = logging.getLogger("notifycenter.hub")


def _is_connection_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))


@dataclass
class _Job:
    fn: Callable[[_PgTransaction], Any]
    future: asyncio.Future[Any]


@dataclass
class _PgTransaction:
    """What a write job sees: `conn` (the sqlite3 face) and `insert`."""

    log: PgLog
    conn: PgConnection
    entries: list[StoredEntry] = field(default_factory=list)

    def insert(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> list[tuple[int, bool]]:
        """Append; a duplicate (same source and id) is answered with the first copy's seq."""
        for stamp in self.log.stamps:  # hub-set attributes, before the events are serialised
            stamp(self.conn, events)
        raw = self.conn.raw
        stored_before = _existing(raw, events)
        known = dict(stored_before)
        new: list[StoredEntry] = []
        for event in events:
            key = (event["source"], event["id"])
            if key in known:
                continue
            seq = self.log._next_seq
            self.log._next_seq += 1
            event["cursor"] = cursor = format_cursor(seq)
            new.append(StoredEntry(seq, cursor, event, orjson.dumps(event), actor))
            known[key] = seq
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
            for projection in self.log.projections:
                projection.apply(self.conn, new)
            self.entries.extend(new)
        seen: set[tuple[str, str]] = set()
        results = []
        for event in events:
            key = (event["source"], event["id"])
            results.append((known[key], key in stored_before or key in seen))
            seen.add(key)
        return results


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


class PgLog:
    """`EventLog` on PostgreSQL, with `SqliteLog`'s face: `on_commit` sees every entry
    of every replica, once, in log order, on the event loop."""

    def __init__(
        self,
        database: Database,
        projections: Sequence[Projection] = (),
        on_commit: Callable[[list[StoredEntry]], None] | None = None,
        readers: int = 2,
        health: HealthBoard | None = None,
    ) -> None:
        self.database = database
        self.projections = list(projections)
        self.stamps: list[Callable[[Any, Sequence[dict[str, Any]]], None]] = [
            stamp for p in self.projections if callable(stamp := getattr(p, "stamp", None))
        ]
        self.on_commit = on_commit
        self.last_seq = 0  # the last seq handed to on_commit: this replica's head
        self.commits = 0
        self.on_commit_time: Callable[[float], None] | None = None
        self.health = health if health is not None else HealthBoard()
        self.health.probes.append(self._stalled)
        self._committing = False
        self._commit_started = 0.0
        self._next_seq = 1
        self._readers = readers
        self._queue: list[_Job] = []
        self._wake = asyncio.Event()
        self._bell = asyncio.Event()
        self._local = threading.local()
        self._read_conns: list[Any] = []  # every reader thread's, closed by close()
        self._read_conns_lock = threading.Lock()
        self._conn: Any = None  # the writer's psycopg connection
        self._task: asyncio.Task[None] | None = None
        self._deliverer: asyncio.Task[None] | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._writer_pool = ThreadPoolExecutor(1, "nc-log-writer")
        self._reader_pool = ThreadPoolExecutor(self._readers, "nc-log-reader")
        try:
            await self._loop.run_in_executor(self._writer_pool, self._open_writer)
        except BaseException:
            self._writer_pool.shutdown()
            self._reader_pool.shutdown()
            self._drop_writer()
            raise
        self._task = asyncio.create_task(self._run(), name="notifycenter-pglog-writer")
        self._task.add_done_callback(self._writer_ended)
        self._deliverer = asyncio.create_task(self._deliver(), name="notifycenter-pglog-deliver")
        self._listener = threading.Thread(target=self._listen, name="nc-log-listen", daemon=True)
        self._listener.start()

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

    def _catch_up(self, projection: Projection) -> None:
        """A projection added to an existing log (or dropped) is rebuilt from the log."""
        name = _name(projection)
        conn = self._conn
        adapted = PgConnection(conn)
        while True:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            head = _head(conn)
            row = conn.execute("SELECT seq FROM projections WHERE name = %s", (name,)).fetchone()
            done = row[0] if row else 0
            if getattr(projection, "stateless", False):
                done = head  # it keeps no tables: replaying the past would only cost time
            page = []
            if done < head:
                page = conn.execute(
                    "SELECT seq, body, actor FROM log WHERE seq > %s ORDER BY seq LIMIT %s",
                    (done, _REPLAY_PAGE),
                ).fetchall()
                if page:
                    projection.apply(adapted, [_entry(*r) for r in page])
                    done = page[-1][0]
            conn.execute(
                "INSERT INTO projections (name, seq) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                (name, done),
            )
            conn.execute("COMMIT")
            if not page:
                return

    async def close(self) -> None:
        """Let queued writes finish (bounded in time), then stop."""
        loop = asyncio.get_running_loop()
        self._stopping.set()
        if self._deliverer is not None:
            self._deliverer.cancel()
            await asyncio.gather(self._deliverer, return_exceptions=True)
        closed_cleanly = True
        if self._task is not None:
            deadline = loop.time() + CLOSE_DRAIN_SECONDS
            while (self._queue or self._committing) and not self._task.done():
                if loop.time() > deadline:
                    closed_cleanly = False
                    break
                await asyncio.sleep(0.01)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._fail_queued("the hub is stopping")
        if closed_cleanly:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    loop.run_in_executor(self._writer_pool, self._drop_writer), CLOSE_DRAIN_SECONDS
                )
        self._writer_pool.shutdown(wait=closed_cleanly)
        self._reader_pool.shutdown(wait=closed_cleanly)
        for conn in self._read_conns:
            with contextlib.suppress(Exception):
                conn.close()
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, LISTEN_POLL_SECONDS * 8)

    def _drop_writer(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _writer_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled():
            exc = task.exception()
            detail = f"the writer ended: {exc!r}" if exc else "the writer ended"
            self.health.stopped("writer", runtime_codes.WRITER_STOPPED, detail)
        self._fail_queued("the log writer has stopped")

    def _fail_queued(self, detail: str) -> None:
        jobs, self._queue = self._queue, []
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(runtime_codes.WRITER_STOPPED.error(detail))

    # -- writing ---------------------------------------------------------------

    async def append(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> AppendResult:
        results = await self.write(lambda txn: txn.insert(events, actor))
        return AppendResult(
            cursors=[format_cursor(seq) for seq, _ in results],
            duplicates=sum(1 for _, dup in results if dup),
        )

    async def write(self, job: Callable[[_PgTransaction], T]) -> T:
        if self._task is None or self._task.done():
            raise runtime_codes.WRITER_STOPPED.error("the log writer is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Job(job, future))
        self._wake.set()
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            jobs, self._queue = self._queue, []
            if jobs:
                await self._commit_jobs(jobs)

    async def _commit_jobs(self, jobs: list[_Job]) -> None:
        """Commit one group and answer it; no exception escapes to stop the writer."""
        loop = asyncio.get_running_loop()
        self._committing = True
        self._commit_started = time.monotonic()
        try:
            outcomes, entries = await loop.run_in_executor(self._writer_pool, self._commit, jobs)
        except asyncio.CancelledError:
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(
                        runtime_codes.WRITER_STOPPED.error("the hub stopped during the commit")
                    )
            raise
        except Exception as exc:
            if isinstance(exc, NotifyError):
                error = exc
                self.health.failed("writer", codes.DATABASE_UNREACHABLE, exc)
            elif _is_connection_error(exc):
                error = codes.DATABASE_UNREACHABLE.error(f"the commit failed: {exc}", retry_after=1)
                self.health.failed("writer", codes.DATABASE_UNREACHABLE, exc)
            else:
                error = runtime_codes.WRITER_FAILED.error(f"{type(exc).__name__}: {exc}")
                self.health.failed("writer", runtime_codes.WRITER_FAILED, exc)
            outcomes, entries = [(False, error)] * len(jobs), []
        else:
            self.health.recovered("writer")
        finally:
            self._committing = False
        if entries:
            self._own_commit(entries)
        for job, (ok, value) in zip(jobs, outcomes, strict=False):
            if not job.future.done():
                job.future.set_result(value) if ok else job.future.set_exception(value)

    def _commit(self, jobs: list[_Job]) -> tuple[list[tuple[bool, Any]], list[StoredEntry]]:
        started = time.perf_counter()
        conn = self._conn = _begin(self._conn, self.database, "BEGIN")  # READ COMMITTED
        txn = _PgTransaction(self, PgConnection(conn))
        outcomes: list[tuple[bool, Any]] = []
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            head = _head(conn)
            self._next_seq = head + 1
            for job in jobs:
                outcomes.append(self._run_job(txn, job))
            if txn.entries:
                last = self._next_seq - 1
                conn.execute("UPDATE log_head SET seq = %s", (last,))
                conn.execute(
                    "INSERT INTO projections (name, seq) SELECT * FROM unnest(%s::text[], %s::bigint[])"
                    " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                    ([_name(p) for p in self.projections], [last] * len(self.projections)),
                )
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(last)))
            conn.execute("COMMIT")
        except BaseException as exc:
            if _is_connection_error(exc):
                self._drop_writer()
            else:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
            raise
        self.commits += 1
        if self.on_commit_time is not None:
            self.on_commit_time(time.perf_counter() - started)
        return outcomes, txn.entries

    def _run_job(self, txn: _PgTransaction, job: _Job) -> tuple[bool, Any]:
        """One job in a savepoint: a failing job leaves no trace, the others commit."""
        mark_seq, mark_entries = self._next_seq, len(txn.entries)
        raw = txn.conn.raw
        raw.execute("SAVEPOINT job")
        try:
            value = job.fn(txn)
        except Exception as exc:
            if _is_connection_error(exc):
                raise  # the database itself failed: fail the whole group
            raw.execute("ROLLBACK TO SAVEPOINT job")
            raw.execute("RELEASE SAVEPOINT job")
            self._next_seq = mark_seq
            del txn.entries[mark_entries:]
            return False, exc
        raw.execute("RELEASE SAVEPOINT job")
        return True, value

    def _stalled(self) -> tuple[str, ErrorSpec, str] | None:
        running = time.monotonic() - self._commit_started
        if self._committing and running > STALLED_COMMIT_SECONDS:
            return "writer", runtime_codes.WRITER_STALLED, f"a commit has run for {running:.0f} s"
        return None

    # -- delivering ------------------------------------------------------------

    def _own_commit(self, entries: list[StoredEntry]) -> None:
        """This replica's commit: out at once if it follows what was delivered, else
        after the others' earlier entries, which the catch-up read brings first."""
        if entries[0].seq == self.last_seq + 1:
            self._publish(entries)
        elif entries[-1].seq > self.last_seq:
            self._bell.set()

    def _publish(self, entries: list[StoredEntry]) -> None:
        """Hand on the entries past the delivered head; committed whatever subscribers do."""
        fresh = [e for e in entries if e.seq > self.last_seq]
        if not fresh:
            return
        self.last_seq = fresh[-1].seq
        if self.on_commit is None:
            return
        try:
            self.on_commit(fresh)
        except Exception as exc:
            self.health.failed("publisher", runtime_codes.ON_COMMIT_FAILED, exc)
        else:
            self.health.recovered("publisher")

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
                self._publish([_entry(*row) for row in rows])
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

    async def read(self, fn: Callable[[PgConnection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader_pool, self._read, fn)

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


def _entry(seq: int, body: bytes, actor: str | None = None) -> StoredEntry:
    body = bytes(body)
    event = orjson.loads(body)
    return StoredEntry(seq, event.get("cursor") or format_cursor(seq), event, body, actor)


def _name(projection: Projection) -> str:
    kind = type(projection)
    return f"{kind.__module__}.{kind.__qualname__}"
