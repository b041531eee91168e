"""Hub plug-in: endpoints for formats other systems already emit.

`POST /api/ingest/alertmanager` takes Alertmanager's webhook (one event per alert, a
resolved alert resolves its event, by the source) and `POST /api/ingest/cloudevents-json`
takes `application/json` CloudEvents (one object or an array), as kubewatch sends them.
Each request is one atomic write, durable before its 2xx; bad input is a catalogued 4xx
that stores nothing. Alertmanager retries 5xx but not 4xx, so a 5xx is answered only
when the storage failed and a retry can succeed.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifycenter.catalogue import event as event_codes
from notifycenter.catalogue import sources as codes
from notifycenter.hub.alertmanager_writeback import (
    SilenceWriter,
    WriteBackProjection,
    start_writeback,
    stop_writeback,
)
from notifycenter.hub.api import _check_rate, _read_body, store_events
from notifycenter.hub.auth import Permission, authorize
from notifycenter.hub.binding import Limits, decode_request
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.log import Transaction
from notifycenter.hub.responses import answer, error_answer
from notifycenter.model.cetypes import shown
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import Verb
from notifycenter.model.protocol import BATCH, STRUCTURED
from notifycenter.model.wire import AlertsAccepted
from notifycenter.sources.alertmanager import map_payload
from notifycenter.sources.kubewatch import enrich

ALERTMANAGER_PATH = "/api/ingest/alertmanager"
CLOUDEVENTS_JSON_PATH = "/api/ingest/cloudevents-json"
_JSON_TYPES = ("application/json", "text/json", STRUCTURED, BATCH, "")


def projection() -> WriteBackProjection:
    return WriteBackProjection()


def routes(hub: Hub) -> list[Route]:
    url = getattr(hub.settings, "alertmanager_url", None)
    for candidate in hub.log.projections:
        if isinstance(candidate, WriteBackProjection) and url:
            candidate.writer = SilenceWriter(url)
    return [
        Route(ALERTMANAGER_PATH, post_alertmanager, methods=["POST"]),
        Route(CLOUDEVENTS_JSON_PATH, post_cloudevents_json, methods=["POST"]),
    ]


async def start(hub: Hub) -> None:
    """Silences are recorded as they are made; what the outbox held at stop is resent."""
    await start_writeback(hub)


async def stop(hub: Hub) -> None:
    await stop_writeback(hub)


async def post_alertmanager(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    try:
        principal = authorize(hub, request, Permission.INGEST)
        body = await _read_body(request, hub.settings.max_request_bytes)
        alerts = map_payload(_json(body, codes.INVALID_ALERTMANAGER_PAYLOAD.error))
        events = [_validated(alert.event, index) for index, alert in enumerate(alerts)]
        _check_rate(hub, principal, len(events))
    except NotifyError as error:
        hub.metrics.rejected.labels(error.code).inc()
        return error_answer(error)
    resolved: dict[str, list[str]] = {}
    for alert in alerts:
        if alert.resolved:
            resolved.setdefault(alert.event["source"], []).append(alert.ref)

    def store(txn: Transaction) -> AlertsAccepted:
        inserted = txn.insert(events, principal.user)
        changed = 0
        for source, refs in resolved.items():  # the source resolves its own alerts
            change = LifecycleRequest(Verb.RESOLVE, actor=source, refs=tuple(refs))
            changed += apply_request(txn, change, hub.settings.hub_source)["changed"]
        duplicates = sum(1 for _, dup in inserted if dup)
        return {
            "accepted": len(inserted) - duplicates,
            "duplicates": duplicates,
            "resolved": changed,
            "cursors": [format_cursor(seq) for seq, _ in inserted],
        }

    result = await hub.log.write(store)
    hub.metrics.accepted.inc(result["accepted"])
    hub.metrics.duplicates.inc(result["duplicates"])
    hub.metrics.lifecycle.labels(Verb.RESOLVE.value).inc(result["resolved"])
    return answer(result, 202)


async def post_cloudevents_json(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    try:
        principal = authorize(hub, request, Permission.INGEST)
        body = await _read_body(request, hub.settings.max_request_bytes)
        events = decode_json_cloudevents(request.headers.get("content-type"), body, hub)
        _check_rate(hub, principal, len(events))
    except NotifyError as error:
        hub.metrics.rejected.labels(error.code).inc()
        return error_answer(error)
    return await store_events(hub, events, principal)


def decode_json_cloudevents(
    content_type: str | None, body: bytes, hub: Hub
) -> list[dict[str, Any]]:
    """An object is structured mode, an array batched mode, through the hub's own decoder."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind not in _JSON_TYPES:
        raise codes.NOT_JSON_CLOUDEVENTS.error(f"content type {shown(content_type)} is not JSON")
    raw = _json(body, lambda detail: event_codes.INVALID_JSON.error(detail))
    items: Any
    if isinstance(raw, dict):
        mode, items = STRUCTURED, enrich(raw)
    elif isinstance(raw, list):
        mode, items = BATCH, [enrich(item) if isinstance(item, dict) else item for item in raw]
    else:
        raise codes.NOT_JSON_CLOUDEVENTS.error(f"the body is a JSON {type(raw).__name__}")
    limits = Limits.of(hub.settings)
    try:
        again = orjson.dumps(items)
    except TypeError:  # orjson.JSONEncodeError: read 1,024 levels deep, writes only 254
        raise event_codes.DATA_TOO_DEEP.error("the body is nested deeper than 254 levels") from None
    return decode_request([("content-type", mode)], again, limits)


def _json(body: bytes, error: Any) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise error(f"the body is not JSON: {exc}") from None


def _validated(event: dict[str, Any], index: int) -> dict[str, Any]:
    try:
        return validate_event(event)
    except NotifyError as error:
        error.extra["index"] = index
        error.long_description = [f"alert {index}: {d}" for d in error.long_description]
        raise


def openapi_paths() -> dict[str, Any]:
    from notifycenter.hub.ingest_openapi import paths

    return paths()
