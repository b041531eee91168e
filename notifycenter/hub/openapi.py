"""The OpenAPI 3.1 document served at /openapi.json (docs/api.md in machine-readable form).

Plug-ins add their paths with an optional `openapi_paths() -> dict` in their module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from notifycenter import __version__
from notifycenter.model.operations import State

ERROR = {"$ref": "#/components/responses/Error"}
NOT_ALLOWED = {"$ref": "#/components/responses/MethodNotAllowed"}
_STR = {"type": "string"}
_CURSOR = {
    "type": "string",
    "pattern": "^[0-9]{1,19}$",
    "description": "16-digit zero-padded log position (on input: any decimal up to 2^63-1)",
}


def _param(
    name: str,
    description: str,
    schema: dict[str, Any] | None = None,
    where: str = "query",
    required: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required,
        "description": description,
        "schema": schema or _STR,
    }


def _errors(*statuses: int) -> dict[str, Any]:
    """Catalogued error answers; every operation also answers 405 to other methods."""
    return {**{str(status): ERROR for status in statuses}, "405": NOT_ALLOWED}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


FILTER_PARAMS = [
    _param("bucket", "errors, warnings, infos, audit (repeatable or comma-separated)"),
    _param("severity", "minimum severity, any spelling (warn, ERROR, ...)"),
    _param(
        "status",
        "unread read acknowledged unacked resolved archived open",
        {
            "type": "string",
            "enum": ["unread", "read", "acknowledged", "unacked", "resolved", "archived", "open"],
        },
    ),
    _param(
        "owner",
        "who owns it: a user, me (the caller) or none; like status, lists only (the stream"
        " sends new events, which nobody owns yet)",
    ),
    _param(
        "silenced",
        "true: only what a silence in force keeps quiet; false: the rest (lists only)",
        {"type": "string", "enum": ["true", "false"]},
    ),
    _param("source", "source prefix"),
    _param("type", "type prefix"),
    _param("q", "text in summary, details, subject, source, type or error code (case-insensitive)"),
    _param("operation", "span id of an operation: its events"),
    _param(
        "operation_tree",
        "1: also the events of its sub-operations",
        {"type": "string", "enum": ["0", "1"]},
    ),
    _param("filter", "CESQL expression"),
    _param("filters", "Subscriptions API filters, JSON"),
    _param("lifecycle", "1 to include lifecycle events", {"type": "string", "enum": ["0", "1"]}),
]
PAGE_PARAMS = [
    _param("before", "strictly older than this cursor", _CURSOR),
    _param("after", "strictly newer than this cursor", _CURSOR),
    _param("limit", "default 100", {"type": "integer", "minimum": 1, "maximum": 1000}),
]
SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {}]
HEALTH = {
    "type": "object",
    "required": ["status", "last_cursor"],
    "properties": {"status": {"type": "string", "enum": ["ok"]}, "last_cursor": _CURSOR},
}

FAILING_PART = {
    "type": "object",
    "required": ["part", "code", "shortDescription", "detail", "since", "failures"],
    "properties": {
        "part": {"type": "string", "description": "writer, checkpoint, publisher, …"},
        "code": _STR,
        "shortDescription": _STR,
        "detail": _STR,
        "since": {"type": "string", "description": "RFC 3339, when it began failing"},
        "failures": {"type": "integer"},
    },
}
# A degraded hub: the catalogued error (notifycenter-1705) plus each failing part.
DEGRADED = {
    "allOf": [
        {"$ref": "#/components/schemas/Error"},
        {
            "type": "object",
            "required": ["status", "last_cursor", "failing"],
            "properties": {
                "status": {"type": "string", "enum": ["degraded"]},
                "last_cursor": _CURSOR,
                "failing": {"type": "array", "items": FAILING_PART},
            },
        },
    ]
}


def _paths() -> dict[str, Any]:
    lifecycle_verbs = [
        "read",
        "unread",
        "ack",
        "unack",
        "resolve",
        "reopen",
        "archive",
        "assign",
        "take",
        "release",
    ]
    return {
        "/api/events": {
            "post": {
                "summary": "Ingest CloudEvents (binary, structured or batched HTTP binding)",
                "operationId": "postEvents",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/cloudevents+json": {
                            "schema": {"$ref": "#/components/schemas/CloudEvent"}
                        },
                        "application/cloudevents-batch+json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/CloudEvent"},
                            }
                        },
                        "*/*": {
                            "schema": {"description": "binary mode: attributes in ce-* headers"}
                        },
                    },
                },
                "responses": {
                    "202": {
                        **_json({"$ref": "#/components/schemas/Accepted"}, "stored durably"),
                        "links": {
                            "GetFirstAccepted": {
                                "operationId": "getEvent",
                                "parameters": {"ref": "$response.body#/cursors/0"},
                            },
                            "ListAfterFirstAccepted": {
                                "operationId": "listEvents",
                                "parameters": {"after": "$response.body#/cursors/0"},
                            },
                        },
                    },
                    **_errors(400, 401, 403, 413, 415, 429),
                },
            },
            "get": {
                "summary": "List events, newest first",
                "operationId": "listEvents",
                "security": SECURED,
                "parameters": FILTER_PARAMS + PAGE_PARAMS,
                "responses": {
                    "200": {
                        **_json({"$ref": "#/components/schemas/Page"}, "a page of records"),
                        "links": {
                            "GetFirstListed": {
                                "operationId": "getEvent",
                                "parameters": {"ref": "$response.body#/items/0/cursor"},
                            },
                            "NextPage": {
                                "operationId": "listEvents",
                                "parameters": {"before": "$response.body#/next"},
                            },
                        },
                    },
                    **_errors(400, 401, 403, 429),
                },
            },
        },
        "/api/events/{ref}": {
            "get": {
                "summary": "One event with its lifecycle history",
                "operationId": "getEvent",
                "security": SECURED,
                "parameters": [
                    _param("ref", "cursor, source#id or id", where="path", required=True)
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/RecordWithHistory"}, "the record"),
                    **_errors(401, 403, 404, 409, 429),
                },
            }
        },
        "/api/summary": {
            "get": {
                "summary": "Counts per bucket",
                "operationId": "getSummary",
                "security": SECURED,
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Summary"}, "counts"),
                    **_errors(401, 403, 429),
                },
            }
        },
        "/api/lifecycle/{verb}": {
            "post": {
                "summary": "Change notifications' lifecycle by refs or by filter",
                "operationId": "changeLifecycle",
                "security": SECURED,
                "parameters": [
                    _param(
                        "verb",
                        "the change",
                        {"type": "string", "enum": lifecycle_verbs},
                        where="path",
                        required=True,
                    )
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/LifecycleRequest"}
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/LifecycleResult"}, "recorded"),
                    **_errors(400, 401, 403, 404, 409, 413, 429),
                },
            }
        },
        "/api/stream": {
            "get": {
                "summary": "WebSocket stream (subprotocol notifycenter.batch.json or cloudevents.json):"
                " replay from since, then live",
                "description": "Under notifycenter.batch.json (offered first), a JSON array of "
                "structured CloudEvents with cursor per text frame, in log order; under "
                "cloudevents.json, one per text frame. A subscriber that "
                "cannot keep up is closed with 1013 and resumes with since=<last cursor>.",
                "operationId": "stream",
                "security": SECURED,
                "parameters": [
                    _param(
                        "since",
                        "replay after this cursor (0: whole log; absent: live only)",
                        _CURSOR,
                    ),
                    _param(
                        "access_token",
                        "the token, for clients (browsers) that cannot send Authorization;"
                        " a Sec-WebSocket-Protocol entry bearer.<token> works too",
                    ),
                    *FILTER_PARAMS,
                ],
                "responses": {
                    "101": {"description": "switching to WebSocket"},
                    **_errors(400, 401, 403, 429),
                },
            }
        },
        # Served by the operations plug-in (docs/operations.md); it may refine these.
        "/api/operations": {
            "get": {
                "summary": "Operations, newest first",
                "operationId": "listOperations",
                "security": SECURED,
                "parameters": [
                    _param("state", "pending running succeeded failed cancelled stalled"),
                    _param(
                        "root", "1: root operations only", {"type": "string", "enum": ["0", "1"]}
                    ),
                    _param("parent", "children of this operation (its span id)"),
                    _param("trace", "operations of this trace id"),
                    _param("source", "source prefix"),
                    _param(
                        "since",
                        "news since a cursor, an RFC 3339 time with a zone,"
                        " or a duration back from now (2h)",
                    ),
                    _param(
                        "filter",
                        "CESQL over id traceid parent name state source startedby subject"
                        " message startedat endedat progress done total children",
                    ),
                    _param(
                        "limit", "default 100", {"type": "integer", "minimum": 1, "maximum": 1000}
                    ),
                    _param(
                        "offset",
                        "the next of the previous page",
                        {"type": "integer", "minimum": 0, "maximum": 1 << 40},
                    ),
                ],
                "responses": {
                    "200": {
                        **_json({"$ref": "#/components/schemas/OperationPage"}, "operations"),
                        "links": {
                            "GetFirstOperation": {
                                "operationId": "getOperation",
                                "parameters": {"id": "$response.body#/items/0/id"},
                            }
                        },
                    },
                    **_errors(400, 401, 403, 429),
                },
            }
        },
        "/api/operations/{id}": {
            "get": {
                "summary": "One operation with its sub-operations and events",
                "operationId": "getOperation",
                "security": SECURED,
                "parameters": [
                    _param("id", "the operation's span id", where="path", required=True),
                    _param(
                        "events",
                        "latest events per operation, default 50",
                        {"type": "integer", "minimum": 0, "maximum": 500},
                    ),
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/OperationTree"}, "the operation"),
                    **_errors(400, 401, 403, 404, 429),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness and the newest cursor",
                "operationId": "healthz",
                "responses": {
                    "200": _json(HEALTH, "every part works"),
                    "503": _json(DEGRADED, "degraded: each failing part with its code"),
                    "405": NOT_ALLOWED,
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "operationId": "metrics",
                "responses": {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": _STR}},
                    },
                    "405": NOT_ALLOWED,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {
                    "200": _json({"type": "object"}, "OpenAPI 3.1"),
                    "405": NOT_ALLOWED,
                },
            }
        },
    }


def _schemas() -> dict[str, Any]:
    nullable = {"type": ["string", "null"]}
    record = {
        "type": "object",
        "required": ["cursor", "event", "bucket", "status"],
        "properties": {
            "cursor": _CURSOR,
            "event": {"$ref": "#/components/schemas/CloudEvent"},
            "bucket": {"enum": ["errors", "warnings", "infos", "audit"]},
            "status": {"enum": ["unread", "read", "acknowledged", "resolved", "archived", None]},
            "read": {"type": ["boolean", "null"]},
            **{
                name: nullable
                for name in (
                    "acknowledged_by",
                    "acknowledged_at",
                    "comment",
                    "until",
                    "resolved_by",
                    "resolved_at",
                    "archived_by",
                    "archived_at",
                    "owner",
                )
            },
            "silenced": {
                "type": "boolean",
                "description": "a silence in force keeps it quiet (its event's `silence` names it)",
            },
        },
    }
    counts = {
        "type": "object",
        "properties": {
            **{k: {"type": "integer"} for k in ("total", "unacknowledged", "unread", "open")},
            "silenced": {
                "type": "integer",
                "description": "open notifications a silence in force keeps quiet:"
                " not counted in unacknowledged, unread or open until it ends",
            },
        },
    }
    return {
        "CloudEvent": {
            "type": "object",
            "required": ["specversion", "id", "source", "type"],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": _STR,
                "source": _STR,
                "type": _STR,
                "time": _STR,
                "subject": _STR,
                "severitytext": _STR,
                "severitynumber": {"type": "integer"},
                "traceparent": _STR,
                "cursor": _CURSOR,
                "data": {},
            },
            "additionalProperties": True,
        },
        "Accepted": {
            "type": "object",
            "properties": {
                "accepted": {"type": "integer"},
                "duplicates": {"type": "integer"},
                "cursors": {"type": "array", "items": _CURSOR},
            },
        },
        "Record": record,
        "RecordWithHistory": {
            "allOf": [
                {"$ref": "#/components/schemas/Record"},
                {
                    "type": "object",
                    "properties": {
                        "history": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/CloudEvent"},
                        }
                    },
                },
            ]
        },
        "Page": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                "next": {"type": ["string", "null"]},
                "cut_off": {
                    "$ref": "#/components/schemas/Error",
                    "description": "notifycenter-2110: the scan stopped at its time budget;"
                    " continue with before=<next>",
                },
            },
        },
        "Summary": {
            "type": "object",
            "properties": {
                "buckets": {
                    "type": "object",
                    "properties": {b: counts for b in ("errors", "warnings", "infos", "audit")},
                },
                "last_cursor": _CURSOR,
            },
        },
        "LifecycleRequest": {
            "type": "object",
            "properties": {
                "refs": {"type": "array", "items": _STR},
                "filter": {"type": "object", "description": "the list's query parameters"},
                "comment": {
                    "type": "string",
                    "description": "why; kept in the history, on every verb",
                },
                "until": {
                    "type": "string",
                    "description": "ack, assign, take: RFC 3339, a duration (2h), or resolved",
                },
                "to": {"type": "string", "description": "assign only (required): the new owner"},
            },
        },
        "LifecycleResult": {
            "type": "object",
            "properties": {
                "changed": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "cursors": {"type": "array", "items": _CURSOR},
            },
        },
        "Error": {
            "type": "object",
            "required": ["code", "severity", "shortDescription"],
            "properties": {
                "code": {"type": "string", "pattern": "^notifycenter-[0-9]{4}$"},
                "severity": _STR,
                **{
                    k: {"type": "array", "items": _STR}
                    for k in (
                        "shortDescription",
                        "longDescription",
                        "probableCause",
                        "suggestedRemediation",
                    )
                },
                "index": {"type": "integer", "description": "the failing event of a batch"},
                "request_id": {
                    "type": "string",
                    "description": "500 only: the id the hub's log names the failure with",
                },
                "ref": {"type": "string", "description": "the event reference at fault"},
                "line": {"type": "integer", "description": "CESQL: where parsing stopped"},
                "column": {"type": "integer", "description": "CESQL: where parsing stopped"},
                "expression": {"type": "string", "description": "CESQL: the expression refused"},
                "passes": {"type": "integer", "description": "CESQL: reads of the event text"},
                "kind": {"type": "string", "description": "CESQL: the class of evaluation error"},
                "path": {"type": "string", "description": "the file or filter at fault"},
                "url": {"type": "string", "description": "the address that did not answer"},
                "field": {"type": "string", "description": "the event field JSON cannot carry"},
                "log_start": {**_CURSOR, "description": "410: where the pruned log now starts"},
            },
        },
    }


def _operation_schemas() -> dict[str, Any]:
    """An operation as listed (`children` a count) and as a tree (`children` nested)."""
    number = {"type": ["number", "null"]}
    nullable = {"type": ["string", "null"]}
    fields: dict[str, Any] = {
        "id": _STR,
        "trace_id": nullable,
        "parent": nullable,
        "name": _STR,
        "state": {"enum": [s.value for s in State]},
        "progress": {**number, "description": "0 to 1; null when unknown"},
        "done": number,
        "total": number,
        "message": nullable,
        "source": _STR,
        "started_by": _STR,
        "subject": nullable,
        "started_at": nullable,
        "ended_at": nullable,
        "last_heard": nullable,
        "duration": {**number, "description": "seconds, to the end or to now"},
        "eta": {**number, "description": "seconds left at the pace so far"},
        "finished_children": {"type": "integer"},
        "event_count": {"type": "integer"},
        "error": {"type": ["object", "null"], "description": "the failure the producer reported"},
        "cursor": {**nullable, "description": "the last entry that changed it"},
    }
    where = {
        "stall_after": {"type": "number", "description": "seconds without news before stalled"},
        "last_cursor": _CURSOR,
    }
    node = {
        "type": "object",
        "required": [*fields, "children", "events"],
        "properties": {
            **fields,
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/OperationNode"}},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/CloudEvent"}},
        },
    }
    step = {"type": "object", "properties": {"id": _STR, "name": _STR}}
    return {
        "Operation": {
            "type": "object",
            "required": [*fields, "children"],
            "properties": {**fields, "children": {"type": "integer"}},
        },
        "OperationNode": node,
        "OperationTree": {
            "allOf": [
                {"$ref": "#/components/schemas/OperationNode"},
                {
                    "type": "object",
                    "required": ["path", *where],
                    "properties": {
                        "path": {"type": "array", "items": step, "description": "root first"},
                        **where,
                    },
                },
            ]
        },
        "OperationPage": {
            "type": "object",
            "required": ["items", "next", *where],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Operation"}},
                "next": {**nullable, "description": "the offset of the next page"},
                "cut_off": {
                    "$ref": "#/components/schemas/Error",
                    "description": "notifycenter-2110: a filter's scan stopped at its time"
                    " budget; continue with offset=<next>",
                },
                **where,
            },
        },
    }


def merge_paths(paths: dict[str, Any], extra: Mapping[str, Any], origin: str) -> None:
    """Add a plug-in's path items: a method on a path the core (or another plug-in)
    documents joins that path's item instead of replacing it."""
    for path, item in extra.items():
        known = paths.setdefault(path, {})
        taken = sorted(set(known) & set(item))
        if taken:
            raise ValueError(f"{origin} documents {path} {', '.join(taken)} a second time")
        known.update(item)


def openapi_document(plugin_modules: Iterable[Any] = ()) -> dict[str, Any]:
    paths = _paths()
    for module in plugin_modules:
        extra = getattr(module, "openapi_paths", None)
        if callable(extra):
            merge_paths(paths, extra(), module.__name__)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "notifycenter hub",
            "version": __version__,
            "description": "Notifications and operations of cloud native infrastructure (docs/api.md).",
        },
        "paths": paths,
        "components": {
            "schemas": {**_schemas(), **_operation_schemas()},
            "responses": {
                "Error": {
                    **_json({"$ref": "#/components/schemas/Error"}, "a catalogued error"),
                    "headers": {
                        "Retry-After": {
                            "description": "429 only: seconds to wait before retrying",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    },
                },
                "MethodNotAllowed": {
                    **_json(
                        {"$ref": "#/components/schemas/Error"},
                        "notifycenter-1106: the path does not take this method",
                    ),
                    "headers": {
                        "Allow": {"description": "the methods the path takes", "schema": _STR}
                    },
                },
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
