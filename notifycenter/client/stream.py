"""The live stream: a WebSocket subscription that reconnects and resumes from its last
cursor, so a hub restart costs neither a gap nor a duplicate.

The client offers the batch subprotocol first (`notifycenter.batch.json`: a JSON array of
events per frame) and reads single-event frames too, from hubs that only speak
`cloudevents.json`. A frame is decoded in one call and its events checked only for what
the resume depends on (a cursor each); the cursor kept for a reconnect is that of the
last event handed to the caller, so a consumer that stops mid-frame resumes after it.

A frame that is not a JSON event (or array of events) with a cursor is a broken connection, not the end of the
subscription: it is dropped with the catalogued "bad answer" error as the reason, and the
subscription reconnects with backoff from the last good cursor.

With several servers of one hub (a `ServerPool`), a server that cannot be reached, answers
the upgrade with 502/503/504, drops the connection or (checked before connecting) answers
/healthz with an error is marked failed, and the subscription connects at once to the next
available server, from its cursor (`since=<cursor>`); backoff applies only when no server
is available. On a less preferred server it looks every `return_after` seconds whether a
better one is healthy again, and moves back there from its cursor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.typing import Subprotocol

from notifycenter.catalogue import client as codes
from notifycenter.catalogue.retention import CURSOR_PRUNED
from notifycenter.client.backoff import Backoff
from notifycenter.client.http import auth_headers, error_from_answer, unreachable
from notifycenter.client.servers import RETURN_AFTER, ServerPool, is_failover_status
from notifycenter.model.errors import NotifyError
from notifycenter.model.protocol import SUBPROTOCOL, TRY_AGAIN_LATER
from notifycenter.model.wire import STREAM_BATCH_SUBPROTOCOL

# Answers to the upgrade request that no retry can fix: tell the caller at once.
FATAL_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 415, 422})
# A hub packs batch frames up to 1 MiB (or one event, of 64 KiB at most): a far larger
# frame is not from a hub, and buffering it could exhaust the reader's memory (the
# connection is dropped).
MAX_FRAME_BYTES = 16 * 1024 * 1024
SUBPROTOCOLS = [Subprotocol(STREAM_BATCH_SUBPROTOCOL), Subprotocol(SUBPROTOCOL)]

StreamStatus = Literal["connecting", "live", "reconnecting", "closed"]


@dataclass(frozen=True)
class ConnectionState:
    """What a status line shows: the connection's state and what it knows."""

    status: StreamStatus
    attempt: int = 0
    last_error: str | None = None
    last_cursor: str | None = None
    server: str | None = None  # the server of the connection (or of the last one)


StateCallback = Callable[[ConnectionState], None]
# Where a server's log ends; raises the server's error when it is not healthy.
HealthProbe = Callable[[str], Awaitable[str | None]]


def stream_url(server: str, params: dict[str, str]) -> str:
    parts = urlsplit(server)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + "/api/stream"
    return urlunsplit((scheme, parts.netloc, path, urlencode(params), ""))


def cursor_after(cursor: str | None, last: str | None) -> bool:
    """Cursors are decimal strings; compare them as numbers to accept any padding."""
    if cursor is None or last is None:
        return True
    if _is_cursor(cursor) and _is_cursor(last):
        return int(cursor) > int(last)
    return str(cursor) > str(last)


def _is_cursor(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) < 40 and value.isascii() and value.isdigit()


class Subscription:
    """Async iterator of events with `cursor`, reconnecting with backoff and jitter."""

    def __init__(
        self,
        server: str | ServerPool,
        token: str | None,
        since: str | None,
        params: dict[str, str],
        on_state: StateCallback | None,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        live_cursor: HealthProbe | None = None,
        probe: HealthProbe | None = None,
        return_after: float = RETURN_AFTER,
    ) -> None:
        """`live_cursor` starts a subscription without `since` at the end of the log;
        `probe` checks a server's /healthz before connecting when there are several and
        finds when a preferred server is back."""
        self.pool = server if isinstance(server, ServerPool) else ServerPool(server)
        self._server = self.pool.current
        self._live_cursor = live_cursor
        self._probe = probe or live_cursor
        self._return_after = return_after
        self._returning = False
        self._token = token
        self._params = params
        self._on_state = on_state
        self._backoff = backoff or Backoff(initial=0.1, maximum=5.0)
        self._open_timeout = open_timeout
        self._state = ConnectionState("connecting", last_cursor=since)
        self._cursor = since  # of the last event handed out: kept per event, cheaply

    @property
    def state(self) -> ConnectionState:
        """The connection's state, with the cursor of the last event handed out."""
        if self._state.last_cursor != self._cursor:
            self._state = replace(self._state, last_cursor=self._cursor)
        return self._state

    def _set(self, **changes: Any) -> None:
        self._cursor = changes.pop("last_cursor", self._cursor)
        old = self.state
        self._state = new = replace(old, **changes)
        connection_changed = (old.status, old.attempt, old.last_error, old.server) != (
            new.status,
            new.attempt,
            new.last_error,
            new.server,
        )
        if connection_changed and self._on_state is not None:
            self._on_state(new)  # a new cursor alone is not news

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._on_state is not None:
            self._on_state(self.state)
        try:
            while True:
                async with aclosing(self._one_connection()) as frames:  # closes the socket on break
                    async for events in frames:
                        for event in events:
                            self._cursor = event["cursor"]
                            yield event
                if self._returning or self._next_is_fresh():
                    self._returning = False
                    continue  # another server, not tried lately: no reason to wait
                await asyncio.sleep(self._backoff.next_delay())
        finally:
            self._set(status="closed")

    def _next_is_fresh(self) -> bool:
        """Several servers, and the next to try is not the one that just failed nor cooling."""
        upcoming = self.pool.order()[0]
        return self.pool.several and upcoming != self._server and self.pool.available(upcoming)

    def _failed(self, reason: str) -> None:
        """The current server failed: its breaker opens, the next connection goes elsewhere."""
        self.pool.failed(self._server, reason)
        self._dropped(reason)

    async def _healthy_enough(self) -> bool:
        """Before connecting to one of several servers: its /healthz answers, or no other
        server is available (a degraded hub still streams)."""
        if not self.pool.several or self._probe is None:
            return True
        try:
            await self._probe(self._server)
        except NotifyError as exc:
            others = [s for s in self.pool.order() if s != self._server and self.pool.available(s)]
            if others:
                self._failed(str(exc))
                return False
        return True

    async def _return_when_better(self, socket: Any) -> None:
        """On a fallback server: every `return_after` s, close the connection once a
        preferred server answers its /healthz, so the next one goes there."""
        while self._probe is not None:
            await asyncio.sleep(self._return_after)
            for better in self.pool.better_than(self._server):
                try:
                    await self._probe(better)
                except NotifyError as exc:
                    self.pool.failed(better, str(exc))  # still down: ask it less often
                    continue
                self._returning = True
                await socket.close()
                return

    async def _one_connection(self) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Events of one connection, a frame's worth at a time, none already handed out;
        returns (after updating the state) when it drops."""
        params = dict(self._params)
        self._server = self.pool.order()[0]
        if self.state.last_cursor is None and self._live_cursor is not None:
            # "Live only" still needs a position, or a reconnect would skip what happened meanwhile.
            try:
                self._set(last_cursor=await self._live_cursor(self._server))
            except NotifyError as exc:
                self._failed(str(exc))
                return
        elif not await self._healthy_enough():
            return
        if self.state.last_cursor is not None:
            params["since"] = self.state.last_cursor
        url = stream_url(self._server, params)
        returning: asyncio.Task[None] | None = None
        try:
            async with connect(
                url,
                subprotocols=SUBPROTOCOLS,
                additional_headers=auth_headers(self._token),
                open_timeout=self._open_timeout,
                max_size=MAX_FRAME_BYTES,
            ) as socket:
                self._backoff.reset()
                self.pool.succeeded(self._server)
                self._set(status="live", attempt=0, last_error=None, server=self._server)
                if self._server != self.pool.preferred and self._probe is not None:
                    returning = asyncio.create_task(self._return_when_better(socket))
                async for frame in socket:
                    events = self._decode(frame)
                    if events is None:
                        return
                    if events and not cursor_after(events[0]["cursor"], self._cursor):
                        last = self._cursor  # some were delivered before a reconnect
                        events = [e for e in events if cursor_after(e["cursor"], last)]
                    if events:
                        yield events
                if self._returning:
                    self._dropped("moving back to a preferred server")
                else:
                    self._failed(f"connection closed ({socket.close_code})")
        except InvalidStatus as exc:
            start = _pruned_start(exc)
            if start is not None:  # retention pruned our position: resume where the log starts
                self._backoff.reset()
                self._set(last_cursor=start)
                self._dropped(f"{CURSOR_PRUNED.code}: events up to {start} were pruned")
                return
            self._raise_if_fatal(exc, url)
            status = exc.response.status_code
            if is_failover_status(status):
                self._failed(f"HTTP {status}")
            else:
                self._dropped(f"HTTP {status}")
        except ConnectionClosed as exc:
            close = exc.rcvd or exc.sent  # sent: this side closed, e.g. a frame over the limit
            code = close.code if close else None
            reason = f"connection closed ({code})" if code else "connection lost"
            if code == TRY_AGAIN_LATER:
                self._backoff.reset()  # slow consumer: resume at once from the cursor
                self._dropped(reason)
            else:
                self._failed(reason)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ValueError) as exc:
            # InvalidURI, ValueError: a redirect of the upgrade to where no stream can be.
            self._failed(str(unreachable(self._server, exc)))
        finally:
            if returning is not None:
                returning.cancel()

    def _decode(self, frame: str | bytes) -> list[dict[str, Any]] | None:
        """The frame's events, oldest first; None (the connection is dropped) when it is
        not an event or an array of events, each with a cursor."""
        events = decode_frame(frame)
        if events is not None:
            return events
        error = codes.HUB_BAD_ANSWER.error(
            f"{self._server} streamed a frame that is not a JSON event with a cursor"
        )
        self._dropped(error.message)
        return None

    def _raise_if_fatal(self, exc: InvalidStatus, url: str) -> None:
        status = exc.response.status_code
        if status not in FATAL_STATUSES:
            return
        try:
            body = orjson.loads(exc.response.body or b"null")
        except orjson.JSONDecodeError:
            body = None
        raise error_from_answer(status, body, url) from None

    def _dropped(self, reason: str) -> None:
        status = "connecting" if self.state.status == "connecting" else "reconnecting"
        # Moving to another server at once is not a failed attempt: attempt 0 says so.
        moving = self._returning or self._next_is_fresh()
        attempt = 0 if moving else self._backoff.attempt + 1
        self._set(status=status, attempt=attempt, last_error=reason)


def decode_frame(frame: str | bytes) -> list[dict[str, Any]] | None:
    """A stream frame's events (a batch frame or a single event), or None when it is neither
    or an event in it has no cursor: one orjson call, one pass over the events."""
    try:
        value = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    events = value if isinstance(value, list) else [value]
    try:
        if all(_is_cursor(event["cursor"]) for event in events):
            return events
    except (TypeError, KeyError):  # not an object, or one without a cursor
        pass
    return None


def _pruned_start(exc: InvalidStatus) -> str | None:
    """The cursor a hub says its log now starts at, when it refused a pruned `since`."""
    if exc.response.status_code != CURSOR_PRUNED.http_status:
        return None
    try:
        body = orjson.loads(exc.response.body or b"null")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or body.get("code") != CURSOR_PRUNED.code:
        return None
    start = body.get("log_start")
    return start if _is_cursor(start) else None


__all__ = ["ConnectionState", "HealthProbe", "StateCallback", "Subscription", "decode_frame"]
