"""GET /api/stream: replay from a cursor, then live, over WebSocket (`cloudevents.json`).

No gap, no duplicate: a subscriber replays from the log in pages until it is near the
head, then registers with the broadcaster at the head's position B, reads (last, B] from
the log, and only then sends what the broadcaster queued (everything after B). The
broadcaster publishes a batch after its commit, so whatever it has published can be
read from the log.

Slow subscribers: each has a bounded queue; when a publish finds it full, the
subscriber is closed with 1013 and resumes from its last cursor. Producers never wait.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from notifycenter.catalogue import hub as codes
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.projection import search_text
from notifycenter.hub.query import EventQuery, matches_filters
from notifycenter.model.event import bucket_of_event, span_ids
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX
from notifycenter.model.protocol import TRY_AGAIN_LATER

REPLAY_PAGE = 5000
END = 1 << 62
Accepts = Callable[[StoredEntry], bool]


class Subscriber:
    def __init__(self, accepts: Accepts | None, depth: int) -> None:
        self.accepts = accepts
        self.depth = depth
        self.after = 0
        self.pending: deque[str] = deque()  # frames, decoded once per event by the broadcaster
        self.overflowed = False
        self.closed = False
        self._wake = asyncio.Event()

    def offer(self, frames: Iterable[tuple[StoredEntry, str]]) -> None:
        for entry, frame in frames:
            if entry.seq <= self.after or (self.accepts is not None and not self.accepts(entry)):
                continue
            if len(self.pending) >= self.depth:
                self.overflowed = True
                break
            self.pending.append(frame)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def wait(self) -> None:
        while not (self.pending or self.overflowed or self.closed):
            self._wake.clear()
            await self._wake.wait()


class Broadcaster:
    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.last_seq = 0

    def publish(self, entries: list[StoredEntry]) -> None:
        """Each body is decoded to its text frame once, whatever the number of subscribers."""
        self.last_seq = entries[-1].seq
        if not self.subscribers:
            return
        frames = [(entry, entry.body.decode()) for entry in entries]
        for subscriber in self.subscribers:
            if not subscriber.overflowed:
                subscriber.offer(frames)

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
    """Accept one subscription and serve it until the client leaves or falls behind.

    A live-only subscriber is registered before the handshake completes, so that every
    event committed after the client sees the connection open reaches it.
    """
    subscriber = Subscriber(stream_filter(query), depth)
    if since is None:
        broadcaster.register(subscriber, broadcaster.last_seq)
    listener: asyncio.Task[None] | None = None
    try:
        await websocket.accept(subprotocol=subprotocol)
        listener = asyncio.create_task(_listen(websocket, subscriber))
        if since is not None:
            await _replay(websocket, broadcaster, read, subscriber, since)
        await _pump(websocket, subscriber, on_slow)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the client went away mid-send
    finally:
        broadcaster.remove(subscriber)
        if listener is not None:
            listener.cancel()


async def _replay(
    websocket: WebSocket,
    broadcaster: Broadcaster,
    read: Callable[..., Any],
    subscriber: Subscriber,
    since: int,
) -> None:
    last = since
    while not subscriber.closed:
        rows = await read(lambda conn, after=last: _page(conn, after, END))
        last = await _send_rows(websocket, subscriber, rows, last)
        if len(rows) < REPLAY_PAGE:
            break
    head = max(last, broadcaster.last_seq)
    broadcaster.register(subscriber, head)
    gap_end = head
    while last < gap_end and not subscriber.closed:
        rows = await read(lambda conn, after=last: _page(conn, after, gap_end))
        if not rows:
            break
        last = await _send_rows(websocket, subscriber, rows, last)


def _page(conn: Any, after: int, upto: int) -> list[tuple[int, bytes]]:
    return conn.execute(
        "SELECT seq, body FROM log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        (after, upto, REPLAY_PAGE),
    ).fetchall()


async def _send_rows(
    websocket: WebSocket, subscriber: Subscriber, rows: list[tuple[int, bytes]], last: int
) -> int:
    accepts = subscriber.accepts
    for seq, body in rows:
        if subscriber.closed:
            break
        if accepts is None or accepts(StoredEntry(seq, "", orjson.loads(body), body)):
            await websocket.send_text(body.decode())
        last = seq
    return last


async def _pump(websocket: WebSocket, subscriber: Subscriber, on_slow: Callable[[], None]) -> None:
    while True:
        await subscriber.wait()
        if subscriber.closed:
            return
        if subscriber.overflowed:
            on_slow()
            error = codes.SUBSCRIBER_TOO_SLOW
            await websocket.close(TRY_AGAIN_LATER, f"{error.code}: resume with since=<last cursor>")
            return
        while subscriber.pending and not subscriber.overflowed:
            await websocket.send_text(subscriber.pending.popleft())


async def _listen(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Notice the client leaving while nothing is being sent; client frames are ignored."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except Exception:
        pass
    subscriber.close()
