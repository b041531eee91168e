"""The last line of defence: an unexpected exception becomes one log record and a 500.

Starlette's own error middleware answers 500 and then re-raises, so the server logs a
second traceback and drops the client's keep-alive connection. Here the exception stops:
one record names the request id, method and route, the client gets the catalogued 500
with `X-Request-Id`, and its connection stays usable.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifycenter.catalogue import hub as codes
from notifycenter.hub.responses import error_answer

log = logging.getLogger("notifycenter.hub")
REQUEST_ID = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class FailSafe:
    """Pure ASGI: costs nothing on the way through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request_id = request_id_of(scope)
            log.error(
                "unexpected %s on %s %s (request id %s)",
                type(exc).__name__,
                scope.get("method"),
                _route(scope),
                request_id,
                exc_info=exc,
            )
            if started:  # too late for an answer; the server closes the connection
                return
            error = codes.INTERNAL_ERROR.error(
                f"{type(exc).__name__} while serving the request (request id {request_id})",
                request_id=request_id,
            )
            await error_answer(error, {"X-Request-Id": request_id})(scope, receive, send)


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-Id` when it is a plain token; else a fresh one."""
    for name, value in scope.get("headers") or []:
        if name == REQUEST_ID.encode():
            text = bytes(value).decode("latin-1")
            if _SAFE_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex[:16]


def _route(scope: Scope) -> str:
    """The route's template (`/api/events/{ref}`), not the raw path with its values."""
    template = getattr(scope.get("route"), "path", None)
    return str(template or scope.get("path", "?"))
