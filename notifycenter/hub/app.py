"""The hub's Starlette application: routes, plug-ins, errors, metrics, health, start and stop.

A refused WebSocket handshake is an expected answer, logged as one line with its code
(`HandshakeLog`), not as the server's "returned without completing handshake" error.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifycenter.catalogue import hub as codes
from notifycenter.hub import api
from notifycenter.hub.failsafe import FailSafe
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.metrics import HubMetrics
from notifycenter.hub.openapi import openapi_document
from notifycenter.hub.projection import EventIndex, Projection
from notifycenter.hub.responses import answer, error_answer
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.stream import SERVER_SEND
from notifycenter.hub.summary_counts import SummaryCounts
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import NotifyError
from notifycenter.model.wire import Health

HUB_PLUGINS = (
    "notifycenter.hub.operations",
    "notifycenter.hub.ingest_routes",
    "notifycenter.hub.sources_routes",
    "notifycenter.hub.subscriptions_routes",
    "notifycenter.hub.silences",
    "notifycenter.hub.retention",
    "notifycenter.hub.snapshots",
    "notifycenter.hub.ownership_routes",
)
log = logging.getLogger("notifycenter.hub")


def load_plugins(names: tuple[str, ...] = HUB_PLUGINS) -> list[Any]:
    """Plug-in modules that exist and expose `projection()` and `routes(hub)`."""
    modules = []
    for name in names:
        if not _exists(name):
            continue
        module = importlib.import_module(name)
        if callable(getattr(module, "projection", None)) and callable(
            getattr(module, "routes", None)
        ):
            modules.append(module)
        else:
            log.warning("hub plug-in %s lacks projection() or routes(hub); skipped", name)
    return modules


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def create_app(settings: HubSettings, plugins: tuple[str, ...] = HUB_PLUGINS) -> Starlette:
    modules = load_plugins(plugins)
    projections: list[Projection] = [
        EventIndex(),
        SummaryCounts(),
        *(m.projection() for m in modules),
    ]
    hub = Hub(settings, projections)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", api.metrics, methods=["GET"]),
        Route("/openapi.json", _openapi(modules), methods=["GET"]),
        Route("/api/events", api.post_events, methods=["POST"]),
        Route("/api/events", api.get_events, methods=["GET"]),
        Route("/api/events/{ref:path}", api.get_one_event, methods=["GET"]),
        Route("/api/summary", api.get_summary, methods=["GET"]),
        Route("/api/lifecycle/{verb}", api.post_lifecycle, methods=["POST"]),
        WebSocketRoute("/api/stream", api.stream),
    ]
    for module in modules:
        routes.extend(module.routes(hub))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        hooks = [m for m in modules if callable(getattr(m, "start", None))]
        for module in hooks:  # optional plug-in hooks: after the log opens, before it closes
            await module.start(hub)
        try:
            yield
        finally:
            for module in reversed(hooks):
                await module.stop(hub)
            await hub.stop()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            NotifyError: _notify_error,
            HTTPException: _http_error,
        },
    )
    app.state.hub = hub
    app.add_middleware(HandshakeLog)
    app.add_middleware(LatencyMiddleware, metrics=hub.metrics)
    app.add_middleware(FailSafe)
    _quiet_refused_handshakes()
    return app


async def healthz(request: Request) -> Response:
    """200 when every part works; 503 naming each failing part and its code otherwise."""
    hub: Hub = request.app.state.hub
    last_cursor = format_cursor(hub.log.last_seq)
    if hub.health.ok:
        healthy: Health = {"status": "ok", "last_cursor": last_cursor}
        return answer(healthy)
    return answer(hub.health.report(last_cursor), 503)


def _openapi(modules: list[Any]) -> Any:
    document = openapi_document(modules)

    async def openapi(request: Request) -> Response:
        return answer(document)

    return openapi


async def _notify_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotifyError)
    return error_answer(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = codes.METHOD_NOT_ALLOWED.error(
            f"{request.method} is not allowed on {request.url.path}"
        )
    elif exc.status_code == 404:
        error = codes.ROUTE_NOT_FOUND.error(f"no route {request.method} {request.url.path}")
    else:
        error = codes.INTERNAL_ERROR.error(f"HTTP {exc.status_code}: {exc.detail}")
        error.http_status = exc.status_code
    return error_answer(error, exc.headers)


_refused: contextvars.ContextVar[bool] = contextvars.ContextVar("refused", default=False)
_NO_HANDSHAKE = "ASGI callable returned without completing handshake."


class HandshakeLog:
    """One line per refused stream handshake, at INFO (4xx) or WARNING (5xx), with the code.

    Only the handshake concerns it: the send it was given goes into the scope (`SERVER_SEND`)
    so that an accepted stream writes its frames there, past every wrapper.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "websocket.http.response.start":
                status = message["status"]
                _refused.set(True)  # seen by the server's log call, in this same task
            elif message["type"] == "websocket.http.response.body" and status:
                _log_refusal(scope, status, message.get("body", b""))
            await send(message)

        scope[SERVER_SEND] = send
        await self.app(scope, receive, watch)


def _log_refusal(scope: Scope, status: int, body: bytes) -> None:
    try:
        code = orjson.loads(body).get("code", "?")
    except (orjson.JSONDecodeError, AttributeError):
        code = "?"
    client = scope.get("client") or ("?", 0)
    level = logging.WARNING if status >= 500 else logging.INFO
    log.log(level, "stream handshake refused: %d %s from %s", status, code, client[0])


class _DropRefusedHandshake(logging.Filter):
    """uvicorn reports every denial response as an ERROR; a refusal logged above is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.msg == _NO_HANDSHAKE and _refused.get())


def _quiet_refused_handshakes() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropRefusedHandshake) for f in logger.filters):
        logger.addFilter(_DropRefusedHandshake())


class LatencyMiddleware:
    """Request latency per route; pure ASGI so that it costs microseconds, not a task."""

    def __init__(self, app: ASGIApp, metrics: HubMetrics) -> None:
        self.app, self.metrics = app, metrics
        self._series: dict[tuple[str, str], Any] = {}  # labels() locks and builds a key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            endpoint = scope.get("endpoint")
            key = (getattr(endpoint, "__name__", "unmatched"), scope["method"])
            series = self._series.get(key)
            if series is None:  # routes x the methods httptools parses: a bounded set
                series = self._series[key] = self.metrics.latency.labels(*key)
            series.observe(time.perf_counter() - start)
