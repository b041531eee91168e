"""Hub plug-in: the hub's sources run with it, and `GET /api/sources` shows them.

The sources (`--source URL`, `[[hub.sources]]`) start after the log opens and stop
before it closes; with replicas, each runs on the replica holding its `source:<name>`
lease, and every replica lists them all. Their checkpoints and pending write-backs live
in the hub's database (`notifycenter.sources.checkpoints`), committed with the events
they concern.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifycenter.hub.auth import Permission, authorize
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.openapi import SECURED, _errors, _json
from notifycenter.hub.responses import answer
from notifycenter.model.wire import Sources
from notifycenter.sources.checkpoints import SourcesProjection
from notifycenter.sources.runner import SourceRunner, SourceState

SOURCES_PATH = "/api/sources"


def projection() -> SourcesProjection:
    return SourcesProjection()


def _projection(hub: Hub) -> SourcesProjection | None:
    return next((p for p in hub.log.projections if isinstance(p, SourcesProjection)), None)


def routes(hub: Hub) -> list[Route]:
    found = _projection(hub)
    if found is not None:
        found.runner = SourceRunner(getattr(hub.settings, "sources", ()))
        found.prefixes = found.runner.writeback_prefixes  # on every replica, from the config

    async def get_sources(request: Request) -> Response:
        authorize(hub, request, Permission.READ)
        runner = found.runner if found is not None else None
        listed: Sources = {"sources": await runner.current_view(hub) if runner is not None else []}
        return answer(listed)

    return [Route(SOURCES_PATH, get_sources, methods=["GET"])]


async def start(hub: Hub) -> None:
    found = _projection(hub)
    if found is not None and found.runner is not None:
        found.runner.start(hub)


async def stop(hub: Hub) -> None:
    found = _projection(hub)
    if found is not None and found.runner is not None:
        await found.runner.stop()


_ERROR_OR_NULL = {"oneOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]}
SOURCE = {
    "type": "object",
    "required": [
        "name",
        "url",
        "kind",
        "state",
        "since",
        "last_contact",
        "events_taken",
        "skipped",
        "error",
    ],
    "properties": {
        "name": {"type": "string"},
        "url": {"type": "string", "description": "the source's URL (never with credentials)"},
        "kind": {"type": "string", "examples": ["meshery"]},
        "state": {"type": "string", "enum": [s.value for s in SourceState]},
        "since": {"type": "string", "description": "when the source entered this state"},
        "last_contact": {"type": ["string", "null"]},
        "events_taken": {"type": "integer", "description": "new events stored since start"},
        "skipped": {
            "type": "integer",
            "description": "messages of the origin skipped since start: not valid events",
        },
        "dropped": {
            "type": "integer",
            "description": "messages lost since start before the hub read them: the origin"
            " dropped them because the hub fell behind (core NATS); absent from a status an"
            " older replica recorded",
        },
        "error": _ERROR_OR_NULL,
    },
}


def openapi_paths() -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["sources"],
        "properties": {"sources": {"type": "array", "items": SOURCE}},
    }
    return {
        SOURCES_PATH: {
            "get": {
                "summary": "The hub's sources and their state",
                "description": "Each source configured with --source or [[hub.sources]]: state (connecting, resyncing, following, failing with a catalogued error), last contact, events taken, messages skipped.",
                "operationId": "getSources",
                "security": SECURED,
                "responses": {"200": _json(schema, "the sources"), **_errors(401, 403, 429)},
            }
        }
    }
