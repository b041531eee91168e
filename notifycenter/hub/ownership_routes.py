"""Hub plug-in: timed acks expire on the hub, and `GET /api/whoami` names the caller.

A client needs its own user name to select what it owns (`owner:me` in the TUI, which
filters locally); the hub resolves `owner=me` itself for lists and bulk changes.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifycenter.hub.auth import Permission, authorize
from notifycenter.hub.expiry import AckExpiry, ExpiryWatch
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.openapi import SECURED, _errors, _json
from notifycenter.hub.responses import answer
from notifycenter.model.protocol import Role
from notifycenter.model.wire import Identity

WHOAMI_PATH = "/api/whoami"


def projection() -> ExpiryWatch:
    return ExpiryWatch()


def _watch(hub: Hub) -> ExpiryWatch | None:
    return next((p for p in hub.log.projections if isinstance(p, ExpiryWatch)), None)


def routes(hub: Hub) -> list[Route]:
    async def whoami(request: Request) -> Response:
        principal = authorize(hub, request, Permission.READ)
        # An open hub lets anyone do anything, as an admin token would.
        role = principal.token.role.value if principal.token is not None else Role.ADMIN.value
        identity: Identity = {"user": principal.user, "role": role}
        return answer(identity)

    return [Route(WHOAMI_PATH, whoami, methods=["GET"])]


async def start(hub: Hub) -> None:
    watch = _watch(hub)
    if watch is not None:
        watch.expiry = AckExpiry(hub.log, hub.settings.hub_source, hub.health, watch)
        watch.expiry.start()


async def stop(hub: Hub) -> None:
    watch = _watch(hub)
    if watch is not None and watch.expiry is not None:
        await watch.expiry.stop()
        watch.expiry = None


def openapi_paths() -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["user", "role"],
        "properties": {
            "user": {"type": "string", "description": "the token's user; anonymous on an open hub"},
            "role": {"type": "string", "enum": ["viewer", "producer", "operator", "admin"]},
        },
    }
    return {
        WHOAMI_PATH: {
            "get": {
                "summary": "The caller's user and role",
                "description": "Who the token belongs to: the user that lifecycle changes record as actor and that owner=me selects.",
                "operationId": "whoami",
                "security": SECURED,
                "responses": {"200": _json(schema, "the caller"), **_errors(401, 403, 429)},
            }
        }
    }
