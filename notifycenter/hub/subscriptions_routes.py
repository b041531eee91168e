"""Hub plug-in: `/api/subscriptions` (CloudEvents Subscriptions API) and its delivery engine.

Admins manage every subscription; an operator creates and sees only their own (owner =
the token's user); viewers and producers none. A subscription's `sinkcredential` is
stored and never returned. The plug-in also makes `/api/events` answer the CloudEvents
webhook validation handshake, so that one hub can be another's HTTP sink.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifycenter.catalogue import hub as hub_codes
from notifycenter.catalogue import subscriptions as codes
from notifycenter.hub.auth import Permission, authorize
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.openapi import SECURED, _errors, _json
from notifycenter.hub.responses import answer
from notifycenter.hub.settings import Role
from notifycenter.hub.sqlconn import dialect_of
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import format_time
from notifycenter.routing import store
from notifycenter.routing.egress import Egress, sink_host_port
from notifycenter.routing.engine import DeliveryEngine
from notifycenter.routing.registry import create_sink
from notifycenter.routing.resource import (
    SubscriptionSpec,
    parse_subscription,
    redacted_credential,
    redacted_settings,
    restore_redacted,
)
from notifycenter.routing.sink import Delivery, Item, SinkError

PATH = "/api/subscriptions"
MAX_BODY = 64 << 10
TEST_TYPE = "io.meshery.notifycenter.subscription.test"


class SubscriptionsProjection:
    """Creates the subscriptions table; holds the hub's engine. Events change nothing here:
    cursors move in the transactions that record deliveries."""

    def __init__(self) -> None:
        self.engine: DeliveryEngine | None = None

    def create(self, conn: Any) -> None:
        store.create(conn)
        # Events change nothing here: on an existing log, skip the replay a new projection gets.
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        conn.execute(
            "INSERT INTO projections (name, seq) SELECT ?, coalesce(max(seq), 0) FROM log"
            " ON CONFLICT (name) DO NOTHING"
            if dialect_of(conn) == "postgresql"
            else "INSERT OR IGNORE INTO projections (name, seq) SELECT ?, coalesce(max(seq), 0) FROM log",
            (name,),
        )

    def apply(self, conn: Any, entries: Any) -> None:
        return None


def projection() -> SubscriptionsProjection:
    return SubscriptionsProjection()


def _projection(hub: Hub) -> SubscriptionsProjection:
    found = next(p for p in hub.log.projections if isinstance(p, SubscriptionsProjection))
    return found


def engine_of(hub: Hub) -> DeliveryEngine:
    found = _projection(hub)
    if found.engine is None:
        found.engine = DeliveryEngine(hub)
    return found.engine


async def start(hub: Hub) -> None:
    engine = engine_of(hub)
    hub.metrics.registry.register(_Metrics(hub, engine))
    await engine.start()


async def stop(hub: Hub) -> None:
    await engine_of(hub).stop()


class _Caller:
    def __init__(self, user: str, admin: bool) -> None:
        self.user, self.admin = user, admin


def _caller(hub: Hub, request: Request) -> _Caller:
    principal = authorize(hub, request, Permission.READ)
    role = principal.token.role if principal.token is not None else Role.ADMIN
    if role not in (Role.OPERATOR, Role.ADMIN):
        raise hub_codes.FORBIDDEN.error(
            f"user {principal.user!r} has role {role.value}, which may not manage subscriptions"
        )
    return _Caller(principal.user, role == Role.ADMIN)


def routes(hub: Hub) -> list[Route]:
    engine = engine_of(hub)

    async def create(request: Request) -> Response:
        caller = _caller(hub, request)
        spec, credential, _ = parse_subscription(await _body(request))
        owner = _owner(spec, caller)
        await _check_sink(spec, credential, _origin(request), caller, engine.egress(owner))
        ident, moment = str(uuid.uuid4()), _now()
        stored = {**spec.as_json()}
        await hub.log.write(
            lambda txn: store.insert(txn.conn, ident, owner, stored, credential, moment)
        )
        await engine.reconcile()
        return answer(await _view(hub, ident), 201, {"Location": f"{PATH}/{ident}"})

    async def listing(request: Request) -> Response:
        caller = _caller(hub, request)
        owner = None if caller.admin else caller.user
        rows = await hub.log.read(lambda conn: store.load_all(conn, owner))
        return answer({"subscriptions": [view(row) for row in rows]})

    async def get_one(request: Request) -> Response:
        row = await _visible(hub, request, _caller(hub, request))
        return answer(view(row))

    async def replace(request: Request) -> Response:
        caller = _caller(hub, request)
        row = await _visible(hub, request, caller)
        spec, credential, given = parse_subscription(await _body(request))
        stored_settings = row.spec.get("protocolsettings") or {}
        settings = restore_redacted(spec.protocolsettings, stored_settings)
        spec = dataclasses.replace(spec, protocolsettings=settings)
        owner = _owner(spec, caller) if spec.owner else row.owner
        if not given:
            credential = row.credential  # never returned, so a PUT without it keeps it
        egress = engine.egress(owner)
        if (spec.sink, spec.protocol, spec.protocolsettings, credential) != (
            row.spec.get("sink"),
            row.spec.get("protocol"),
            row.spec.get("protocolsettings"),
            row.credential,
        ):
            await _check_sink(spec, credential, _origin(request), caller, egress)
        elif owner != row.owner:  # the new owner's policy applies to the same sink
            await _check_sink_host(spec, egress)
        stored, moment = spec.as_json(), _now()
        await hub.log.write(
            lambda txn: store.replace(txn.conn, row.id, owner, stored, credential, moment)
        )
        await engine.reconcile()
        return answer(await _view(hub, row.id))

    async def delete(request: Request) -> Response:
        row = await _visible(hub, request, _caller(hub, request))
        await hub.log.write(lambda txn: store.delete(txn.conn, row.id))
        await engine.reconcile()
        return answer({"deleted": row.id})

    async def test(request: Request) -> Response:
        row = await _visible(hub, request, _caller(hub, request))
        event = test_event(hub, row.id)
        spec = row.spec
        sink = create_sink(
            spec["protocol"],
            spec["sink"],
            spec.get("protocolsettings", {}),
            row.credential,
            engine.egress(row.owner),
        )
        try:
            await sink.deliver(Delivery(row.id, [Item("0", event)], hub_url=engine.hub_url))
        except SinkError as error:
            raise (error.spec or codes.SINK_TEST_FAILED).error(str(error)) from None
        finally:
            await sink.aclose()
        return answer({"delivered": True, "id": row.id, "event": event["id"]})

    return [
        Route(PATH, create, methods=["POST"]),
        Route(PATH, listing, methods=["GET"]),
        Route(PATH + "/{id}", get_one, methods=["GET"]),
        Route(PATH + "/{id}", replace, methods=["PUT"]),
        Route(PATH + "/{id}", delete, methods=["DELETE"]),
        Route(PATH + "/{id}/test", test, methods=["POST"]),
        Route("/api/events", webhook_handshake, methods=["OPTIONS"]),
    ]


async def webhook_handshake(request: Request) -> Response:
    """The receiver's half of the CloudEvents webhook validation: a sender that may post
    events here (an open hub, or a producer's token) is allowed, at any rate."""
    hub: Hub = request.app.state.hub
    origin = request.headers.get("webhook-request-origin")
    if not origin:
        return Response(status_code=204, headers={"Allow": "GET, POST, OPTIONS"})
    authorize(hub, request, Permission.INGEST)
    headers = {"WebHook-Allowed-Origin": origin, "Allow": "GET, POST, OPTIONS"}
    if request.headers.get("webhook-request-rate"):
        headers["WebHook-Allowed-Rate"] = "*"
    return Response(status_code=200, headers=headers)


def view(row: store.StoredSubscription) -> dict[str, Any]:
    """The public form: the resource, its owner and delivery state; never the credential."""
    body: dict[str, Any] = {"id": row.id, **row.spec, "owner": row.owner}
    body["protocolsettings"] = redacted_settings(row.spec.get("protocolsettings") or {})
    credential = redacted_credential(row.credential)
    if credential is not None:
        body["sinkcredential"] = credential
    body.update(
        created=row.created,
        updated=row.updated,
        status=row.status,
        delivery={
            "cursor": format_cursor(row.cursor),
            "failures": row.failures,
            "delivered": row.delivered,
            "last_error": row.last_error,
            "last_success": row.last_success,
            "next_attempt": row.next_attempt,
        },
    )
    return body


def test_event(hub: Hub, ident: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": hub.settings.hub_source,
        "type": TEST_TYPE,
        "time": _now(),
        "severitytext": "INFO",
        "severitynumber": 9,
        "datacontenttype": "application/json",
        "data": {
            "summary": "Test notification from notifycenter",
            "details": f"Sent by `notifycenter subscriptions test` for subscription {ident}.",
        },
    }


async def _visible(hub: Hub, request: Request, caller: _Caller) -> store.StoredSubscription:
    ident = request.path_params["id"]
    row = await hub.log.read(lambda conn: store.load(conn, ident))
    if row is None or not (caller.admin or row.owner == caller.user):
        raise codes.SUBSCRIPTION_NOT_FOUND.error(f"no subscription {ident[:80]!r}")
    return row


async def _view(hub: Hub, ident: str) -> dict[str, Any]:
    row = await hub.log.read(lambda conn: store.load(conn, ident))
    if row is None:  # deleted in between
        raise codes.SUBSCRIPTION_NOT_FOUND.error(f"no subscription {ident[:80]!r}")
    return view(row)


def _owner(spec: SubscriptionSpec, caller: _Caller) -> str:
    if spec.owner is not None and spec.owner != caller.user and not caller.admin:
        raise codes.NOT_YOUR_SUBSCRIPTION.error(
            f"user {caller.user!r} may not create subscriptions for {spec.owner!r}"
        )
    return spec.owner or caller.user


async def _check_sink(
    spec: SubscriptionSpec, credential: Any, origin: str, caller: _Caller, egress: Egress
) -> None:
    """The settings build a sink, the sink-host policy allows its address, and the
    receiver allows us (webhook validation)."""
    sink = create_sink(spec.protocol, spec.sink, spec.protocolsettings, credential, egress)
    try:
        if spec.protocolsettings.get("handshake") is False and not caller.admin:
            raise codes.HANDSHAKE_SKIP_ADMIN_ONLY.error(
                f"user {caller.user!r} is not an admin and may not set handshake false"
            )
        await _check_sink_host(spec, egress)
        validate = getattr(sink, "validate", None)
        if validate is not None:
            try:
                await validate(origin)
            except SinkError as error:  # the policy refused the address connected to
                raise (error.spec or codes.WEBHOOK_UNREACHABLE).error(str(error)) from None
    finally:
        await sink.aclose()


async def _check_sink_host(spec: SubscriptionSpec, egress: Egress) -> None:
    """A catalogued 403 when the sink's host is refused for the subscription's owner."""
    target = sink_host_port(spec.sink)
    if target is not None:
        await egress.check_now(*target)


async def _body(request: Request) -> Any:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise codes.INVALID_SUBSCRIPTION.error(f"the body has more than {MAX_BODY} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise codes.INVALID_SUBSCRIPTION.error(f"the body is not JSON: {exc}") from None


def _origin(request: Request) -> str:
    """How the hub names itself to a receiver: the host its clients reach it by."""
    return request.url.hostname or "notifycenter"


def _now() -> str:
    return format_time(datetime.now(UTC))


class _Metrics(Collector):
    """`notifycenter_subscription_*`, from the running workers."""

    def __init__(self, hub: Hub, engine: DeliveryEngine) -> None:
        self.hub, self.engine = hub, engine

    def collect(self) -> Iterator[Any]:
        failing = GaugeMetricFamily(
            "notifycenter_subscription_failing",
            "1 when the subscription's deliveries have failed maxfailures times in a row",
            labels=["subscription"],
        )
        failures = GaugeMetricFamily(
            "notifycenter_subscription_failures",
            "Consecutive failed deliveries",
            labels=["subscription"],
        )
        lag = GaugeMetricFamily(
            "notifycenter_subscription_lag_entries",
            "Log entries after the subscription's cursor (matching or not)",
            labels=["subscription"],
        )
        delivered = CounterMetricFamily(
            "notifycenter_subscription_delivered",
            "Events delivered to the sink (a digest counts the events it stands for)",
            labels=["subscription"],
        )
        head = self.hub.log.last_seq
        for ident, worker in list(self.engine.workers.items()):
            failing.add_metric([ident], 1.0 if worker.failing else 0.0)
            failures.add_metric([ident], worker.failures)
            lag.add_metric([ident], max(0, head - worker.cursor))
            delivered.add_metric([ident], worker.delivered)
        yield from (failing, failures, lag, delivered)


_ERROR_OR_NULL = {"oneOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]}
SUBSCRIPTION_REQUEST = {
    "type": "object",
    "required": ["sink", "protocol"],
    "properties": {
        "source": {"type": "string"},
        "types": {"type": "array", "items": {"type": "string"}},
        "config": {
            "type": "object",
            "description": "ratelimit, lifecycle, maxfailures, batchsize, backoffmin, backoffmax",
        },
        "filters": {"type": "array", "items": {"type": "object"}},
        "sink": {"type": "string"},
        "sinkcredential": {"type": ["object", "null"], "description": "stored, never returned"},
        "protocol": {"type": "string", "enum": ["HTTP", "ntfy", "slack", "smtp"]},
        "protocolsettings": {"type": "object"},
        "owner": {"type": "string", "description": "admins only: whose subscription it is"},
    },
}
SUBSCRIPTION = {
    "type": "object",
    "required": ["id", "sink", "protocol", "owner", "status", "delivery"],
    "properties": {
        **SUBSCRIPTION_REQUEST["properties"],  # type: ignore[dict-item]
        "id": {"type": "string"},
        "created": {"type": "string"},
        "updated": {"type": "string"},
        "status": {"type": "string", "enum": [store.ACTIVE, store.FAILING]},
        "delivery": {
            "type": "object",
            "properties": {
                "cursor": {"type": "string"},
                "failures": {"type": "integer"},
                "delivered": {"type": "integer"},
                "last_error": _ERROR_OR_NULL,
                "last_success": {"type": ["string", "null"]},
                "next_attempt": {"type": ["string", "null"]},
            },
        },
    },
}


HANDSHAKE = {
    "summary": "CloudEvents webhook validation: may a sender post events here?",
    "description": "With WebHook-Request-Origin, answers WebHook-Allowed-Origin (and WebHook-Allowed-Rate: * when a rate was asked) to a caller that may post events; without it, 204 with Allow.",
    "operationId": "eventsWebhookHandshake",
    "security": SECURED,
    "parameters": [
        {
            "name": "WebHook-Request-Origin",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
        },
        {
            "name": "WebHook-Request-Rate",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
        },
    ],
    "responses": {
        "200": {
            "description": "allowed",
            "headers": {
                "WebHook-Allowed-Origin": {"schema": {"type": "string"}},
                "WebHook-Allowed-Rate": {"schema": {"type": "string"}},
            },
        },
        "204": {"description": "no handshake was asked"},
        **_errors(401, 403, 429),
    },
}


def openapi_paths() -> dict[str, Any]:
    one = _json(SUBSCRIPTION, "the subscription")
    request = {"required": True, "content": {"application/json": {"schema": SUBSCRIPTION_REQUEST}}}
    ident = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    listed = {
        "type": "object",
        "required": ["subscriptions"],
        "properties": {"subscriptions": {"type": "array", "items": SUBSCRIPTION}},
    }
    return {
        "/api/events": {"options": HANDSHAKE},  # joins the core's GET and POST
        PATH: {
            "post": {
                "summary": "Create a subscription (CloudEvents Subscriptions API)",
                "operationId": "createSubscription",
                "security": SECURED,
                "requestBody": request,
                "responses": {"201": one, **_errors(400, 401, 403, 429, 502)},
            },
            "get": {
                "summary": "The subscriptions the caller may see (admins: all)",
                "operationId": "listSubscriptions",
                "security": SECURED,
                "responses": {"200": _json(listed, "the subscriptions"), **_errors(401, 403, 429)},
            },
        },
        PATH + "/{id}": {
            "get": {
                "parameters": ident,
                "summary": "One subscription with its delivery state",
                "operationId": "getSubscription",
                "security": SECURED,
                "responses": {"200": one, **_errors(401, 403, 404, 429)},
            },
            "put": {
                "parameters": ident,
                "summary": "Replace a subscription; it keeps its place in the log",
                "operationId": "updateSubscription",
                "security": SECURED,
                "requestBody": request,
                "responses": {"200": one, **_errors(400, 401, 403, 404, 429, 502)},
            },
            "delete": {
                "parameters": ident,
                "summary": "Delete a subscription",
                "operationId": "deleteSubscription",
                "security": SECURED,
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"deleted": {"type": "string"}}},
                        "deleted",
                    ),
                    **_errors(401, 403, 404, 429),
                },
            },
        },
        PATH + "/{id}/test": {
            "post": {
                "parameters": ident,
                "summary": "Send one test notification through the subscription's sink now",
                "operationId": "testSubscription",
                "security": SECURED,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "delivered": {"type": "boolean"},
                                "id": {"type": "string"},
                                "event": {"type": "string"},
                            },
                        },
                        "the sink accepted it",
                    ),
                    **_errors(401, 403, 404, 429, 502),
                },
            },
        },
    }
