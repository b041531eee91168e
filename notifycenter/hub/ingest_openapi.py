"""OpenAPI paths of the ingest plug-in (`ingest_routes`): Alertmanager and plain-JSON CloudEvents."""

from __future__ import annotations

from typing import Any

from notifycenter.hub.openapi import SECURED, _errors, _json

_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
ALERT = {
    "type": "object",
    "required": ["status", "labels", "startsAt", "fingerprint"],
    "properties": {
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "labels": _LABELS,
        "annotations": _LABELS,
        "startsAt": {"type": "string"},
        "endsAt": {"type": "string"},
        "generatorURL": {"type": "string"},
        "fingerprint": {"type": "string"},
    },
}
WEBHOOK = {
    "type": "object",
    "required": ["alerts"],
    "properties": {
        "version": {"type": "string", "const": "4"},
        "groupKey": {"type": "string"},
        "truncatedAlerts": {"type": "integer"},
        "status": {"type": "string"},
        "receiver": {"type": "string"},
        "groupLabels": _LABELS,
        "commonLabels": _LABELS,
        "commonAnnotations": _LABELS,
        "externalURL": {"type": "string"},
        "alerts": {"type": "array", "items": ALERT},
    },
}
INGESTED = {
    "type": "object",
    "required": ["accepted", "duplicates", "resolved", "cursors"],
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer", "description": "repeats of an alert already stored"},
        "resolved": {"type": "integer", "description": "events resolved by this notification"},
        "cursors": {"type": "array", "items": {"type": "string"}},
    },
}


def paths() -> dict[str, Any]:
    return {
        "/api/ingest/alertmanager": {
            "post": {
                "summary": "Ingest an Alertmanager webhook notification (payload version 4)",
                "description": "One event per alert (id: fingerprint@startsAt); a resolved alert resolves its event. Atomic; durable before 202.",
                "operationId": "postAlertmanagerWebhook",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": WEBHOOK}},
                },
                "responses": {
                    "202": _json(INGESTED, "stored durably"),
                    **_errors(400, 401, 403, 413, 429, 503),
                },
            }
        },
        "/api/ingest/cloudevents-json": {
            "post": {
                "summary": "Ingest CloudEvents sent as application/json (an object or an array)",
                "description": "Read as structured (object) or batched (array) mode; kubewatch's events get a summary and severity.",
                "operationId": "postCloudEventsJson",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/CloudEvent"},
                                    {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/CloudEvent"},
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "202": _json({"$ref": "#/components/schemas/Accepted"}, "stored durably"),
                    **_errors(400, 401, 403, 413, 415, 429),
                },
            }
        },
    }
