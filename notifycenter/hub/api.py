"""The HTTP and WebSocket endpoints of docs/api.md. Each handler: authorise, parse, delegate."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from notifycenter.catalogue import event as event_codes
from notifycenter.catalogue import hub as codes
from notifycenter.hub.auth import Permission, Principal, authorize
from notifycenter.hub.binding import Limits, decode_request, media_type
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.lifecycle import apply_request, parse_request, parse_verb, select_targets
from notifycenter.hub.params import cursor_or_none, parse_cursor
from notifycenter.hub.query import EventQuery, parse_query
from notifycenter.hub.records import get_event, list_events
from notifycenter.hub.responses import answer, error_answer
from notifycenter.hub.retention import check_resume
from notifycenter.hub.stream import serve_stream
from notifycenter.hub.summary_counts import summary
from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import format_time
from notifycenter.model.protocol import SUBPROTOCOL
from notifycenter.model.wire import Accepted


def _hub(request: Request | WebSocket) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _require(request: Request | WebSocket, permission: Permission) -> Principal:
    return authorize(_hub(request), request, permission)


def _now() -> datetime:
    return datetime.now(UTC)


async def metrics(request: Request) -> Response:
    return Response(_hub(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def post_events(request: Request) -> Response:
    hub = _hub(request)
    try:
        principal = _require(request, Permission.INGEST)
        body = await _read_body(request, hub.settings.max_request_bytes)
        headers = [
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.headers.raw
        ]
        limits = Limits.of(hub.settings)
        if hub.settings.accept_json and _plain_json(headers):
            from notifycenter.hub.ingest_routes import decode_json_cloudevents

            events = decode_json_cloudevents(request.headers.get("content-type"), body, hub)
        else:
            events = decode_request(headers, body, limits)
        _check_rate(hub, principal, len(events))
    except NotifyError as error:
        hub.metrics.rejected.labels(error.code).inc()
        return error_answer(error)
    return await store_events(hub, events, principal)


async def store_events(hub: Hub, events: list[dict[str, Any]], principal: Principal) -> Response:
    """Append validated events (their `time` defaulting to now) and answer 202 once durable."""
    received = format_time(_now())
    for event in events:
        event.setdefault("time", received)
    result = await hub.log.append(events, principal.user)
    hub.metrics.accepted.inc(result.accepted)
    hub.metrics.duplicates.inc(result.duplicates)
    accepted: Accepted = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "cursors": result.cursors,
    }
    return answer(accepted, 202)


def _plain_json(headers: list[tuple[str, str]]) -> bool:
    """application/json without ce- headers: not binary mode, so read as structured."""
    kind = media_type(next((v for k, v in headers if k == "content-type"), None))
    return kind == "application/json" and not any(k.startswith("ce-") for k, _ in headers)


def _check_rate(hub: Hub, principal: Principal, count: int) -> None:
    token = principal.token
    rate = token.rate if token is not None else hub.settings.anonymous_rate
    burst = token.burst if token is not None else None
    wait = hub.limiter.take(principal.key, count, rate, burst)
    if wait is not None:
        raise codes.RATE_LIMITED.error(
            f"{principal.user} is over {rate} events/s; retry in {wait}s", retry_after=wait
        )


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes.

    A refused body is still read (up to DRAIN_BYTES) before the 413 goes out: a client
    such as urllib that is still sending when the server answers and closes gets a
    connection reset instead of the answer.
    """
    declared = request.headers.get("content-length")
    if declared is not None and (declared_size := _content_length(declared)) > limit:
        if declared_size <= DRAIN_BYTES:
            await _drain(request, DRAIN_BYTES)
        raise event_codes.EVENT_TOO_LARGE.error(
            f"the request declares {declared_size} bytes, more than {limit}"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            await _drain(request, DRAIN_BYTES - size)
            raise event_codes.EVENT_TOO_LARGE.error(f"the request has more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# No log reaches 2^62 entries; the stream's replay bound must stay above any `since`.
LAST_REPLAYABLE = (1 << 62) - 2

# Bodies up to this size are read and dropped before a 413; larger ones are cut off.
DRAIN_BYTES = 16 << 20


def _content_length(text: str) -> int:
    """The declared size; the HTTP server has already refused a malformed header."""
    value = cursor_or_none(text.strip())
    return value if value is not None else 1 << 62


async def _drain(request: Request, budget: int) -> None:
    async for chunk in request.stream():
        budget -= len(chunk)
        if budget < 0:
            return


async def _parse_query(params: QueryParams, *, lifecycle_default: bool = False) -> EventQuery:
    """The query; a user filter is compiled in a worker thread, since the largest accepted
    takes most of a second and would hold every other request and stream meanwhile."""
    if any(params.getlist("filter")) or any(params.getlist("filters")):
        return await run_in_threadpool(
            parse_query, params.getlist, lifecycle_default=lifecycle_default
        )
    return parse_query(params.getlist, lifecycle_default=lifecycle_default)


async def get_events(request: Request) -> Response:
    principal = _require(request, Permission.READ)
    query = replace(await _parse_query(request.query_params), me=principal.user)  # owner=me
    await check_resume(_hub(request), query.after, "after")  # 410 before a pruned position
    now = _now()
    return answer(await _hub(request).log.read(lambda conn: list_events(conn, query, now)))


async def get_one_event(request: Request) -> Response:
    _require(request, Permission.READ)
    ref, now = request.path_params["ref"], _now()
    return answer(await _hub(request).log.read(lambda conn: get_event(conn, ref, now)))


async def get_summary(request: Request) -> Response:
    _require(request, Permission.READ)
    hub, now = _hub(request), _now()
    return answer(await hub.log.read(lambda conn: summary(conn, now, hub.log.last_seq)))


async def post_lifecycle(request: Request) -> Response:
    hub = _hub(request)
    principal = _require(request, Permission.LIFECYCLE)
    verb = parse_verb(request.path_params["verb"])
    body = await _read_body(request, hub.settings.max_request_bytes)
    # The body may carry a filter to compile (see _parse_query).
    change = await run_in_threadpool(parse_request, verb, body, principal.user, _now())
    if change.query is not None:  # choose the targets in a read: the writer never scans
        query, at = change.query, format_time(_now())
        found = await hub.log.read(lambda conn: select_targets(conn, query, at))
        change = dataclasses.replace(change, targets=tuple(found))
    result = await hub.log.write(lambda txn: apply_request(txn, change, hub.settings.hub_source))
    hub.metrics.lifecycle.labels(verb.value).inc(result["changed"])
    return answer(result)


async def stream(websocket: WebSocket) -> None:
    hub = _hub(websocket)
    try:
        _require(websocket, Permission.READ)
        query = await _parse_query(websocket.query_params, lifecycle_default=True)
        since_text = websocket.query_params.get("since")
        since = parse_cursor(since_text, "since", codes.INVALID_QUERY) if since_text else None
        if since is not None:
            since = min(since, LAST_REPLAYABLE)
            await check_resume(hub, since, "since")
    except NotifyError as error:
        await websocket.send_denial_response(error_answer(error))
        return
    offered = websocket.scope.get("subprotocols") or []
    await serve_stream(
        websocket,
        hub.broadcaster,
        hub.log.read,
        query,
        since,
        hub.settings.send_queue,
        hub.metrics.slow_closed.inc,
        SUBPROTOCOL if SUBPROTOCOL in offered else None,
    )
