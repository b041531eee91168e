"""One writer per event log, committing every queued write at once: what both backends share.

Seqs are numbered in memory by a single writer thread, so writes never race for a number.
A durable commit is the expensive part (an fsync on SQLite, a WAL flush and a round trip
on PostgreSQL), so the writes (posts, lifecycle changes) that queue while one commit runs
all go into the next transaction, each in a savepoint, and none is answered before that
commit returned: durable before the answer, one commit for many requests. Plain appends
queued side by side go further: one insert and one projection pass for all of them, each
retried alone in its own savepoint if that fails, so a bad request still fails only itself.

Neither the writer nor a commit dies of an exception: a job that raises leaves no trace and
fails alone, a commit that fails fails only the requests it carried (with the backend's
catalogued error), and the `HealthBoard` (`/healthz`, `/metrics`) shows the failing or
stalled part until the next success. A backend (`SqliteLog`, `PgLog`) says how to open and
close its writer, begin and end a transaction, store the rows, and read.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar

import orjson

from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.log import AppendResult, StoredEntry
from notifycenter.hub.projection import Projection
from notifycenter.hub.sqlconn import SqlConnection
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import ErrorSpec
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX

T = TypeVar("T")
ConnT = TypeVar("ConnT", bound=SqlConnection)

REPLAY_PAGE = 5000  # log rows per transaction while a projection catches up
Outcome = tuple[bool, Any]  # (succeeded, the job's value or its exception)
Key = tuple[str, str]  # an event's (source, id)


@dataclass(frozen=True)
class Limits:
    """A backend's bounds, read at each use so that they can be tuned per backend."""

    drain_seconds: (
        float  # how long close() lets queued writes finish; a stuck disk must not stop it
    )
    stalled_seconds: float  # a commit running longer is reported as stalled on /healthz


@dataclass
class Job(Generic[ConnT]):
    fn: Callable[[GroupTransaction[ConnT]], Any]
    future: asyncio.Future[Any]
    # A plain append (`fn` inserts just these) that may share one insert with its neighbours.
    events: Sequence[dict[str, Any]] | None = None
    actor: str | None = None


def append_job(
    events: Sequence[dict[str, Any]], actor: str | None, future: asyncio.Future[Any]
) -> Job[Any]:
    """The job of `append`. Events of the hub's own types (lifecycle, silences) are not
    merged: a stamp must see a silence applied before the events after it are stamped."""
    mergeable = not any(str(e.get("type", "")).startswith(LIFECYCLE_TYPE_PREFIX) for e in events)
    return Job(lambda txn: txn.insert(events, actor), future, events if mergeable else None, actor)


@dataclass
class GroupTransaction(Generic[ConnT]):
    """What a write job sees inside the group's transaction: `conn` and `insert`."""

    log: GroupCommitLog[ConnT]
    conn: ConnT
    entries: list[StoredEntry] = field(default_factory=list)

    def insert(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> list[tuple[int, bool]]:
        """Append; a duplicate (same source and id) is answered with the first copy's seq."""
        return self.insert_each(events, [actor] * len(events))

    def insert_each(
        self, events: Sequence[dict[str, Any]], actors: Sequence[str | None]
    ) -> list[tuple[int, bool]]:
        """`insert`, with one actor per event (merged appends of several requests)."""
        for stamp in self.log.stamps:  # hub-set attributes, before the events are serialised
            stamp(self.conn, events)
        new, results = self._store(events, actors)
        if new:
            for projection in self.log.projections:
                projection.apply(self.conn, new)
            self.entries.extend(new)
        return results

    def _store(
        self, events: Sequence[dict[str, Any]], actors: Sequence[str | None]
    ) -> tuple[list[StoredEntry], list[tuple[int, bool]]]:
        """Write the events not yet in the log (staged with `_stage`): the new entries, and
        (seq, was_duplicate) per event (see `outcomes`)."""
        raise NotImplementedError

    def _stage(
        self,
        events: Sequence[dict[str, Any]],
        existing: dict[Key, int],
        actors: Sequence[str | None],
    ) -> list[StoredEntry]:
        """Give the events not in `existing` their seqs and bodies; `existing` learns them."""
        log = self.log
        staged = []
        for event, actor in zip(events, actors, strict=True):
            key = (event["source"], event["id"])
            if key in existing:
                continue
            seq = log._next_seq
            log._next_seq += 1
            event["cursor"] = cursor = format_cursor(seq)
            staged.append(StoredEntry(seq, cursor, event, orjson.dumps(event), actor))
            existing[key] = seq
        return staged


def outcomes(
    events: Sequence[dict[str, Any]], stored_before: dict[Key, int], known: dict[Key, int]
) -> list[tuple[int, bool]]:
    """(seq, duplicate) per event: a duplicate of the log or of an earlier event of the call."""
    seen: set[Key] = set()
    results = []
    for event in events:
        key = (event["source"], event["id"])
        results.append((known[key], key in stored_before or key in seen))
        seen.add(key)
    return results


class LogOptions(TypedDict, total=False):
    """What every backend's constructor takes after its projections."""

    on_commit: Callable[[list[StoredEntry]], None] | None
    readers: int  # reader threads (and connections)
    health: HealthBoard | None  # the hub's board; a log of its own when None


class GroupCommitLog(Generic[ConnT]):
    """The queue, the writer task and its thread, group commit, failure and health
    reporting. `on_commit` sees every committed batch, in log order, on the event loop."""

    writer_task_name = "notifycenter-log-writer"

    def __init__(
        self,
        projections: Sequence[Projection] = (),
        *,
        on_commit: Callable[[list[StoredEntry]], None] | None = None,
        readers: int = 2,
        health: HealthBoard | None = None,
    ) -> None:
        self.projections = list(projections)
        # A projection's optional `stamp(conn, events)` sets hub attributes before storing.
        self.stamps: list[Callable[[ConnT, Sequence[dict[str, Any]]], None]] = [
            stamp for p in self.projections if callable(stamp := getattr(p, "stamp", None))
        ]
        self.on_commit = on_commit
        self.last_seq = 0  # the last seq handed to on_commit
        self.commits = 0  # transactions committed: requests per commit shows group commit at work
        # Called from the writer thread with each commit's duration in seconds (metrics).
        self.on_commit_time: Callable[[float], None] | None = None
        self.health = health if health is not None else HealthBoard()
        self.health.probes.append(self._stalled)
        self._committing = False
        self._commit_started = 0.0
        self._next_seq = 1
        self._readers = readers
        self._queue: list[Job[ConnT]] = []
        self._wake = asyncio.Event()
        self._local = threading.local()  # each reader thread's connection
        self._read_conns: list[Any] = []
        self._task: asyncio.Task[None] | None = None

    # -- what a backend supplies -------------------------------------------------

    def _limits(self) -> Limits:
        raise NotImplementedError

    def _open_writer(self) -> None:
        """On the writer thread: connect, create the tables, set `last_seq` and `_next_seq`,
        catch the projections up (`_catch_up`). Raises the catalogued error."""
        raise NotImplementedError

    def _abandon_writer(self) -> None:
        """Release what a failed `_open_writer` holds."""

    def _start_background(self) -> None:
        """Start the backend's own loops, once the writer runs."""

    async def _stop_background(self) -> None:
        """Stop them, first thing in close()."""

    def _close_writer(self) -> None:
        """On the writer thread, once the queue is drained: close the writer's connection."""
        raise NotImplementedError

    async def _closed(self, cleanly: bool) -> None:
        """Last step of close(); after a stuck commit (`cleanly` false) nothing may wait on it."""

    def _begin_catch_up(self) -> tuple[ConnT, int]:
        """A connection with a write transaction begun, and the log's head seq."""
        raise NotImplementedError

    def _begin(self) -> GroupTransaction[ConnT]:
        """Begin the group's transaction; `_next_seq` is then the group's first seq."""
        raise NotImplementedError

    def _end(self, txn: GroupTransaction[ConnT]) -> None:
        """Record the group (projections' progress, when it stored entries) and commit."""
        raise NotImplementedError

    def _abort(self, txn: GroupTransaction[ConnT], exc: BaseException) -> None:
        """The group failed (`exc`): roll back, or drop a connection that is gone."""
        raise NotImplementedError

    def _is_storage_failure(self, exc: BaseException) -> bool:
        """True when the database itself failed: then the whole group fails, not one job."""
        raise NotImplementedError

    def _commit_failure(self, exc: Exception) -> tuple[ErrorSpec, Exception] | None:
        """What a failed commit reports on the health board and answers its requests with;
        None for an unexpected failure (WRITER_FAILED)."""
        return None

    def _read(self, fn: Callable[[ConnT], T]) -> T:
        """On a reader thread: `fn(connection)` in one snapshot."""
        raise NotImplementedError

    async def _after_commit(self) -> None:
        """On the writer task, between two commits."""

    def _committed(self, entries: list[StoredEntry]) -> None:
        """This writer's commit, on the event loop: hand it on."""
        self._publish(entries)

    # -- lifecycle ---------------------------------------------------------------

    async def open(self) -> None:
        self._writer_pool = ThreadPoolExecutor(1, "nc-log-writer")
        self._reader_pool = ThreadPoolExecutor(self._readers, "nc-log-reader")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer_pool, self._open_writer)
        except BaseException:
            self._writer_pool.shutdown()
            self._reader_pool.shutdown()
            self._abandon_writer()
            raise
        self._task = asyncio.create_task(self._run(), name=self.writer_task_name)
        self._task.add_done_callback(self._writer_ended)
        self._start_background()

    def _catch_up(self, projection: Projection) -> None:
        """A projection added to an existing log (or dropped) is rebuilt from the log, a page
        per transaction; one that keeps no tables (`stateless`) starts at the head."""
        name = projection_name(projection)
        while True:
            conn, head = self._begin_catch_up()
            row = conn.execute("SELECT seq FROM projections WHERE name = ?", (name,)).fetchone()
            done = row[0] if row else 0
            if getattr(projection, "stateless", False):
                done = head  # replaying the past would only cost time
            page = []
            if done < head:
                page = conn.execute(
                    "SELECT seq, body, actor FROM log WHERE seq > ? ORDER BY seq LIMIT ?",
                    (done, REPLAY_PAGE),
                ).fetchall()
                if page:
                    projection.apply(conn, [stored_entry(*r) for r in page])
                    done = page[-1][0]
            if row is None or row[0] != done:
                conn.execute(
                    "INSERT INTO projections (name, seq) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                    (name, done),
                )
            conn.execute("COMMIT")
            if not page:
                return

    async def close(self) -> None:
        """Let queued writes finish (bounded in time), then stop; never hangs on a stuck disk."""
        loop = asyncio.get_running_loop()
        limits = self._limits()
        await self._stop_background()
        cleanly = True
        if self._task is not None:
            deadline = loop.time() + limits.drain_seconds
            while (self._queue or self._committing) and not self._task.done():
                if loop.time() > deadline:
                    cleanly = False
                    break
                await asyncio.sleep(0.01)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._fail_queued("the hub is stopping")
        if cleanly:
            closing = loop.run_in_executor(self._writer_pool, self._close_writer)
            try:
                await asyncio.wait_for(closing, limits.drain_seconds)
            except TimeoutError:
                cleanly = False
        # After a stuck commit, neither pool is waited for.
        self._writer_pool.shutdown(wait=cleanly)
        self._reader_pool.shutdown(wait=cleanly)
        await self._closed(cleanly)

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

    # -- writing -----------------------------------------------------------------

    async def append(
        self, events: Sequence[dict[str, Any]], actor: str | None = None
    ) -> AppendResult:
        if self._task is None or self._task.done():
            raise runtime_codes.WRITER_STOPPED.error("the log writer is not running")
        future: asyncio.Future[list[tuple[int, bool]]] = asyncio.get_running_loop().create_future()
        self._queue.append(append_job(events, actor, future))
        self._wake.set()
        results = await _outcome(future)
        return AppendResult(
            cursors=[format_cursor(seq) for seq, _ in results],
            duplicates=sum(1 for _, dup in results if dup),
        )

    async def write(self, job: Callable[[GroupTransaction[ConnT]], T]) -> T:
        if self._task is None or self._task.done():
            raise runtime_codes.WRITER_STOPPED.error("the log writer is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(Job(job, future))
        self._wake.set()
        return await _outcome(future)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            jobs, self._queue = self._queue, []
            if jobs:
                await self._commit_jobs(jobs)
                await self._after_commit()

    async def _commit_jobs(self, jobs: list[Job[ConnT]]) -> None:
        """Commit one group and answer it; no exception escapes to stop the writer."""
        loop = asyncio.get_running_loop()
        self._committing = True
        self._commit_started = time.monotonic()
        try:
            results, entries = await loop.run_in_executor(self._writer_pool, self._commit, jobs)
        except asyncio.CancelledError:  # close() gave up waiting: the outcome is unknown
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(
                        runtime_codes.WRITER_STOPPED.error("the hub stopped during the commit")
                    )
            raise
        except Exception as exc:
            spec, error = self._commit_failure(exc) or (
                runtime_codes.WRITER_FAILED,
                runtime_codes.WRITER_FAILED.error(f"{type(exc).__name__}: {exc}"),
            )
            self.health.failed("writer", spec, exc)
            results, entries = [(False, error)] * len(jobs), []
        else:
            self.health.recovered("writer")
        finally:
            self._committing = False
        if entries:
            self._committed(entries)
        for job, (ok, value) in zip(jobs, results, strict=False):
            if not job.future.done():
                job.future.set_result(value) if ok else job.future.set_exception(value)

    def _commit(self, jobs: list[Job[ConnT]]) -> tuple[list[Outcome], list[StoredEntry]]:
        """On the writer thread: every job of the group in one transaction, then commit."""
        started = time.perf_counter()
        first_seq = self._next_seq
        txn = self._begin()
        results: list[Outcome] = []
        try:
            for run in runs_of(jobs):
                if len(run) > 1:
                    results.extend(self._run_merged(txn, run))
                else:
                    results.append(self._run_job(txn, run[0]))
            self._end(txn)
        except BaseException as exc:
            self._next_seq = first_seq
            self._abort(txn, exc)
            raise
        self.commits += 1
        if self.on_commit_time is not None:
            self.on_commit_time(time.perf_counter() - started)
        return results, txn.entries

    def _run_job(self, txn: GroupTransaction[ConnT], job: Job[ConnT]) -> Outcome:
        """One job in a savepoint: a failing job leaves no trace, the others commit."""
        mark_seq, mark_entries = self._next_seq, len(txn.entries)
        conn = txn.conn
        conn.execute("SAVEPOINT job")
        try:
            value = job.fn(txn)
        except Exception as exc:
            if self._is_storage_failure(exc):
                raise  # the database itself failed: fail the whole group
            conn.execute("ROLLBACK TO SAVEPOINT job")
            conn.execute("RELEASE SAVEPOINT job")
            self._next_seq = mark_seq
            del txn.entries[mark_entries:]
            return False, exc
        conn.execute("RELEASE SAVEPOINT job")
        return True, value

    def _run_merged(self, txn: GroupTransaction[ConnT], jobs: list[Job[ConnT]]) -> list[Outcome]:
        """Side-by-side appends as one insert in one savepoint; if that fails, each job
        alone (`_run_job`), so that only the bad one fails."""
        mark_seq, mark_entries = self._next_seq, len(txn.entries)
        conn = txn.conn
        events: list[dict[str, Any]] = []
        actors: list[str | None] = []
        for job in jobs:
            assert job.events is not None
            events.extend(job.events)
            actors.extend([job.actor] * len(job.events))
        conn.execute("SAVEPOINT job")
        try:
            inserted = txn.insert_each(events, actors)
        except Exception as exc:
            if self._is_storage_failure(exc):
                raise
            conn.execute("ROLLBACK TO SAVEPOINT job")
            conn.execute("RELEASE SAVEPOINT job")
            self._next_seq = mark_seq
            del txn.entries[mark_entries:]
            return [self._run_job(txn, job) for job in jobs]
        conn.execute("RELEASE SAVEPOINT job")
        answers: list[Outcome] = []
        start = 0
        for job in jobs:
            end = start + len(job.events or ())
            answers.append((True, inserted[start:end]))
            start = end
        return answers

    def _stalled(self) -> tuple[str, ErrorSpec, str] | None:
        running = time.monotonic() - self._commit_started
        if self._committing and running > self._limits().stalled_seconds:
            return "writer", runtime_codes.WRITER_STALLED, f"a commit has run for {running:.0f} s"
        return None

    def _publish(self, entries: list[StoredEntry]) -> None:
        """Hand on the entries past `last_seq`; they are durable whatever subscribers do."""
        if entries and entries[0].seq > self.last_seq:
            fresh = entries  # the usual case: nothing to drop
        else:
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

    # -- reading -----------------------------------------------------------------

    async def read(self, fn: Callable[[ConnT], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader_pool, self._read, fn)


def runs_of(jobs: list[Job[ConnT]]) -> list[list[Job[ConnT]]]:
    """The jobs in queue order, consecutive mergeable appends together: merging never
    moves a write past another."""
    runs: list[list[Job[ConnT]]] = []
    for job in jobs:
        if job.events is not None and runs and runs[-1][-1].events is not None:
            runs[-1].append(job)
        else:
            runs.append([job])
    return runs


def stored_entry(seq: int, body: bytes, actor: str | None = None) -> StoredEntry:
    """A log row as read back."""
    body = bytes(body)  # psycopg may hand BYTEA over as a memoryview
    event = orjson.loads(body)
    return StoredEntry(seq, event.get("cursor") or format_cursor(seq), event, body, actor)


def projection_name(projection: Projection) -> str:
    """The key of a projection's progress in the `projections` table."""
    kind = type(projection)
    return f"{kind.__module__}.{kind.__qualname__}"


async def _outcome(future: asyncio.Future[T]) -> T:
    """A queued job's outcome. A caller that stops waiting does not cancel the commit;
    the job's failure is then nobody's to hear, and is not logged as unretrieved."""
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(_heard)
        raise


def _heard(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
