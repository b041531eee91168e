"""The live stream: a WebSocket subscription that reconnects and resumes from its last
cursor, so a hub restart costs neither a gap nor a duplicate.

A frame that is not a JSON event with a cursor is a broken connection, not the end of the
subscription: it is dropped with the catalogued "bad answer" error as the reason, and the
subscription reconnects with backoff from the last good cursor.
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
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from notifycenter.catalogue import client as codes
from notifycenter.catalogue.retention import CURSOR_PRUNED
from notifycenter.client.backoff import Backoff
from notifycenter.client.http import auth_headers, error_from_answer, unreachable
from notifycenter.model.errors import NotifyError
from notifycenter.model.protocol import SUBPROTOCOL, TRY_AGAIN_LATER

# Answers to the upgrade request that no retry can fix: tell the caller at once.
FATAL_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 415, 422})
# One event per frame, and a hub takes events of 64 KiB at most: a far larger frame is not
# an event, and buffering it could exhaust the reader's memory (the connection is dropped).
MAX_FRAME_BYTES = 16 * 1024 * 1024

StreamStatus = Literal["connecting", "live", "reconnecting", "closed"]


@dataclass(frozen=True)
class ConnectionState:
    """What a status line shows: the connection's state and what it knows."""

    status: StreamStatus
    attempt: int = 0
    last_error: str | None = None
    last_cursor: str | None = None


StateCallback = Callable[[ConnectionState], None]


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
        server: str,
        token: str | None,
        since: str | None,
        params: dict[str, str],
        on_state: StateCallback | None,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        live_cursor: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        self._server = server
        self._live_cursor = live_cursor
        self._token = token
        self._params = params
        self._on_state = on_state
        self._backoff = backoff or Backoff(initial=0.1, maximum=5.0)
        self._open_timeout = open_timeout
        self.state = ConnectionState("connecting", last_cursor=since)

    def _set(self, **changes: Any) -> None:
        old, self.state = self.state, replace(self.state, **changes)
        connection_changed = (old.status, old.attempt, old.last_error) != (
            self.state.status,
            self.state.attempt,
            self.state.last_error,
        )
        if connection_changed and self._on_state is not None:
            self._on_state(self.state)  # a new cursor alone is not news

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._on_state is not None:
            self._on_state(self.state)
        try:
            while True:
                async with aclosing(self._one_connection()) as events:  # closes the socket on break
                    async for event in events:
                        yield event
                await asyncio.sleep(self._backoff.next_delay())
        finally:
            self._set(status="closed")

    async def _one_connection(self) -> AsyncGenerator[dict[str, Any], None]:
        """Events of one connection; returns (after updating the state) when it drops."""
        params = dict(self._params)
        if self.state.last_cursor is None and self._live_cursor is not None:
            # "Live only" still needs a position, or a reconnect would skip what happened meanwhile.
            try:
                self._set(last_cursor=await self._live_cursor())
            except NotifyError as exc:
                self._dropped(str(exc))
                return
        if self.state.last_cursor is not None:
            params["since"] = self.state.last_cursor
        url = stream_url(self._server, params)
        try:
            async with connect(
                url,
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                additional_headers=auth_headers(self._token),
                open_timeout=self._open_timeout,
                max_size=MAX_FRAME_BYTES,
            ) as socket:
                self._backoff.reset()
                self._set(status="live", attempt=0, last_error=None)
                async for frame in socket:
                    event = self._decode(frame)
                    if event is None:
                        return
                    cursor = event["cursor"]
                    if not cursor_after(cursor, self.state.last_cursor):
                        continue  # already delivered before a reconnect
                    self._set(last_cursor=cursor)
                    yield event
                self._dropped(f"connection closed ({socket.close_code})")
        except InvalidStatus as exc:
            start = _pruned_start(exc)
            if start is not None:  # retention pruned our position: resume where the log starts
                self._backoff.reset()
                self._set(last_cursor=start)
                self._dropped(f"{CURSOR_PRUNED.code}: events up to {start} were pruned")
                return
            self._raise_if_fatal(exc, url)
            self._dropped(f"HTTP {exc.response.status_code}")
        except ConnectionClosed as exc:
            close = exc.rcvd or exc.sent  # sent: this side closed, e.g. a frame over the limit
            code = close.code if close else None
            if code == TRY_AGAIN_LATER:
                self._backoff.reset()  # slow consumer: resume at once from the cursor
            self._dropped(f"connection closed ({code})" if code else "connection lost")
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self._dropped(str(unreachable(self._server, exc)))

    def _decode(self, frame: str | bytes) -> dict[str, Any] | None:
        """The frame's event; None (the connection is dropped) when it is not one."""
        try:
            event = orjson.loads(frame)
        except orjson.JSONDecodeError:
            event = None
        if isinstance(event, dict) and _is_cursor(event.get("cursor")):
            return event
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
        self._set(status=status, attempt=self._backoff.attempt + 1, last_error=reason)


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


__all__ = ["ConnectionState", "StateCallback", "Subscription"]
