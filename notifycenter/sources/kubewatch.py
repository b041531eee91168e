"""kubewatch's CloudEvents made readable: a summary and a severity from its `data`.

kubewatch's cloudevent handler posts `application/json` events of type
`KUBERNETES_TOPOLOGY_CHANGE` whose `data` holds `operation` (create, update, delete or
unknown), `kind`, `apiVersion`, `clusterUid`, `description` and the object itself
(`obj`, `oldObj`), with an empty `subject`. Deleting something is a WARNING; every other change is INFO.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KUBEWATCH_TYPE = "KUBERNETES_TOPOLOGY_CHANGE"
OPERATION_SEVERITY = {"delete": "WARNING"}
DEFAULT_SEVERITY = "INFO"
_PAST = {"create": "created", "update": "updated", "delete": "deleted"}


def is_kubewatch(event: Mapping[str, Any]) -> bool:
    data = event.get("data")
    return (
        event.get("type") == KUBEWATCH_TYPE
        and isinstance(data, dict)
        and isinstance(data.get("operation"), str)
    )


def enrich(event: dict[str, Any]) -> dict[str, Any]:
    """The event with `severitytext`, `subject` and `data.summary` filled when absent.

    Anything that is not kubewatch's, or already says these, is returned unchanged.
    """
    if not is_kubewatch(event):
        return event
    data: dict[str, Any] = dict(event["data"])
    operation = data["operation"].strip().lower()
    kind, namespace, name = _names(data)
    what = "/".join(part for part in (namespace, name) if part)
    resource = f"{kind} {what}".strip() if what else (kind or "resource")
    summary = f"{resource} {_PAST.get(operation, operation or 'changed')}"
    enriched = dict(event)
    data.setdefault("summary", summary)
    description = data.get("description")
    if isinstance(description, str) and description and description != data["summary"]:
        data.setdefault("details", description)
    enriched["data"] = data
    if "severitytext" not in event and "severitynumber" not in event:
        enriched["severitytext"] = OPERATION_SEVERITY.get(operation, DEFAULT_SEVERITY)
    if not event.get("subject"):  # kubewatch sends "subject": "" (no omitempty)
        enriched.pop("subject", None)
        if what:
            enriched["subject"] = f"{kind}/{what}" if kind else what
    enriched.setdefault("category", "system")
    return enriched


def _names(data: Mapping[str, Any]) -> tuple[str, str, str]:
    """kind, namespace and name: from `data` itself or the object's metadata."""
    obj = data.get("obj") if isinstance(data.get("obj"), dict) else data.get("oldObj")
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    kind = data.get("kind") or (obj.get("kind") if isinstance(obj, dict) else None)
    return (
        _text(kind),
        _text(data.get("namespace") or meta.get("namespace")),
        _text(data.get("name") or meta.get("name")),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
