"""Alertmanager's webhook payload (version 4) as notifycenter events, one per alert.

The id is stable across Alertmanager's repeats of a firing alert (fingerprint + startsAt),
so a repeat is a duplicate the log stores once. A resolved alert names the same event,
which the hub then resolves on the source's behalf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from notifycenter.catalogue.sources import INVALID_ALERTMANAGER_PAYLOAD
from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize
from notifycenter.model.severity import Severity, parse_severity

EVENT_TYPE = "io.prometheus.alertmanager.alert"
SOURCE_PREFIX = "urn:alertmanager:"

# The `severity` label's usual values (Prometheus' mixins, PagerDuty, Opsgenie); anything
# else that names a notifycenter severity is read as one, and the rest is WARNING.
SEVERITY_MAP: dict[str, Severity] = {
    "page": Severity.ALERT,
    "critical": Severity.CRITICAL,
    "high": Severity.ERROR,
    "error": Severity.ERROR,
    "major": Severity.ERROR,
    "warning": Severity.WARNING,
    "medium": Severity.WARNING,
    "minor": Severity.WARNING,
    "low": Severity.NOTICE,
    "info": Severity.INFO,
    "none": Severity.INFO,
}
DEFAULT_SEVERITY = Severity.WARNING


@dataclass(frozen=True, slots=True)
class MappedAlert:
    """One alert as an event, and whether Alertmanager says it is resolved."""

    event: dict[str, Any]
    resolved: bool

    @property
    def ref(self) -> str:
        return f"{self.event['source']}#{self.event['id']}"


def severity_of_label(value: object) -> Severity:
    if not isinstance(value, str):
        return DEFAULT_SEVERITY
    key = value.strip().lower()
    if key in SEVERITY_MAP:
        return SEVERITY_MAP[key]
    try:
        return parse_severity(key)
    except NotifyError:  # any unknown word: the documented default
        return DEFAULT_SEVERITY


def source_of(payload: Mapping[str, Any]) -> str:
    """`urn:alertmanager:<host:port of externalURL>`, else `urn:alertmanager:receiver:<name>`."""
    external = payload.get("externalURL")
    if isinstance(external, str) and external:
        try:
            host = urlsplit(external).netloc.rsplit("@", 1)[-1]
        except ValueError:  # `http://[::1`: named by its receiver instead, the alerts kept
            host = ""
        if host:
            return SOURCE_PREFIX + quote(host, safe=":[]")
    receiver = payload.get("receiver")
    name = receiver if isinstance(receiver, str) and receiver else "unknown"
    # A source is an ASCII URI-reference: a receiver called "team pager" is percent-encoded.
    return f"{SOURCE_PREFIX}receiver:{quote(name, safe='')}"


def map_payload(payload: object) -> list[MappedAlert]:
    """Every alert of a webhook payload; a catalogued error names the first bad part."""
    invalid = INVALID_ALERTMANAGER_PAYLOAD.error
    if not isinstance(payload, dict):
        raise invalid("the body must be a JSON object")
    version = payload.get("version")
    if version is not None and str(version) != "4":
        raise invalid(f"payload version {str(version)[:20]!r} is not 4")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise invalid("alerts must be a list")
    source = source_of(payload)
    common = _strings(payload.get("commonAnnotations"))
    mapped = []
    for index, alert in enumerate(alerts):
        try:
            mapped.append(_map_alert(alert, source, payload, common))
        except ValueError as exc:
            raise invalid(f"alert {index}: {exc}", index=index) from None
    return mapped


def _map_alert(
    alert: object, source: str, payload: Mapping[str, Any], common: dict[str, str]
) -> MappedAlert:
    if not isinstance(alert, dict):
        raise ValueError("an alert must be a JSON object")
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise ValueError(f"status {str(status)[:20]!r} is neither firing nor resolved")
    fingerprint, starts = alert.get("fingerprint"), alert.get("startsAt")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise ValueError("fingerprint is missing")
    if not isinstance(starts, str) or not starts:
        raise ValueError("startsAt is missing")
    if not isinstance(alert.get("labels"), dict):
        raise ValueError("labels must be an object of strings")
    labels = _strings(alert["labels"])
    annotations = {**common, **_strings(alert.get("annotations"))}
    severity = severity_of_label(labels.get("severity"))
    name = labels.get("alertname", "alert")
    data: dict[str, Any] = {
        "summary": annotations.get("summary") or annotations.get("message") or name,
        "metadata": {"labels": labels, "annotations": annotations, "status": status},
    }
    if annotations.get("description"):
        data["details"] = annotations["description"]
    links = _links(annotations.get("runbook_url"), alert.get("generatorURL"))
    if links:
        data["links"] = links
    if annotations.get("runbook_url"):
        data["error"] = {
            "code": name,
            "severity": severity.name,
            "probableCause": [annotations.get("description") or data["summary"]],
            "suggestedRemediation": [f"Follow the runbook: {annotations['runbook_url']}"],
        }
    receiver = payload.get("receiver")
    if isinstance(receiver, str):
        data["metadata"]["receiver"] = receiver
    event = {
        "specversion": "1.0",
        "id": f"{fingerprint}@{starts}",
        "source": source,
        "type": EVENT_TYPE,
        # Prometheus allows tabs and line breaks in label values, an attribute does not:
        # one such alert refused its whole webhook, which Alertmanager never sends again.
        "subject": " ".join(sanitize(name).split()) or "alert",
        "time": starts,
        "severitytext": severity.name,
        "category": "system",
        "datacontenttype": "application/json",
        "data": data,
    }
    return MappedAlert(event, resolved=status == "resolved")


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _links(runbook: str | None, generator: object) -> list[dict[str, str]]:
    links = []
    if runbook:
        links.append({"rel": "runbook", "href": runbook})
    if isinstance(generator, str) and generator:
        links.append({"rel": "generator", "href": generator})
    return links
