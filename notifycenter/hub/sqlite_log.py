"""The SQLite event log: one WAL database, one writer thread, group commit.

Durability: `journal_mode=WAL` with `synchronous=FULL` fsyncs the WAL at every commit,
so an answered event survives `kill -9` and power loss (NORMAL would survive the first
but may lose the last commits on power loss). Throughput comes from group commit
instead: jobs (posts, lifecycle changes) queue while a commit runs, and the next commit
takes all of them in one transaction and one fsync; none is answered before it.

Checkpoints run on a connection of their own, off the commit path: SQLite's automatic
checkpoint would run inside a commit every 1000 pages and add its fsyncs to the latency
of whichever requests that commit carries. A PASSIVE checkpoint never waits, but under
steady ingest it never catches up with the writer either, so the WAL is never reset and
grows by ~1.5 KB per event. So the writer itself, between two commits, truncates the WAL
once it passes `WAL_TRUNCATE_BYTES`: the PASSIVE rounds have already copied most of it,
and the stall is the rest (docs/performance.md). `journal_size_limit` shrinks the file
whenever SQLite resets the WAL on its own (an idle hub).

Neither loop ever dies of an exception: a failed commit fails only the requests it
carried, a failed checkpoint is retried a second later, and both are reported on the
hub's `HealthBoard` (`/healthz`, `/metrics`) until they next succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.log import AppendResult, StoredEntry
from notifycenter.hub.projection import Projection
from notifycenter.hub.sqlrows import insert_rows
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import ErrorSpec, NotifyError

T = TypeVar("T")

LOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,           -- the normalised event as JSON, with its cursor
    actor TEXT                    -- the posting token's user (NULL: stored before it was kept)
);
CREATE UNIQUE INDEX IF NOT EXISTS log_key ON log(source, id);
CREATE TABLE IF NOT EXISTS projections (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
"""
# Only a duplicate (source, id) is skipped; a seq conflict must fail loudly.
_INSERT_LOG = "INSERT INTO log (seq, source, id, body, actor)"
_ON_DUPLICATE = " ON CONFLICT (source, id) DO NOTHING"
CHECKPOINT_SECONDS = 1.0
# The writer truncates the WAL between commits once it is larger than this.
WAL_TRUNCATE_BYTES = 16 << 20
# How often (seconds) the writer looks at the WAL's size; and how long a truncation waits
# for readers to leave the WAL before it is put off to the next look.
WAL_CHECK_SECONDS = 0.25
WAL_READER_WAIT_MS = 50
# What SQLite keeps of the WAL file when it resets it.
JOURNAL_SIZE_LIMIT = 4 << 20
BUSY_TIMEOUT_MS = 5000  # the writer's wait for a lock (sqlite3's default)
# How long close() lets queued writes finish; a stuck disk must not stop a shutdown.
CLOSE_DRAIN_SECONDS = 10.0
# A commit running longer than this makes /healthz report the writer as stalled.
STALLED_COMMIT_SECONDS = 10.0
_REPLAY_PAGE = 5000
log = logging.getLogger("notifycenter.hub")


@dataclass
class _Job:
    fn: Callable[[_Transaction], Any]
    future: asyncio.Future[Any]


@dataclass
class _Transaction:
    log: SqliteLog
    conn: sqlite3.Connection
    entries: list[StoredEntry] = field(default_factory=list)

    def insert(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> list[tuple[int, bool]]:
        """Append; a duplicate (same source and id) is answered with the first copy's seq.

        Fast path: insert everything, skipping duplicates, and check the change count.
        Looking every key up first costs a query per event; a row-value
        `(source, id) IN (VALUES ...)` is not served by the index and scans the log.
        """
        self.conn.execute("SAVEPOINT insert_events")
        for stamp in self.log.stamps:  # hub-set attributes, before the events are serialised
            stamp(self.conn, events)
        new = self._stage(events, {}, actor)
        if len(new) == len(events) and self._write(new) == len(new):
            results = [(e.seq, False) for e in new]
        else:  # duplicates, of the log or within the call: start over, looking each key up
            self.conn.execute("ROLLBACK TO insert_events")
            self.log._next_seq = new[0].seq
            stored_before = self._existing(events)
            known = dict(stored_before)
            new = self._stage(events, known, actor)
            self._write(new)
            results = _outcomes(events, stored_before, known)
        self.conn.execute("RELEASE insert_events")
        if new:
            for projection in self.log.projections:
                projection.apply(self.conn, new)
            self.entries.extend(new)
        return results

    def _write(self, entries: list[StoredEntry]) -> int:
        """Insert into the log; the number of rows that were not duplicates."""
        before = self.conn.total_changes
        insert_rows(
            self.conn,
            _INSERT_LOG,
            [(e.seq, e.event["source"], e.event["id"], e.body, e.actor) for e in entries],
            _ON_DUPLICATE,
        )
        return self.conn.total_changes - before

    def _stage(
        self,
        events: Sequence[dict[str, Any]],
        existing: dict[tuple[str, str], int],
        actor: str | None,
    ) -> list[StoredEntry]:
        """Give the events not in `existing` their seqs and bodies; `existing` learns them."""
        staged = []
        for event in events:
            key = (event["source"], event["id"])
            if key in existing:
                continue
            seq = self.log._next_seq
            self.log._next_seq += 1
            cursor = format_cursor(seq)
            event["cursor"] = cursor
            staged.append(StoredEntry(seq, cursor, event, orjson.dumps(event), actor))
            existing[key] = seq
        return staged

    def _existing(self, events: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for event in events:
            key = (event["source"], event["id"])
            row = self.conn.execute(
                "SELECT seq FROM log WHERE source = ? AND id = ?", key
            ).fetchone()
            if row is not None:
                found[key] = row[0]
        return found


def _outcomes(
    events: Sequence[dict[str, Any]],
    stored_before: dict[tuple[str, str], int],
    known: dict[tuple[str, str], int],
) -> list[tuple[int, bool]]:
    """(seq, duplicate) per event: a duplicate of the log or of an earlier event of the call."""
    seen: set[tuple[str, str]] = set()
    results = []
    for event in events:
        key = (event["source"], event["id"])
        results.append((known[key], key in stored_before or key in seen))
        seen.add(key)
    return results


class SqliteLog:
    """`EventLog` on SQLite. `on_commit` sees every committed batch, in log order, on the loop."""

    def __init__(
        self,
        path: Path,
        projections: Sequence[Projection] = (),
        on_commit: Callable[[list[StoredEntry]], None] | None = None,
        readers: int = 2,
        health: HealthBoard | None = None,
    ) -> None:
        self.path = Path(path)
        self.projections = list(projections)
        # A projection's optional `stamp(conn, events)` sets hub attributes before storing.
        self.stamps: list[Callable[[sqlite3.Connection, Sequence[dict[str, Any]]], None]] = [
            stamp for p in self.projections if callable(stamp := getattr(p, "stamp", None))
        ]
        self.on_commit = on_commit
        self.last_seq = 0
        self.commits = 0  # transactions committed: requests per commit shows group commit at work
        # Called from the writer thread with each commit's duration in seconds (metrics).
        self.on_commit_time: Callable[[float], None] | None = None
        self.health = health if health is not None else HealthBoard()
        self.health.probes.append(self._stalled)
        self._committing = False
        self._commit_started = 0.0
        self._next_seq = 1
        self._readers = readers
        self._queue: list[_Job] = []
        self._wake = asyncio.Event()
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        self._conn: sqlite3.Connection | None = None
        self._lock: IO[bytes] | None = None
        self._task: asyncio.Task[None] | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._checkpointed_at = 0
        self._wal_checked = 0.0
        self.wal_truncations = 0  # WAL truncations done by the writer (metrics, tests)

    # -- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        self._writer_pool = ThreadPoolExecutor(1, "nc-log-writer")
        self._reader_pool = ThreadPoolExecutor(self._readers, "nc-log-reader")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer_pool, self._open_writer)
        except (OSError, sqlite3.Error, NotifyError) as exc:
            if self._lock is not None:
                self._lock.close()
            self._writer_pool.shutdown()
            self._reader_pool.shutdown()
            if isinstance(exc, NotifyError):
                raise
            raise codes.STORAGE_UNAVAILABLE.error(f"{self.path}: {exc}") from None
        self._task = asyncio.create_task(self._run(), name="notifycenter-log-writer")
        self._task.add_done_callback(self._writer_ended)
        self._checkpointer = asyncio.create_task(
            self._checkpoints(), name="notifycenter-log-checkpoint"
        )

    def _open_writer(self) -> None:
        self._lock = lock_data_dir(self.path)
        conn = connect_writer(self.path)
        conn.executescript(LOG_SCHEMA)
        _add_actor_column(conn)
        for projection in self.projections:
            projection.create(conn)
        self._conn = conn
        self.last_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
        self._next_seq = self.last_seq + 1
        for projection in self.projections:
            self._catch_up(projection)

    def _catch_up(self, projection: Projection) -> None:
        """A projection added to an existing log (or dropped) is rebuilt from the log."""
        name = _name(projection)
        conn = self._conn
        assert conn is not None
        row = conn.execute("SELECT seq FROM projections WHERE name = ?", (name,)).fetchone()
        done = row[0] if row else 0
        if getattr(projection, "stateless", False):
            done = self.last_seq  # it keeps no tables: replaying the past would only cost time
        while done < self.last_seq:
            conn.execute("BEGIN IMMEDIATE")
            page = conn.execute(
                "SELECT seq, body, actor FROM log WHERE seq > ? ORDER BY seq LIMIT ?",
                (done, _REPLAY_PAGE),
            ).fetchall()
            projection.apply(conn, [_entry(*row) for row in page])
            done = page[-1][0]
            conn.execute(
                "INSERT OR REPLACE INTO projections (name, seq) VALUES (?, ?)", (name, done)
            )
            conn.execute("COMMIT")
        if row is None:
            conn.execute(
                "INSERT OR REPLACE INTO projections (name, seq) VALUES (?, ?)", (name, done)
            )

    async def _checkpoints(self) -> None:
        """Checkpoint after new commits; a failure (disk full) is reported and retried."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            commits = self.commits
            if commits == self._checkpointed_at:  # a whole round without a commit: idle
                await self._bound_wal(JOURNAL_SIZE_LIMIT)  # give the WAL's disk space back
                continue
            try:
                await loop.run_in_executor(self._reader_pool, self._checkpoint, "PASSIVE")
            except Exception as exc:
                self.health.failed("checkpoint", runtime_codes.CHECKPOINT_FAILED, exc)
            else:
                self._checkpointed_at = commits
                self.health.recovered("checkpoint")

    def _checkpoint(self, mode: str) -> None:
        """PASSIVE never blocks the writer or readers; it copies what it can."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})")
        finally:
            conn.close()

    async def close(self) -> None:
        """Let queued writes finish (bounded in time), then stop; never hangs on a stuck disk."""
        loop = asyncio.get_running_loop()
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)
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
            closing = loop.run_in_executor(self._writer_pool, self._close_writer)
            try:
                await asyncio.wait_for(closing, CLOSE_DRAIN_SECONDS)
            except TimeoutError:
                closed_cleanly = False
        # After a stuck commit, neither pool is waited for (nor its connections closed).
        self._writer_pool.shutdown(wait=closed_cleanly)
        self._reader_pool.shutdown(wait=closed_cleanly)
        if closed_cleanly:
            for conn in self._read_conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    def _close_writer(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except (OSError, sqlite3.Error) as exc:
                log.warning("the final checkpoint failed (%s); the WAL is kept", exc)
            self._conn.close()
        if self._lock is not None:
            self._lock.close()

    def _writer_ended(self, task: asyncio.Task[None]) -> None:
        """The writer only ends when cancelled by close(); anything else is reported."""
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

    async def write(self, job: Callable[[_Transaction], T]) -> T:
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
                await self._bound_wal()

    async def _bound_wal(self, bound: int | None = None) -> None:
        """Truncate the WAL if it has grown past `bound` (WAL_TRUNCATE_BYTES). It runs on
        the writer's thread, so between two commits, never inside one."""
        now = time.monotonic()
        if bound is None and now - self._wal_checked < WAL_CHECK_SECONDS:
            return
        self._wal_checked = now
        try:
            size = self.path.with_name(self.path.name + "-wal").stat().st_size
        except OSError:
            return
        if size <= (WAL_TRUNCATE_BYTES if bound is None else bound):
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer_pool, self._truncate_wal)
        except Exception as exc:  # reported like a failed checkpoint; the next look retries
            self.health.failed("checkpoint", runtime_codes.CHECKPOINT_FAILED, exc)

    def _truncate_wal(self) -> None:
        """TRUNCATE on the writer's connection, waiting briefly for readers; a reader still
        on the WAL puts it off (SQLite then checkpoints what it can, as PASSIVE does)."""
        conn = self._conn
        assert conn is not None
        conn.execute(f"PRAGMA busy_timeout={WAL_READER_WAIT_MS}")
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not busy:
            self.wal_truncations += 1

    async def _commit_jobs(self, jobs: list[_Job]) -> None:
        """Commit one group and answer it; no exception escapes to stop the writer."""
        loop = asyncio.get_running_loop()
        self._committing = True
        self._commit_started = time.monotonic()
        try:
            outcomes, entries = await loop.run_in_executor(self._writer_pool, self._commit, jobs)
        except asyncio.CancelledError:  # close() gave up waiting: the outcome is unknown
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(
                        runtime_codes.WRITER_STOPPED.error("the hub stopped during the commit")
                    )
            raise
        except Exception as exc:
            self.health.failed("writer", runtime_codes.WRITER_FAILED, exc)
            if isinstance(exc, (OSError, sqlite3.Error)):
                error = codes.STORAGE_UNAVAILABLE.error(f"the commit failed: {exc}")
            else:
                error = runtime_codes.WRITER_FAILED.error(f"{type(exc).__name__}: {exc}")
            outcomes, entries = [(False, error)] * len(jobs), []
        else:
            self.health.recovered("writer")
        finally:
            self._committing = False
        if entries:
            self.last_seq = entries[-1].seq
            self._publish(entries)
        for job, (ok, value) in zip(jobs, outcomes, strict=False):
            if not job.future.done():
                job.future.set_result(value) if ok else job.future.set_exception(value)

    def _stalled(self) -> tuple[str, ErrorSpec, str] | None:
        running = time.monotonic() - self._commit_started
        if self._committing and running > STALLED_COMMIT_SECONDS:
            return "writer", runtime_codes.WRITER_STALLED, f"a commit has run for {running:.0f} s"
        return None

    def _publish(self, entries: list[StoredEntry]) -> None:
        """Committed entries are durable whatever the subscribers do with them."""
        if self.on_commit is None:
            return
        try:
            self.on_commit(entries)
        except Exception as exc:
            self.health.failed("publisher", runtime_codes.ON_COMMIT_FAILED, exc)
        else:
            self.health.recovered("publisher")

    def _commit(self, jobs: list[_Job]) -> tuple[list[tuple[bool, Any]], list[StoredEntry]]:
        conn = self._conn
        assert conn is not None
        first_seq = self._next_seq
        txn = _Transaction(self, conn)
        outcomes: list[tuple[bool, Any]] = []
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for job in jobs:
                outcomes.append(self._run_job(txn, job))
            if txn.entries:
                conn.executemany(
                    "INSERT OR REPLACE INTO projections (name, seq) VALUES (?, ?)",
                    [(_name(p), self._next_seq - 1) for p in self.projections],
                )
            conn.execute("COMMIT")
            self.commits += 1
            if self.on_commit_time is not None:
                self.on_commit_time(time.perf_counter() - started)
        except BaseException:
            self._next_seq = first_seq
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        return outcomes, txn.entries

    def _run_job(self, txn: _Transaction, job: _Job) -> tuple[bool, Any]:
        """One job in a savepoint: a failing job leaves no trace, the others commit."""
        mark_seq, mark_entries = self._next_seq, len(txn.entries)
        txn.conn.execute("SAVEPOINT job")
        try:
            value = job.fn(txn)
        except (OSError, sqlite3.OperationalError):
            raise  # the database itself failed: fail the whole group
        except Exception as exc:
            txn.conn.execute("ROLLBACK TO job")
            txn.conn.execute("RELEASE job")
            self._next_seq = mark_seq
            del txn.entries[mark_entries:]
            return False, exc
        txn.conn.execute("RELEASE job")
        return True, value

    # -- reading ---------------------------------------------------------------

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader_pool, self._read, fn)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
            self._read_conns.append(conn)
        conn.execute("BEGIN")  # one snapshot for everything fn reads
        try:
            return fn(conn)
        finally:
            conn.execute("COMMIT")


def lock_data_dir(path: Path) -> IO[bytes]:
    """One hub per log: seqs are allocated in memory by the single writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path.with_name(path.name + ".lock"), "wb")  # noqa: SIM115 - held while open
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise codes.DATA_DIR_IN_USE.error(f"another hub is using {path.parent}") from None
    return lock


def connect_writer(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # see _checkpoints
    conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    return conn


def check_storage(path: Path) -> None:
    """Fail fast, with the catalogued error, when the log cannot be opened for writing."""
    try:
        lock_data_dir(path).close()
        conn = connect_writer(path)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        conn.close()
    except (OSError, sqlite3.Error) as exc:
        raise codes.STORAGE_UNAVAILABLE.error(f"{path}: {exc}") from None


def _entry(seq: int, body: bytes, actor: str | None = None) -> StoredEntry:
    event = orjson.loads(body)
    return StoredEntry(seq, event.get("cursor") or format_cursor(seq), event, body, actor)


def _add_actor_column(conn: sqlite3.Connection) -> None:
    """A log written before the hub kept the posting user gains the column (NULL for old rows)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(log)")}
    if "actor" not in columns:
        conn.execute("ALTER TABLE log ADD COLUMN actor TEXT")


def _name(projection: Projection) -> str:
    kind = type(projection)
    return f"{kind.__module__}.{kind.__qualname__}"
