"""Acknowledgements mirrored to Alertmanager as silences, in the background.

An ack with an expiry (`until`) on an Alertmanager alert creates a silence there whose
matchers are the alert's labels, with the ack's comment, author (the actor) and end; an
unack expires it. The projection writes the wish to an outbox table in the ack's own
transaction; a thread talks to Alertmanager, retrying with a bounded backoff, so an ack
never waits for (or fails with) Alertmanager. A failure is logged with its code; what is
still in the outbox when the hub stops is sent after its next start.

With replicas on one database, only the holder of the `alertmanager-writeback` lease
talks to Alertmanager: its own acks go to the thread at once, and it reads the outbox
for the rows other replicas queued when their commits reach it (or every
`POLL_SECONDS`). A replica that loses the lease drops what it had not sent yet; the next
holder sends it from the outbox (a request in flight at that moment may be sent twice).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from notifycenter.catalogue.sources import ALERTMANAGER_WRITEBACK_FAILED
from notifycenter.client.http import read_whole_sync
from notifycenter.hub.leases import LeaseGuard, leases_of
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, create_tables
from notifycenter.model.lifecycle import (
    UNTIL_RESOLVED,
    Verb,
    format_time,
    read_lifecycle_event,
)
from notifycenter.sources.alertmanager import SOURCE_PREFIX
from notifycenter.tls import system_tls

if TYPE_CHECKING:
    from notifycenter.hub.hubstate import Hub

log = logging.getLogger("notifycenter.hub.alertmanager")
LEASE = "alertmanager-writeback"
POLL_SECONDS = 1.0  # how often the lease holder reads the outbox without a wake-up

ATTEMPTS = 8
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
DEFAULT_COMMENT = "acknowledged in notifycenter"
# An answer (the silences list of a busy Alertmanager among them) is read whole within
# these bounds; each read has its own timeout, which a byte now and then never trips.
ANSWER_BYTES = 64 << 20
ANSWER_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SilenceJob:
    verb: Verb  # ACK creates, UNACK expires
    ref: str
    labels: dict[str, str]
    author: str
    comment: str | None = None
    until: str | None = None
    outbox: int = 0  # its row in the outbox table

    def to_json(self) -> bytes:
        fields = (self.verb.value, self.ref, self.labels, self.author, self.comment, self.until)
        return orjson.dumps(fields)

    @classmethod
    def from_json(cls, body: bytes, outbox: int) -> SilenceJob:
        verb, ref, labels, author, comment, until = orjson.loads(body)
        return cls(Verb(verb), ref, labels, author, comment, until, outbox)


# Done: (outbox row, event ref, silence id now in force or None).
Done = Callable[[int, str, str | None], None]


class SilenceWriter:
    """One thread per hub that creates and expires silences in one Alertmanager."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(timeout=10.0, verify=system_tls())
        self.silences: dict[str, str] = {}  # event ref -> silence id
        self._jobs: queue.Queue[SilenceJob | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._generation = 0  # bumped by drop_queued(): a job being retried gives up
        self.on_done: Done | None = None

    def submit(self, job: SilenceJob) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="notifycenter-alertmanager", daemon=True
            )
            self._thread.start()
        self._jobs.put(job)

    def drop_queued(self) -> int:
        """Forget the jobs not sent yet, and stop retrying the current one (they stay in
        the outbox); how many were queued."""
        self._generation += 1
        dropped = 0
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return dropped
            if job is None:  # close() asked the thread to end: keep asking
                self._jobs.put(None)
                return dropped
            dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        """Stop retrying and end the thread; what is still queued is dropped (and logged)."""
        self._stop.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.client.close()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            delay, generation = FIRST_DELAY, self._generation
            for attempt in range(1, ATTEMPTS + 1):
                if generation != self._generation:
                    break  # another replica sends it now (it stays in the outbox)
                if self._stop.is_set():
                    log.warning(
                        "%s: hub stopping, %s %s stays in the outbox for the next start",
                        ALERTMANAGER_WRITEBACK_FAILED.code,
                        job.verb.value,
                        job.ref,
                    )
                    break
                try:
                    self._apply(job)
                    if self.on_done is not None:
                        self.on_done(job.outbox, job.ref, self.silences.get(job.ref))
                    break
                except Exception as exc:  # any failure is this job's: the thread lives on
                    error = ALERTMANAGER_WRITEBACK_FAILED.error(
                        f"{job.verb.value} {job.ref} (attempt {attempt}/{ATTEMPTS}): {exc}"
                    )
                    expected = isinstance(exc, httpx.HTTPError | ValueError | KeyError)
                    log.warning(
                        "%s: %s", error.code, error.long_description[0], exc_info=not expected
                    )
                    if attempt < ATTEMPTS:
                        self._stop.wait(delay)  # a bounded pause, cut short by close()
                        delay = min(delay * 2, MAX_DELAY)

    def _apply(self, job: SilenceJob) -> None:
        if job.verb is Verb.ACK:
            self._expire(job)  # a new ack replaces the previous silence
            self._create(job)
        else:
            self._expire(job)

    def _create(self, job: SilenceJob) -> None:
        body = {
            "matchers": [
                {"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in sorted(job.labels.items())
            ],
            "startsAt": format_time(datetime.now(UTC)),
            "endsAt": job.until,
            "createdBy": job.author,
            "comment": job.comment or DEFAULT_COMMENT,
        }
        answer = self._exchange("POST", "/api/v2/silences", json=body)
        answer.raise_for_status()
        created = answer.json()
        silence_id = created.get("silenceID") if isinstance(created, dict) else None
        if not isinstance(silence_id, str) or not silence_id:
            raise ValueError(f"Alertmanager answered no silence id: {answer.text[:80]!r}")
        self.silences[job.ref] = silence_id

    def _expire(self, job: SilenceJob) -> None:
        ids = [self.silences.pop(job.ref)] if job.ref in self.silences else self._find(job)
        for silence_id in ids:
            answer = self._exchange("DELETE", f"/api/v2/silence/{silence_id}")
            if answer.status_code != 404:  # already gone is what we want
                answer.raise_for_status()

    def _find(self, job: SilenceJob) -> list[str]:
        """Active silences on exactly this alert's labels (after a hub restart)."""
        answer = self._exchange("GET", "/api/v2/silences")
        answer.raise_for_status()
        wanted = sorted(job.labels.items())
        found = []
        for silence in answer.json():
            if silence.get("status", {}).get("state") != "active":
                continue
            matchers = sorted(
                (m["name"], m["value"])
                for m in silence.get("matchers", [])
                if m.get("isEqual", True) and not m.get("isRegex")
            )
            if matchers == wanted:
                found.append(silence["id"])
        return found

    def _exchange(self, method: str, path: str, **options: Any) -> httpx.Response:
        request = self.client.build_request(method, f"{self.url}{path}", **options)
        streamed = self.client.send(request, stream=True)
        return read_whole_sync(streamed, ANSWER_BYTES, _refused, ANSWER_SECONDS)


def _refused(answer: httpx.Response, what: str) -> Exception:
    """A failure of the job's attempt, retried like a refusal (not a bug: no traceback)."""
    return ValueError(f"Alertmanager answered HTTP {answer.status_code} with {what}")


class WriteBackProjection:
    """Sees every committed ack/unack; queues those on Alertmanager alerts."""

    def __init__(self) -> None:
        self.writer: SilenceWriter | None = None
        self.held = True  # whether this replica sends: it holds the lease (always on SQLite)
        self.submitted: set[int] = set()  # outbox rows handed to the writer, not done yet
        self.guard: LeaseGuard | None = None
        self._live_after = 0

    def create(self, conn: SqlConnection) -> None:
        if isinstance(conn, PgConnection):
            conn.executescript(PG_SCHEMA)
        else:
            create_tables(conn, SCHEMA)
        # What the log holds at start is history: a rebuild must not replay old acks.
        self._live_after = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        if self.writer is None:
            return
        for entry in entries:
            if entry.seq <= self._live_after:
                continue
            change = read_lifecycle_event(entry.event)
            if (
                change is None
                or change.verb not in (Verb.ACK, Verb.UNACK)
                or not change.target_source.startswith(SOURCE_PREFIX)
                # A silence needs an end time: an ack until resolved has none to give.
                or (change.verb is Verb.ACK and change.until in (None, "", UNTIL_RESOLVED))
            ):
                continue
            labels = _labels(conn, change.target_source, change.target_id)
            if labels:
                job = SilenceJob(
                    change.verb,
                    f"{change.target_source}#{change.target_id}",
                    labels,
                    change.actor,
                    change.comment,
                    change.until,
                )
                row = _queue(conn, job.to_json())
                if self.held:  # else the lease holder reads it from the outbox
                    self.submitted.add(row)
                    self.writer.submit(replace(job, outbox=row))


def _projection(hub: Hub) -> WriteBackProjection | None:
    found = (p for p in hub.log.projections if isinstance(p, WriteBackProjection))
    return next(found, None)


async def start_writeback(hub: Hub) -> None:
    """Send silences while this replica holds the lease; what the outbox holds is resent."""
    found = _projection(hub)
    if found is None or found.writer is None:
        return
    writer, loop = found.writer, asyncio.get_running_loop()

    def done(outbox: int, ref: str, silence: str | None) -> None:
        found.submitted.discard(outbox)
        write = hub.log.write(lambda txn: record_done(txn.conn, outbox, ref, silence))
        asyncio.run_coroutine_threadsafe(write, loop)

    writer.on_done = done
    leases = leases_of(hub.log, hub.settings)
    found.held = leases.local
    found.guard = leases.guard(LEASE, functools.partial(_send_outbox, hub, found, writer))
    found.guard.on_change = lambda held: setattr(found, "held", held)
    found.guard.start()


async def stop_writeback(hub: Hub) -> None:
    found = _projection(hub)
    if found is None or found.writer is None:
        return
    if found.guard is not None:
        await found.guard.stop()
        found.guard = None
    found.writer.on_done = None  # the log closes next; the outbox keeps what is unsent
    await asyncio.to_thread(found.writer.close)


async def _send_outbox(hub: Hub, found: WriteBackProjection, writer: SilenceWriter) -> None:
    """The lease holder's work: submit every outbox row not submitted yet, then follow."""
    local = getattr(hub.log, "database", None) is None
    try:
        while True:
            pending, silences = await hub.log.read(load_pending)
            if not writer.silences:
                writer.silences.update(silences)
            for job in pending:
                if job.outbox not in found.submitted:
                    found.submitted.add(job.outbox)
                    writer.submit(job)
            if local:  # one hub: its own acks reach the writer directly
                await asyncio.Event().wait()
            await asyncio.sleep(POLL_SECONDS)
    finally:
        writer.drop_queued()
        found.submitted.clear()


SCHEMA = """
CREATE TABLE IF NOT EXISTS alertmanager_outbox (n INTEGER PRIMARY KEY, job BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS alertmanager_silences (ref TEXT PRIMARY KEY, silence TEXT NOT NULL);
"""
# PostgreSQL numbers the outbox with an identity column (SQLite: the rowid).
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS alertmanager_outbox (
    n BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, job BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS alertmanager_silences (
    ref TEXT COLLATE "C" PRIMARY KEY, silence TEXT NOT NULL
);
"""


def _queue(conn: SqlConnection, job: bytes | str) -> int:
    """Add a job to the outbox; its number."""
    if isinstance(conn, PgConnection):
        row = conn.execute("INSERT INTO alertmanager_outbox (job) VALUES (?) RETURNING n", (job,))
        number: int = row.fetchone()[0]
        return number
    return conn.execute("INSERT INTO alertmanager_outbox (job) VALUES (?)", (job,)).lastrowid or 0


def load_pending(conn: SqlConnection) -> tuple[list[SilenceJob], dict[str, str]]:
    """What the outbox still holds, oldest first, and the silences in force, by event ref."""
    rows = conn.execute("SELECT n, job FROM alertmanager_outbox ORDER BY n").fetchall()
    silences = conn.execute("SELECT ref, silence FROM alertmanager_silences").fetchall()
    return [SilenceJob.from_json(body, n) for n, body in rows], dict(silences)


def record_done(conn: SqlConnection, outbox: int, ref: str, silence: str | None) -> None:
    conn.execute("DELETE FROM alertmanager_outbox WHERE n = ?", (outbox,))
    if silence is None:
        conn.execute("DELETE FROM alertmanager_silences WHERE ref = ?", (ref,))
    else:
        conn.execute(
            "INSERT INTO alertmanager_silences (ref, silence) VALUES (?, ?)"
            " ON CONFLICT (ref) DO UPDATE SET silence = excluded.silence"
            if isinstance(conn, PgConnection)
            else "INSERT OR REPLACE INTO alertmanager_silences (ref, silence) VALUES (?, ?)",
            (ref, silence),
        )


def _labels(conn: SqlConnection, source: str, event_id: str) -> dict[str, str]:
    row = conn.execute("SELECT body FROM log WHERE source = ? AND id = ?", (source, event_id))
    found = row.fetchone()
    if found is None:
        return {}
    event: dict[str, Any] = orjson.loads(found[0])
    labels = event.get("data", {}).get("metadata", {}).get("labels", {})
    return {k: v for k, v in labels.items() if isinstance(v, str)}
