"""Validate and normalise incoming CloudEvents.

Validation is strict where CloudEvents says MUST and runs before anything reaches the
`cloudevents` SDK, which would invent a missing `id` (turning a retry into a duplicate)
and default a missing `specversion`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifycenter.catalogue import event as codes
from notifycenter.model.errorpayload import normalise_error_payload
from notifycenter.model.severity import (
    Bucket,
    Severity,
    bucket_of,
    parse_severity,
    severity_from_number,
)

EXTENSION_NAME = re.compile(r"^[a-z0-9]+$")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
REQUIRED = ("id", "source", "type")
# Attributes that hold payload, not context: never extension names.
PAYLOAD_KEYS = frozenset({"data", "data_base64"})
HUB_ATTRIBUTES = frozenset({"cursor"})
# Names every event carries: valid without the regex (a set lookup is ~10x cheaper).
CONTEXT_ATTRIBUTES = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "datacontenttype",
        "dataschema",
        "severitytext",
        "severitynumber",
        "category",
        "traceparent",
    }
)


def validate_event(raw: object) -> dict[str, Any]:
    """Return the event in structured JSON form, normalised; raise a catalogued error.

    Normalising sets both severity attributes (text wins when both are given), drops
    null attributes and a producer's `cursor`, and rewrites the error payload to the
    canonical shape. The input mapping is not modified.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # the ABC check is the slow one
        raise codes.INVALID_EVENT.error("an event must be a JSON object")
    event = {k: v for k, v in raw.items() if v is not None and k not in HUB_ATTRIBUTES}
    _check_specversion(event)
    _check_names_and_types(event)
    for name in REQUIRED:
        if not isinstance(event.get(name), str) or not event[name]:
            raise codes.INVALID_EVENT.error(f"attribute {name!r} is missing or empty")
    _check_time(event.get("time"))
    _check_traceparent(event.get("traceparent"))
    _normalise_severity(event)
    data = event.get("data")
    if type(data) is dict or isinstance(data, Mapping):
        event["data"] = normalise_error_payload(data)
    return event


def _check_specversion(event: Mapping[str, Any]) -> None:
    version = event.get("specversion")
    if version != "1.0":
        detail = (
            "specversion is missing" if version is None else f'specversion {version!r} is not "1.0"'
        )
        raise codes.UNSUPPORTED_SPECVERSION.error(detail)


def _check_names_and_types(event: Mapping[str, Any]) -> None:
    for name, value in event.items():
        if name in PAYLOAD_KEYS:
            continue
        if name not in CONTEXT_ATTRIBUTES and (
            not isinstance(name, str) or not EXTENSION_NAME.match(name)
        ):
            raise codes.INVALID_EXTENSION_NAME.error(
                f"attribute name {name!r} is not lower-case a-z0-9"
            )
        if not isinstance(value, (str, int)):  # bool is an int: CloudEvents Boolean
            raise codes.INVALID_EVENT.error(
                f"attribute {name!r} must be a string, integer or boolean, not {type(value).__name__}"
            )
    if "data" in event and "data_base64" in event:
        raise codes.INVALID_EVENT.error("an event carries data or data_base64, not both")


def _check_time(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not RFC3339.match(value):
        raise codes.INVALID_TIME.error(f"time {value!r} is not RFC 3339")
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise codes.INVALID_TIME.error(f"time {value!r} is not a real date and time") from None


def _check_traceparent(value: Any) -> None:
    if value is None:
        return
    match = TRACEPARENT.match(value) if isinstance(value, str) else None
    if not match or set(match[1]) == {"0"} or set(match[2]) == {"0"} or match[3] == "ff":
        raise codes.INVALID_TRACEPARENT.error(
            f"traceparent {value!r} is not 00-<trace>-<span>-<flags>"
        )


def _normalise_severity(event: dict[str, Any]) -> None:
    text, number = event.get("severitytext"), event.get("severitynumber")
    if text is not None:
        severity = parse_severity(text)
        if number is not None:
            severity_from_number(number)  # still reject garbage, even if text wins
    elif number is not None:
        severity = severity_from_number(number)
    else:
        severity = Severity.INFO
    event["severitytext"] = severity.name
    event["severitynumber"] = int(severity)


def severity_of(event: Mapping[str, Any]) -> Severity:
    """The severity of an event that went through `validate_event`."""
    return parse_severity(event.get("severitytext", "INFO"))


def bucket_of_event(event: Mapping[str, Any]) -> Bucket:
    return bucket_of(severity_of(event), event.get("category"))


def span_ids(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(trace id, span id) of the operation that emitted the event, if any (docs/operations.md)."""
    match = TRACEPARENT.match(event.get("traceparent") or "")
    return (match[1], match[2]) if match else None


@dataclass(frozen=True)
class NotificationText:
    """What an operator reads: raw (unsanitised) strings picked out of the payload."""

    summary: str
    details: str
    code: str
    causes: tuple[str, ...]
    remedies: tuple[str, ...]


def describe(event: Mapping[str, Any]) -> NotificationText:
    error = _mapping(_mapping(event.get("data")).get("error"))
    summary, details, code = summary_details_code(event)
    return NotificationText(
        summary=summary,
        details=details,
        code=code,
        causes=tuple(error.get("probableCause") or ()),
        remedies=tuple(error.get("suggestedRemediation") or ()),
    )


def summary_details_code(event: Mapping[str, Any]) -> tuple[str, str, str]:
    """`describe` without building its object: the hub indexes every event with it."""
    data = _mapping(event.get("data"))
    error = _mapping(data.get("error"))
    short = error.get("shortDescription") or []
    summary = (
        _text(data.get("summary"))
        or _text(data.get("description"))
        or (short[0] if short else "")
        or _text(event.get("subject"))
        or str(event.get("type", ""))
    )
    details = _text(data.get("details")) or "\n".join(error.get("longDescription") or [])
    return summary, details, _text(error.get("code"))


def _mapping(value: Any) -> Mapping[str, Any]:
    # `type is dict` first: the ABC check costs ~3 µs, which shows when a store adds millions.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
