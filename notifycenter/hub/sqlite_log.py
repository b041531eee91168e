"""The SQLite event log: one WAL database, one writer thread, group commit.

Durability: `journal_mode=WAL` with `synchronous=FULL` fsyncs the WAL at every commit,
so an answered event survives `kill -9` and power loss (NORMAL would survive the first
but may lose the last commits on power loss). Throughput comes from group commit
(`group_commit`): the jobs queued while a commit runs share the next transaction and
its one fsync. The data directory is locked (`flock`): one hub per log, since seqs are
numbered in memory by its single writer.

Checkpoints run on a connection of their own, off the commit path: SQLite's automatic
checkpoint would run inside a commit every 1000 pages and add its fsyncs to the latency
of whichever requests that commit carries. A PASSIVE checkpoint never waits, but under
steady ingest it never catches up with the writer either, so the WAL is never reset and
grows by ~1.5 KB per event. So the writer itself, between two commits, truncates the WAL
once it passes `WAL_TRUNCATE_BYTES`: the PASSIVE rounds have already copied most of it,
and the stall is the rest (docs/performance.md). `journal_size_limit` shrinks the file
whenever SQLite resets the WAL on its own (an idle hub).

A failed checkpoint is retried a second later and reported on the hub's `HealthBoard`
(`/healthz`, `/metrics`) until it next succeeds, as a failed commit is.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar, Unpack

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.group_commit import (
    GroupCommitLog,
    GroupTransaction,
    Limits,
    LogOptions,
    outcomes,
    projection_name,
)
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.projection import Projection
from notifycenter.hub.sqlrows import insert_rows
from notifycenter.model.errors import ErrorSpec

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
log = logging.getLogger("notifycenter.hub")


class _Transaction(GroupTransaction[sqlite3.Connection]):
    def _store(
        self, events: Sequence[dict[str, Any]], actors: Sequence[str | None]
    ) -> tuple[list[StoredEntry], list[tuple[int, bool]]]:
        """Fast path: insert everything, skipping duplicates, and check the change count.
        Looking every key up first costs a query per event; a row-value
        `(source, id) IN (VALUES ...)` is not served by the index and scans the log.
        """
        self.conn.execute("SAVEPOINT insert_events")
        new = self._stage(events, {}, actors)
        if len(new) == len(events) and self._write(new) == len(new):
            results = [(e.seq, False) for e in new]
        else:  # duplicates, of the log or within the call: start over, looking each key up
            self.conn.execute("ROLLBACK TO insert_events")
            self.log._next_seq = new[0].seq
            stored_before = self._existing(events)
            known = dict(stored_before)
            new = self._stage(events, known, actors)
            self._write(new)
            results = outcomes(events, stored_before, known)
        self.conn.execute("RELEASE insert_events")
        return new, results

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


class SqliteLog(GroupCommitLog[sqlite3.Connection]):
    """`EventLog` on SQLite. `on_commit` sees every committed batch, in log order, on the loop."""

    def __init__(
        self, path: Path, projections: Sequence[Projection] = (), **options: Unpack[LogOptions]
    ) -> None:
        super().__init__(projections, **options)
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock: IO[bytes] | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._checkpointed_at = 0
        self._wal_checked = 0.0
        self.wal_truncations = 0  # WAL truncations done by the writer (metrics, tests)

    def _limits(self) -> Limits:
        return Limits(CLOSE_DRAIN_SECONDS, STALLED_COMMIT_SECONDS)

    # -- lifecycle -------------------------------------------------------------

    def _open_writer(self) -> None:
        try:
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
        except (OSError, sqlite3.Error) as exc:
            raise codes.STORAGE_UNAVAILABLE.error(f"{self.path}: {exc}") from None

    def _abandon_writer(self) -> None:
        if self._lock is not None:
            self._lock.close()

    def _begin_catch_up(self) -> tuple[sqlite3.Connection, int]:
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        return conn, self.last_seq

    def _start_background(self) -> None:
        self._checkpointer = asyncio.create_task(
            self._checkpoints(), name="notifycenter-log-checkpoint"
        )

    async def _stop_background(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)

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

    def _close_writer(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except (OSError, sqlite3.Error) as exc:
                log.warning("the final checkpoint failed (%s); the WAL is kept", exc)
            self._conn.close()
        if self._lock is not None:
            self._lock.close()

    async def _closed(self, cleanly: bool) -> None:
        if cleanly:  # a reader may still be stuck on a connection after a stuck commit
            for conn in self._read_conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    # -- writing ---------------------------------------------------------------

    async def _after_commit(self) -> None:
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

    def _begin(self) -> _Transaction:
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        return _Transaction(self, conn)

    def _end(self, txn: GroupTransaction[sqlite3.Connection]) -> None:
        if txn.entries:
            txn.conn.executemany(
                "INSERT OR REPLACE INTO projections (name, seq) VALUES (?, ?)",
                [(projection_name(p), self._next_seq - 1) for p in self.projections],
            )
        txn.conn.execute("COMMIT")

    def _abort(self, txn: GroupTransaction[sqlite3.Connection], exc: BaseException) -> None:
        if txn.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                txn.conn.execute("ROLLBACK")

    def _is_storage_failure(self, exc: BaseException) -> bool:
        return isinstance(exc, (OSError, sqlite3.OperationalError))

    def _commit_failure(self, exc: Exception) -> tuple[ErrorSpec, Exception] | None:
        if isinstance(exc, (OSError, sqlite3.Error)):
            error = codes.STORAGE_UNAVAILABLE.error(f"the commit failed: {exc}")
            return runtime_codes.WRITER_FAILED, error
        return None

    # -- reading ---------------------------------------------------------------

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


def _add_actor_column(conn: sqlite3.Connection) -> None:
    """A log written before the hub kept the posting user gains the column (NULL for old rows)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(log)")}
    if "actor" not in columns:
        conn.execute("ALTER TABLE log ADD COLUMN actor TEXT")
