"""GET /api/stream: replay from a cursor, then live, over WebSocket.

Two frame formats, chosen by the subprotocol the client offers: `notifycenter.batch.json`
(a JSON array of events per text frame: everything committed since the subscriber's last
write goes out as one frame) or `cloudevents.json` (the CloudEvents WebSockets binding, one
event per frame). Batches keep the cost of a commit per subscriber to one send, whatever
the number of events: with hundreds of subscribers, a send per event per subscriber is
what would use up the hub's core.

Each subscriber has a bounded queue (events and bytes) filled by the broadcaster,
and a sender (the connection's own task) that drains it, so a publish never waits on a
socket. The sender has three sources, always in log order and never repeating a seq:

- log pages after its position, while replaying `since=` or after falling behind;
- its queue of committed batches, each serialised once for all subscribers (an
  unfiltered batch subscriber sends the shared text as is);
- nothing: it waits.

No gap, no duplicate: a replaying subscriber is registered at the head's position H once
a log page comes back short, reads (position, H] from the log, and only then sends what
the broadcaster queued (everything after H). A queue that overflows marks the
subscriber behind: it sends what it has queued, then reads the rest from the log, so a
commit of any size reaches healthy subscribers and memory stays bounded.

Slow subscribers: a send that does not complete within `grace` seconds, or, once the
queue has been full for `grace` seconds, within `BEHIND_SEND_SECONDS`, closes the stream
with 1013; the client resumes from its last cursor. Producers never wait. A watchdog
timer per subscriber checks the send in progress every `BEHIND_SEND_SECONDS` (a timeout
around each send would cost more than the send itself).

Send path: once the handshake is accepted, frames go straight to the server's send
(`SERVER_SEND`, put in the scope by the hub's handshake middleware), not through the
middlewares and Starlette's state checks, which only concern the handshake. An unfiltered
batch subscriber sends the batch's shared message: per subscriber and frame, the only
Python work is the sender's loop and the server's write.

Isolation: whatever fails for one subscriber (its filter, its socket, a bug) closes that
subscriber alone, with a catalogued reason, never the writer or another subscriber.
Filters run in each subscriber's own task, not in the publish: a commit costs the
writer the same whatever the subscribers ask for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import Message, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.log import StoredEntry, bodies_after
from notifycenter.hub.projection import search_text
from notifycenter.hub.query import EventQuery, matches_filters
from notifycenter.model.errors import ErrorSpec
from notifycenter.model.event import bucket_of_event, span_ids
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX
from notifycenter.model.protocol import TRY_AGAIN_LATER
from notifycenter.model.wire import STREAM_BATCH_SUBPROTOCOL

REPLAY_PAGE = 500  # rows per log read: bounds a replaying subscriber's memory
END = 1 << 62
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
QUEUE_BYTES = 4 << 20  # per subscriber, on top of the event count (`send_queue`)
SLOW_GRACE_SECONDS = 2.0  # default of the hub's `slow_grace_seconds`
BEHIND_SEND_SECONDS = 0.25
YIELD_EVERY = 256  # events a filter may reject in a row before the sender lets others run
CLOSE_SECONDS = 10.0  # a close frame that cannot be written in this time is given up
FRAME_BYTES = 1 << 20  # a batch frame holds events up to this size (or one larger event)
Accepts = Callable[[StoredEntry], bool]
SERVER_SEND = "notifycenter.server_send"  # scope key: the send to write frames to once accepted
log = logging.getLogger("notifycenter.hub")


class SubscriberFailure(Exception):
    """Closes one subscriber with `close_code` and a reason that names the catalogued code."""

    def __init__(self, close_code: int, spec: ErrorSpec, detail: str) -> None:
        super().__init__(f"{spec.code}: {detail}")
        self.close_code, self.spec, self.detail = close_code, spec, detail

    @property
    def reason(self) -> str:
        # A close reason is at most 123 bytes of UTF-8.
        return str(self)[:120].encode()[:120].decode(errors="ignore")


def filter_failure(entry_seq: int, exc: Exception) -> SubscriberFailure:
    detail = f"filter failed at cursor {entry_seq}: {type(exc).__name__}"
    return SubscriberFailure(POLICY_VIOLATION, runtime_codes.SUBSCRIBER_FILTER_FAILED, detail)


class Batch:
    """Entries committed together, turned into frame text at most once for all subscribers."""

    __slots__ = ("_frame", "_joined", "_message", "_texts", "entries", "first", "last", "size")

    def __init__(self, entries: list[StoredEntry]) -> None:
        self.entries = entries
        self.first, self.last = entries[0].seq, entries[-1].seq
        self.size = sum(len(entry.body) for entry in entries)
        self._joined: str | None = None
        self._frame: str | None = None
        self._message: Message | None = None
        self._texts: list[str] | None = None

    def joined(self) -> str:
        """The events separated by commas: the inside of a batch frame."""
        if self._joined is None:
            self._joined = b",".join([entry.body for entry in self.entries]).decode()
        return self._joined

    def frame(self) -> str:
        """The batch frame of these events, shared by every subscriber that sends it whole."""
        if self._frame is None:
            self._frame = f"[{self.joined()}]"
        return self._frame

    def message(self) -> Message:
        """The ASGI message of `frame()`, also shared: the server only reads it."""
        if self._message is None:
            self._message = {"type": "websocket.send", "text": self.frame()}
        return self._message

    def texts(self) -> list[str]:
        """One text per event, for `cloudevents.json` subscribers."""
        if self._texts is None:
            self._texts = [entry.body.decode() for entry in self.entries]
        return self._texts


class Subscriber:
    def __init__(
        self,
        accepts: Accepts | None,
        depth: int,
        max_bytes: int = QUEUE_BYTES,
        grace: float = SLOW_GRACE_SECONDS,
    ) -> None:
        self.accepts = accepts
        self.depth = max(1, depth)
        self.max_bytes = max_bytes
        self.grace = grace
        self.after = 0  # published entries up to here are not queued: they are read from the log
        self.queue: deque[Batch] = deque()
        self.queued_events = 0
        self.queued_bytes = 0
        self.behind = False  # an entry was not queued: the sender reads the log for the rest
        self.full_since: float | None = None  # when the queue overflowed, until caught up
        self.failure: SubscriberFailure | None = None
        self.closed = False
        self._wake = asyncio.Event()

    def offer(self, batch: Batch) -> None:
        """Queue a committed batch whole; when it does not fit, fall back to the log.

        O(1) per subscriber: the filter runs later, in the subscriber's own task, so a
        publish costs the same whatever the subscribers' filters, and never runs one.
        """
        if self.behind or self.closed or self.failure is not None or batch.last <= self.after:
            return
        if (
            self.queued_events + len(batch.entries) > self.depth
            or self.queued_bytes + batch.size > self.max_bytes
        ):
            self.behind = True
            if self.full_since is None:
                self.full_since = asyncio.get_running_loop().time()
        else:
            self.queue.append(batch)
            self.queued_events += len(batch.entries)
            self.queued_bytes += batch.size
        self._wake.set()

    def take(self) -> list[Batch]:
        """Everything queued, oldest first: it goes out as one write."""
        batches = list(self.queue)
        self.queue.clear()
        self.queued_events = self.queued_bytes = 0
        return batches

    def wants(self, entry: StoredEntry) -> bool:
        """The subscriber's filter; whatever it raises closes this subscriber with 1008."""
        try:
            return self.accepts is None or self.accepts(entry)
        except Exception as exc:
            raise filter_failure(entry.seq, exc) from exc

    def resume_live(self, head: int) -> None:
        """Caught up with the log up to `head`: queue live entries after it again."""
        self.after = head
        self.behind = False

    def send_limit(self) -> float:
        """Seconds the next send may take before the subscriber counts as too slow."""
        if self.full_since is None:
            return self.grace
        left = self.full_since + self.grace - asyncio.get_running_loop().time()
        return max(left, BEHIND_SEND_SECONDS)

    def fail(self, failure: SubscriberFailure) -> None:
        if self.failure is None:
            self.failure = failure
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def wait(self) -> None:
        while not (self.queue or self.behind or self.closed or self.failure):
            self._wake.clear()
            await self._wake.wait()


class Broadcaster:
    """Hands each committed batch to every subscriber; never raises, never waits."""

    def __init__(self, grace: float = SLOW_GRACE_SECONDS, max_bytes: int = QUEUE_BYTES) -> None:
        self.subscribers: set[Subscriber] = set()
        self.last_seq = 0
        self.grace = grace
        self.max_bytes = max_bytes
        # Called with the catalogued code of each subscriber closed for a failure (metrics).
        self.on_failure: Callable[[str], None] | None = None

    def subscriber(self, accepts: Accepts | None, depth: int) -> Subscriber:
        return Subscriber(accepts, depth, self.max_bytes, self.grace)

    def publish(self, entries: list[StoredEntry]) -> None:
        """One shared batch per commit: its frame text is built once, whatever the number
        of subscribers."""
        if not entries:
            return
        self.last_seq = entries[-1].seq
        if not self.subscribers:
            return
        batch = Batch(entries)
        for subscriber in self.subscribers:
            try:
                subscriber.offer(batch)
            except SubscriberFailure as failure:
                subscriber.fail(failure)
            except Exception as exc:  # a defect: this subscriber alone pays for it
                log.exception("offering events to a subscriber failed")
                detail = f"publish failed: {type(exc).__name__}"
                subscriber.fail(
                    SubscriberFailure(INTERNAL_ERROR, runtime_codes.SUBSCRIBER_FAILED, detail)
                )

    def register(self, subscriber: Subscriber, after: int) -> None:
        subscriber.after = after
        self.subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def close_all(self) -> None:
        for subscriber in self.subscribers:
            subscriber.close()


def stream_filter(query: EventQuery) -> Accepts | None:
    """The list's filters for one entry; None when everything passes (the fast path).

    Lifecycle events pass when `lifecycle` is on, whatever the other filters say: a
    subscriber needs them for the notifications it holds. `status` does not apply here
    (a new event is always unread) and `operation` matches the operation's own span.
    """
    simple = (
        query.buckets
        or query.min_severity is not None
        or query.source
        or query.type
        or query.text
        or query.operation
        or query.filters
    )
    if not simple and query.lifecycle:
        return None
    buckets = frozenset(query.buckets)

    def accepts(entry: StoredEntry) -> bool:
        event = entry.event
        if event["type"].startswith(LIFECYCLE_TYPE_PREFIX) and event.get("category") == "audit":
            return query.lifecycle
        if buckets and bucket_of_event(event).value not in buckets:
            return False
        if query.min_severity is not None and event.get("severitynumber", 9) < query.min_severity:
            return False
        if query.source and not event["source"].startswith(query.source):
            return False
        if query.type and not event["type"].startswith(query.type):
            return False
        if query.text and query.text not in search_text(event):
            return False
        if query.operation and (span_ids(event) or ("", ""))[1] != query.operation:
            return False
        return matches_filters(query, event)

    return accepts


async def serve_stream(
    websocket: WebSocket,
    broadcaster: Broadcaster,
    read: Callable[..., Any],
    query: EventQuery,
    since: int | None,
    depth: int,
    on_slow: Callable[[], None],
    subprotocol: str | None,
) -> None:
    """Accept one subscription and serve it until the client leaves, falls behind or fails.

    A live-only subscriber is registered before the handshake completes, so that every
    event committed after the client sees the connection open reaches it. A client that
    offers `notifycenter.batch.json` gets batch frames, whatever `subprotocol` says.
    """
    batched = STREAM_BATCH_SUBPROTOCOL in (websocket.scope.get("subprotocols") or ())
    if batched:
        subprotocol = STREAM_BATCH_SUBPROTOCOL
    subscriber = broadcaster.subscriber(stream_filter(query), depth)
    sender = _Sender(websocket, broadcaster, read, subscriber, batched)
    if since is None:
        broadcaster.register(subscriber, broadcaster.last_seq)
        sender.position = sender.log_until = broadcaster.last_seq
    else:
        subscriber.behind = True  # nothing is queued until the replay reaches the head
        broadcaster.register(subscriber, END)
        sender.position, sender.log_until = since, END
    listener: asyncio.Task[None] | None = None
    watchdog = _Watchdog(sender)
    try:
        await websocket.accept(subprotocol=subprotocol)
        sender.write = websocket.scope.get(SERVER_SEND) or websocket.send
        listener = asyncio.create_task(_listen(websocket, subscriber))
        watchdog.start()
        try:
            await sender.run()
        except asyncio.CancelledError:
            if not watchdog.expired:
                raise
            task = asyncio.current_task()
            assert task is not None
            task.uncancel()  # the watchdog's cancel, handled here: later awaits run normally
            raise _TooSlow from None
    except _TooSlow:
        on_slow()
        error = codes.SUBSCRIBER_TOO_SLOW
        log.info("stream subscriber too slow: closed with 1013 (%s)", error.code)
        await _close(websocket, TRY_AGAIN_LATER, f"{error.code}: resume with since=<last cursor>")
    except SubscriberFailure as failure:
        _closed_for(broadcaster, failure)
        await _close(websocket, failure.close_code, failure.reason)
    except (WebSocketDisconnect, OSError, RuntimeError):
        pass  # the client went away mid-send (Starlette raises RuntimeError after a close)
    except Exception as exc:
        if not subscriber.closed:  # else the client left or the hub is stopping
            log.exception("serving a stream subscriber failed")
            internal = SubscriberFailure(
                INTERNAL_ERROR, runtime_codes.SUBSCRIBER_FAILED, type(exc).__name__
            )
            _closed_for(broadcaster, internal)
            await _close(websocket, INTERNAL_ERROR, internal.reason)
    finally:
        watchdog.stop()
        broadcaster.remove(subscriber)
        if listener is not None:
            listener.cancel()


class _TooSlow(Exception):
    """The watchdog found a send in progress for longer than the subscriber is allowed."""


class _Watchdog:
    """Cancels the sender when its send in progress has taken longer than allowed."""

    def __init__(self, sender: _Sender) -> None:
        self.sender = sender
        self.task: asyncio.Task[Any] | None = None
        self.handle: asyncio.TimerHandle | None = None
        self.expired = False

    def start(self) -> None:
        self.task = asyncio.current_task()
        self._arm()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self.handle = loop.call_at(loop.time() + BEHIND_SEND_SECONDS, self._check)

    def _check(self) -> None:
        try:
            if self._too_late() and self.task is not None:
                self.expired = True
                self.task.cancel()
        finally:  # the watchdog outlives any error of its own
            if not self.expired:
                self._arm()

    def _too_late(self) -> bool:
        started = self.sender.send_started
        if started is None:
            return False
        return asyncio.get_running_loop().time() - started > self.sender.subscriber.send_limit()


class _Sender:
    """Sends one subscriber's events in log order from the log and from its queue."""

    def __init__(
        self,
        websocket: WebSocket,
        broadcaster: Broadcaster,
        read: Callable[..., Any],
        subscriber: Subscriber,
        batched: bool = False,
    ) -> None:
        self.websocket, self.broadcaster, self.read = websocket, broadcaster, read
        self.subscriber = subscriber
        self.batched = batched
        self.position = 0  # the last seq sent or passed over
        self.log_until = 0  # read the log up to here (END: until a short page)
        self.send_started: float | None = None  # loop time of the send in progress
        self.skipped = 0
        self._time = asyncio.get_running_loop().time
        self.write: Send = websocket.send  # the server's own send once accepted

    async def run(self) -> None:
        subscriber = self.subscriber
        while not subscriber.closed:
            if subscriber.failure is not None:
                raise subscriber.failure
            if self.position < self.log_until:
                await self._from_log()
            elif subscriber.queue:
                await self._from_queue(subscriber.take())
            elif subscriber.behind:
                self.log_until = END  # the queue overflowed: the rest is in the log
            else:
                subscriber.full_since = None
                await subscriber.wait()

    async def _from_queue(self, batches: list[Batch]) -> None:
        last = batches[-1].last
        if last <= self.position:
            return
        whole = (
            self.batched
            and self.subscriber.accepts is None
            and batches[0].first > self.position
            and sum(batch.size for batch in batches) <= FRAME_BYTES
        )
        if whole:  # the common case: the shared text, no work per event
            if len(batches) == 1:
                await self._write(batches[0].message())
            else:
                await self._send(f"[{','.join(batch.joined() for batch in batches)}]")
        elif self.batched:
            entries = [e for batch in batches for e in batch.entries if e.seq > self.position]
            await self._send_bodies([entry.body for entry in await self._wanted(entries)])
        else:
            for batch in batches:
                for entry, text in zip(batch.entries, batch.texts(), strict=True):
                    if entry.seq > self.position:
                        if await self._want(entry):
                            await self._send(text)
                        self.position = entry.seq
        self.position = last

    async def _from_log(self) -> None:
        after, upto = self.position, self.log_until
        rows = await self.read(lambda conn: bodies_after(conn, after, upto, REPLAY_PAGE))
        filtered = self.subscriber.accepts is not None
        if self.batched and rows:
            if filtered:
                entries = [StoredEntry(seq, "", orjson.loads(body), body) for seq, body in rows]
                await self._send_bodies([entry.body for entry in await self._wanted(entries)])
            else:
                await self._send_bodies([body for _seq, body in rows])
            self.position = rows[-1][0]
        else:
            for seq, body in rows:
                if self.subscriber.closed:
                    return
                if filtered:
                    entry = StoredEntry(seq, "", orjson.loads(body), body)
                    if await self._want(entry):
                        await self._send(body.decode())
                else:
                    await self._send(body.decode())
                self.position = seq
        if len(rows) < REPLAY_PAGE:
            if self.log_until == END:  # near the head: go live, then read the gap
                head = max(self.position, self.broadcaster.last_seq)
                self.subscriber.resume_live(head)
                self.log_until = head
            elif not rows:
                self.position = self.log_until

    async def _wanted(self, entries: list[StoredEntry]) -> list[StoredEntry]:
        if self.subscriber.accepts is None:
            return entries
        return [entry for entry in entries if await self._want(entry)]

    async def _want(self, entry: StoredEntry) -> bool:
        if self.subscriber.wants(entry):
            return True
        self.skipped += 1
        if self.skipped % YIELD_EVERY == 0:  # a filter that rejects everything still yields
            await asyncio.sleep(0)
        return False

    async def _send_bodies(self, bodies: list[bytes]) -> None:
        """Batch frames of these events, each at most FRAME_BYTES (or one larger event)."""
        for frame in batch_frames(bodies):
            if self.subscriber.closed:
                return
            await self._send(frame)

    async def _send(self, frame: str) -> None:
        await self._write({"type": "websocket.send", "text": frame})

    async def _write(self, message: Message) -> None:
        # No try here: a failed write raises OSError (the client left), handled by serve_stream.
        self.send_started = self._time()
        await self.write(message)
        self.send_started = None


def batch_frames(bodies: list[bytes], limit: int = FRAME_BYTES) -> list[str]:
    """JSON arrays of the bodies in order, each at most `limit` bytes unless one body is more."""
    frames: list[str] = []
    start, size = 0, 0
    for index, body in enumerate(bodies):
        if size and size + len(body) > limit:
            frames.append(_array(bodies[start:index]))
            start, size = index, 0
        size += len(body) + 1
    if start < len(bodies):
        frames.append(_array(bodies[start:]))
    return frames


def _array(bodies: list[bytes]) -> str:
    return (b"[" + b",".join(bodies) + b"]").decode()


def _closed_for(broadcaster: Broadcaster, failure: SubscriberFailure) -> None:
    log.warning("stream subscriber closed with %d: %s", failure.close_code, failure)
    if broadcaster.on_failure is not None:
        broadcaster.on_failure(failure.spec.code)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close, giving up after CLOSE_SECONDS: a socket nobody reads cannot hold the task."""
    with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
        async with asyncio.timeout(CLOSE_SECONDS):
            await websocket.close(code, reason)


async def _listen(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Notice the client leaving while nothing is being sent; client frames are ignored."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except Exception:
        pass
    subscriber.close()
