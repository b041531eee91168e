"""`Emitter`: send events from any thread without blocking, and lose none.

A background thread owns all I/O. It batches the buffer into batched-mode POSTs; when the
hub does not take a batch, the batch goes to the on-disk spool (fsynced) and every later
event follows it there, so order is kept. The thread replays the spool with backoff until
the hub acknowledges it, then sends directly again. An event is thus always either
acknowledged by the hub or in the spool once `flush()` has returned True.

Given several servers of one hub, a batch that gets no connection, a timeout or a
502/503/504 goes to the next server at once (`notifycenter.client.servers`); only when
every server failed does it go to the spool, which belongs to that set of servers.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx
import orjson

from notifycenter.catalogue import client as codes
from notifycenter.client.backoff import Backoff
from notifycenter.client.builder import build_event, error_event
from notifycenter.client.http import (
    auth_headers,
    error_from_answer,
    read_whole_sync,
    retry_after,
    tls_for,
)
from notifycenter.client.sdk_events import EventLike, event_dict
from notifycenter.client.servers import ServerPool, is_failover_status, pool_key
from notifycenter.client.spool import (
    Spool,
    SpoolBatch,
    hub_folder,
    legacy_spools,
    normalise_server,
    spool_name_for,
)
from notifycenter.config import check_server_url, resolve_target
from notifycenter.config import data_dir as default_data_dir
from notifycenter.model.errors import NotifyError
from notifycenter.model.protocol import BATCH
from notifycenter.model.sanitize import sanitize_line

if TYPE_CHECKING:
    from notifycenter.client.operation import Operation

log = logging.getLogger("notifycenter.client.emitter")

MAX_REQUEST_BYTES = 1024 * 1024 - 4096  # the hub's request limit, with room for brackets
RETRY_STATUSES = frozenset({401, 403, 408, 425, 429, 500, 502, 503, 504})
MAX_ANSWER_BYTES = 1 << 20  # a hub's answer to a batch is its cursors, or an error
ATEXIT_TIMEOUT = 5.0


class _Retry(Exception):
    """The hub did not take the batch; try again later (not before `after` seconds)."""

    def __init__(self, after: float = 0.0) -> None:
        super().__init__()
        self.after = after


class _Rejected(Exception):
    """The hub refused an event for good; `index` names it when the answer does."""

    def __init__(self, reason: str, index: int | None) -> None:
        super().__init__(reason)
        self.index = index


class Emitter:
    """Buffered, batching, spooling event producer. Thread-safe; `emit` never blocks."""

    def __init__(
        self,
        server: str | Sequence[str] | None = None,
        *,
        source: str,
        token: str | None = None,
        data_dir: Path | str | None = None,
        spool_name: str | None = None,
        batch_size: int = 100,
        flush_interval: float = 0.2,
        max_buffer: int = 10_000,
        max_retry_interval: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        if server is None:
            target = resolve_target(token=token)
            server, token = target.servers, target.token
        urls = [server] if isinstance(server, str) else list(server)
        self._pool = ServerPool([check_server_url(url) for url in urls])
        self.servers = self._pool.servers
        self.server = self._pool.preferred
        self.source = source
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_buffer = max_buffer
        self.dropped = 0
        self._buffer: deque[dict[str, Any]] = deque()
        self._in_flight = 0
        self._emitted = self._handed_over = 0
        self._closed = self._stopping = self._flush_now = self._released = False
        self._condition = threading.Condition()
        self._backoff = Backoff(initial=0.1, maximum=max_retry_interval)
        self._retry_at = 0.0
        self._failures = 0  # times the hub did not take a batch: close() tries only once
        self._spool_limit: int | None = None
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        name = spool_name_for(spool_name or source)
        # Keyed by hub: what one hub has not taken is never delivered to another.
        self._spool = Spool.open(root / "spool" / self._spool_folder(), name, hub=self._hub_key())
        self.legacy_spools = legacy_spools(root / "spool", name)
        if self.legacy_spools:
            log.warning(
                codes.EMITTER_LEGACY_SPOOL.log_line(
                    f"{', '.join(map(str, self.legacy_spools))} hold(s) events for a hub not"
                    f" recorded; to deliver them to {self.server}, put such a folder in place"
                    f" of {self._spool.folder}"
                )
            )
        # A short connect timeout: while the sender waits, the buffer fills and may overflow.
        self._http = httpx.Client(
            headers={**auth_headers(token), "Content-Type": BATCH},
            timeout=httpx.Timeout(timeout, connect=min(2.0, timeout)),
            verify=tls_for(self.servers),
        )
        self._thread = threading.Thread(
            target=self._run, name=f"notifycenter-emitter-{source}", daemon=True
        )
        self._thread.start()
        atexit.register(self._at_exit)

    def _spool_folder(self) -> str:
        """One hub, one folder; several servers of one hub share one, named after them all."""
        if len(self.servers) == 1:
            return hub_folder(self.server)
        first = min(self.servers, key=normalise_server)  # in any order, the same folder
        return f"{hub_folder(first)}+{pool_key(self.servers)}"

    def _hub_key(self) -> str:
        return " ".join(sorted(normalise_server(s) for s in self.servers))

    @property
    def current_server(self) -> str:
        """The server that took the last batch (the preferred one at first)."""
        return self._pool.current

    # -- the caller's side ---------------------------------------------------------------

    def emit(self, event: EventLike | None = None, /, **fields: Any) -> dict[str, Any]:
        """Build, validate and queue an event (a mapping, a `cloudevents` SDK event, or
        fields); return it. Raises only for an invalid event."""
        given = event if event is None or type(event) is dict else event_dict(event)
        built = build_event(given, default_source=self.source, **fields)
        with self._condition:
            if self._closed:
                raise codes.EMITTER_CLOSED.error(
                    f"event {built['id']} of {self.source} was not sent"
                )
            if len(self._buffer) >= self.max_buffer:
                self._drop_overflow(built)
                return built
            self._buffer.append(built)
            self._emitted += 1
            if len(self._buffer) >= self.batch_size:
                self._condition.notify_all()
        return built

    def error(self, exc: BaseException, /, **fields: Any) -> dict[str, Any]:
        """Emit an error event from an exception, keeping a `NotifyError`'s code and remedies."""
        return self.emit(error_event(exc, source=self.source, **fields))

    def operation(
        self,
        name: str,
        total: float | None = None,
        subject: str | None = None,
        traceparent: str | None = None,
    ) -> Operation:
        """A unit of long-running work whose events this emitter sends (docs/operations.md)."""
        from notifycenter.client.operation import Operation

        return Operation(self, name, total=total, subject=subject, traceparent=traceparent)

    def _drop_overflow(self, event: dict[str, Any]) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning(
                codes.EMITTER_BUFFER_FULL.log_line(
                    f"{self.max_buffer} events buffered; dropped {self.dropped} so far,"
                    f" last {str(event['id'])[:200]}"
                )
            )

    @property
    def sender_thread_id(self) -> int | None:
        """The background thread's id: what it logs must not become events again."""
        return self._thread.ident

    @property
    def spool_path(self) -> Path:
        """The folder holding what the hub has not acknowledged yet."""
        return self._spool.folder

    @property
    def spooled(self) -> int:
        """Events on disk waiting for the hub."""
        return self._spool.count

    @property
    def pending(self) -> int:
        """Events not acknowledged by the hub yet: buffered, in flight or spooled."""
        return len(self._buffer) + self._in_flight + self._spool.count

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event emitted so far is acknowledged by the hub or spooled."""
        with self._condition:
            wanted = self._emitted
            self._flush_now = True
            self._condition.notify_all()
            return (
                self._condition.wait_for(
                    lambda: self._handed_over >= wanted or not self._thread.is_alive(), timeout
                )
                and self._handed_over >= wanted
            )

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until the hub has acknowledged everything, spool included."""
        return self._drain(timeout, give_up_on_failure=False)

    def _drain(self, timeout: float | None, give_up_on_failure: bool) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self.flush(timeout):
            return False
        with self._condition:
            failures = self._failures
            self._retry_at = 0.0  # do not sit out a backoff while someone waits
            self._condition.notify_all()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._condition.wait_for(
                lambda: (
                    self._spool.count == 0
                    or not self._thread.is_alive()
                    or (give_up_on_failure and self._failures != failures)
                ),
                remaining,
            )
            return self._spool.count == 0

    def close(self, timeout: float | None = 5.0) -> bool:
        """Send what the hub takes within `timeout` and stop; the rest stays in the spool for
        the next run. True when the hub acknowledged everything. Returns within `timeout`:
        draining and stopping the sender share it."""
        with self._condition:
            if self._closed:
                return True
            self._closed = True
        deadline = None if timeout is None else time.monotonic() + timeout
        delivered = self._drain(timeout, give_up_on_failure=True)  # one try: the hub may be gone
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if not self._thread.is_alive():
            self._release()
        # Else the sender is still handing a batch over: it spools what is left and
        # releases on its way out. Closing the spool under it would lose those events.
        atexit.unregister(self._at_exit)
        return delivered

    def _release(self) -> None:
        with self._condition:
            if self._released:
                return
            self._released = True
        self._http.close()
        self._spool.close()

    def _at_exit(self) -> None:
        self.close(ATEXIT_TIMEOUT)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the sender thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(self._has_work, timeout=self._wait_time())
                stopping = self._stopping
                batch = self._take_batch()
            if stopping:  # what is still in memory goes to disk, for the next run to replay
                self._guarded(self._to_spool, batch)
                self._release()
                return
            self._guarded(self._step, batch)

    def _guarded(self, step: Any, batch: list[dict[str, Any]]) -> None:
        """Never let the sender die: the events behind it would be stranded."""
        try:
            step(batch)
        except Exception:
            log.exception(
                "notifycenter emitter: unexpected error while handing over %d events", len(batch)
            )
            with self._condition:
                self._handed_over += self._in_flight  # do not let flush() wait forever
                self._in_flight = 0
                self._condition.notify_all()

    def _has_work(self) -> bool:
        if self._stopping or self._flush_now or len(self._buffer) >= self.batch_size:
            return True
        return self._spool.count > 0 and time.monotonic() >= self._retry_at

    def _wait_time(self) -> float:
        if self._spool.count > 0:
            return max(0.0, min(self.flush_interval, self._retry_at - time.monotonic()))
        return self.flush_interval

    def _take_batch(self) -> list[dict[str, Any]]:
        """Called with the lock held: move up to a batch from the buffer to in-flight."""
        everything = self._spool.count or self._stopping
        take = len(self._buffer) if everything else min(len(self._buffer), self.batch_size)
        batch = [self._buffer.popleft() for _ in range(take)]
        self._in_flight = len(batch)
        if not self._buffer:
            self._flush_now = False
        return batch

    def _step(self, batch: list[dict[str, Any]]) -> None:
        if self._spool.count:
            self._to_spool(batch)  # the hub is behind: keep order by queueing on disk
            if time.monotonic() >= self._retry_at:
                self._replay_spool()
        elif batch:
            self._send_direct(batch)

    def _send_direct(self, batch: list[dict[str, Any]]) -> None:
        lines = [orjson.dumps(event) for event in batch]
        while lines:
            chunk = _fit(lines, self.batch_size)
            try:
                self._post(chunk)
            except _Retry as retry:
                self._to_spool_lines(lines)
                self._schedule_retry(retry.after)
                return
            except _Rejected as rejected:
                lines = self._without_rejected(lines, len(chunk), rejected)
                continue
            lines = lines[len(chunk) :]
            self._handed(len(chunk))

    def _replay_spool(self) -> None:
        """Send the spool's oldest batch. One batch per turn: between turns, what was emitted
        meanwhile moves to the spool, so memory stays bounded during a long replay."""
        batch: SpoolBatch = self._spool.peek(
            self._spool_limit or self.batch_size, MAX_REQUEST_BYTES
        )
        self._spool_limit = None
        broken = _first_broken(batch.lines)
        if broken is not None:  # a damaged file must not cost the good events around it
            self._skip_rejected(batch, _Rejected("the spooled line is not a JSON event", broken))
            return
        try:
            self._post(batch.lines)
        except _Retry as retry:
            self._schedule_retry(retry.after)
            return
        except _Rejected as rejected:
            self._skip_rejected(batch, rejected)
            return
        self._spool.commit(batch)
        self._backoff.reset()
        with self._condition:
            self._condition.notify_all()

    def _skip_rejected(self, batch: SpoolBatch, rejected: _Rejected) -> None:
        index = (
            rejected.index
            if rejected.index is not None and rejected.index < len(batch.lines)
            else None
        )
        if index is None or index == 0:
            dropped = 1 if index == 0 else len(batch.lines)
            log.error(
                "notifycenter emitter: hub refused %d spooled event(s): %s", dropped, rejected
            )
            self._spool.commit(batch, dropped)
        else:
            self._spool_limit = index  # send the good ones before it on their own

    def _post(self, lines: list[bytes]) -> None:
        """Send to the first server that answers (in the pool's order); `_Retry` when none does."""
        content = b"[" + b",".join(lines) + b"]"
        for server in self._pool.order():
            response = self._post_to(server, content)
            if response is not None:
                self._pool.succeeded(server)
                return self._read_answer(server, response, lines)
        raise _Retry()

    def _post_to(self, server: str, content: bytes) -> httpx.Response | None:
        """`server`'s answer, or None (its breaker opened) when another server may take it."""
        try:
            request = self._http.build_request("POST", server + "/api/events", content=content)
            response = read_whole_sync(self._http.send(request, stream=True), MAX_ANSWER_BYTES)
        except (httpx.RequestError, NotifyError) as exc:  # unreachable, undecodable, endless
            log.debug("notifycenter hub %s gave no usable answer: %s", server, exc)
            self._pool.failed(server, str(exc) or type(exc).__name__)
            return None
        if is_failover_status(response.status_code) and self._pool.several:
            log.debug("notifycenter hub %s answered HTTP %s", server, response.status_code)
            self._pool.failed(server, f"HTTP {response.status_code}")
            return None
        return response

    def _read_answer(self, server: str, response: httpx.Response, lines: list[bytes]) -> None:
        """Acknowledged: return; not taken: `_Retry`; refused: `_Rejected`."""
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if response.is_success and isinstance(body, dict) and _is_count(body.get("accepted")):
            return
        if response.status_code in RETRY_STATUSES:
            if response.status_code in (401, 403):
                log.error(
                    codes.EMITTER_TOKEN_REFUSED.log_line(
                        f"{server} answered HTTP {response.status_code}"
                    )
                )
            raise _Retry(retry_after(response))
        if response.is_success or not _is_hub_error(body):
            # Not the hub's answer (a proxy, a captive portal, another service): the events
            # were not acknowledged, so they are kept, never dropped as refused.
            if self._backoff.attempt == 0:
                log.error(
                    codes.HUB_BAD_ANSWER.log_line(
                        f"{server} answered HTTP {response.status_code}; events are spooled"
                    )
                )
            raise _Retry(retry_after(response))
        error = error_from_answer(response.status_code, body, server)
        index = body.get("index") if isinstance(body, dict) else None
        valid = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(lines)
        raise _Rejected(sanitize_line(error.message, 500), index if valid else None)

    def _without_rejected(self, lines: list[bytes], sent: int, rejected: _Rejected) -> list[bytes]:
        """Log and drop the refused event (the whole chunk when the hub names none)."""
        index = rejected.index
        if index is None or not 0 <= index < sent:
            log.error("notifycenter emitter: hub refused a batch of %d events: %s", sent, rejected)
            self._handed(sent)
            return lines[sent:]
        log.error("notifycenter emitter: hub refused event %s: %s", lines[index][:200], rejected)
        self._handed(1)
        return lines[:index] + lines[index + 1 :]

    def _to_spool(self, batch: list[dict[str, Any]]) -> None:
        self._to_spool_lines([orjson.dumps(event) for event in batch])

    def _to_spool_lines(self, lines: list[bytes]) -> None:
        self._spool.append(lines)
        self._handed(len(lines))

    def _handed(self, count: int) -> None:
        with self._condition:
            self._handed_over += count
            self._in_flight = max(0, self._in_flight - count)
            self._condition.notify_all()

    def _schedule_retry(self, at_least: float = 0.0) -> None:
        with self._condition:
            self._failures += 1
            self._condition.notify_all()
            self._retry_at = time.monotonic() + max(self._backoff.next_delay(), at_least)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hub_error(body: object) -> bool:
    return isinstance(body, dict) and isinstance(body.get("code"), str)


def _first_broken(lines: list[bytes]) -> int | None:
    for index, line in enumerate(lines):
        try:
            if isinstance(orjson.loads(line), dict):
                continue
        except orjson.JSONDecodeError:
            pass
        return index
    return None


def _fit(lines: list[bytes], batch_size: int) -> list[bytes]:
    """The longest head of `lines` within one request's limits (at least one line)."""
    size, count = 0, 0
    for line in lines[:batch_size]:
        if count and size + len(line) + 1 > MAX_REQUEST_BYTES:
            break
        size += len(line) + 1
        count += 1
    return lines[:count]
