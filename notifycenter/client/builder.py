"""Build events the short way: keyword shortcuts for the payload, and error events from
exceptions that carry a code, probable causes and remediations (MeshKit's shape)."""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from notifycenter.catalogue import client as client_codes
from notifycenter.catalogue import event as event_codes
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import format_time
from notifycenter.model.severity import Severity, parse_severity
from notifycenter.model.tracecontext import current_traceparent

MAX_EVENT_BYTES = 64 * 1024  # what the hub accepts for one event
ERROR_TYPE = "io.meshery.error"


def build_event(
    base: Mapping[str, Any] | None = None, /, *, default_source: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A validated, normalised CloudEvent from a mapping and/or keyword fields.

    Shortcuts: severity (name, number or `Severity`), summary, details, code, causes,
    remedies, data (merged into the payload). Any other keyword is a CloudEvents attribute
    (type, subject, category, correlationid, id, time, traceparent, …). Missing
    specversion, id, time and source are filled; so is traceparent inside an operation.
    """
    event = dict(base or {})
    payload = _payload(event.pop("data", None), fields)
    _set_severity(event, fields.pop("severity", None))
    event.update({name: value for name, value in fields.items() if value is not None})
    if payload is not None:
        event["data"] = payload
        event.setdefault("datacontenttype", "application/json")
    event.setdefault("specversion", "1.0")
    event.setdefault("id", str(uuid.uuid4()))
    event.setdefault("time", format_time(datetime.now(UTC)))
    if default_source is not None:
        event.setdefault("source", default_source)
    if "traceparent" not in event and current_traceparent.get() is not None:
        event["traceparent"] = current_traceparent.get()
    normalised = validate_event(event)
    _check_size(normalised)
    return normalised


def _payload(data: Any, fields: dict[str, Any]) -> Any:
    extra = fields.pop("data", None)
    shortcuts = {
        name: fields.pop(name, None)
        for name in ("summary", "details", "code", "causes", "remedies")
    }
    plain = all(value is None for value in shortcuts.values())
    if plain and (extra is None or (data is None and not isinstance(extra, Mapping))):
        return data if extra is None else extra  # a list or a scalar is data too
    if not (_mapping_or_none(data) and _mapping_or_none(extra)):
        raise event_codes.INVALID_EVENT.error(
            "data must be an object to add summary, details or an error to it"
        )
    payload = {**(data or {}), **(extra or {})}
    for name in ("summary", "details"):
        if shortcuts[name] is not None:
            payload[name] = shortcuts[name]
    error = dict(payload.get("error") or {})
    if shortcuts["code"] is not None:
        error["code"] = shortcuts["code"]
    if shortcuts["causes"] is not None:
        error["probableCause"] = _strings(shortcuts["causes"])
    if shortcuts["remedies"] is not None:
        error["suggestedRemediation"] = _strings(shortcuts["remedies"])
    if error:
        payload["error"] = error
    return payload


def _strings(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _set_severity(event: dict[str, Any], severity: Any) -> None:
    if severity is None:
        return
    if isinstance(severity, Severity):
        event["severitytext"] = severity.name
    elif isinstance(severity, int) and not isinstance(severity, bool):
        event["severitynumber"] = severity
    else:
        event["severitytext"] = severity
    if "severitytext" in event and "severitynumber" in event and isinstance(severity, str):
        del event["severitynumber"]  # the new text must win over a number from `base`


def _mapping_or_none(value: Any) -> bool:
    return value is None or isinstance(value, Mapping)


def _check_size(event: Mapping[str, Any]) -> None:
    try:
        size = len(orjson.dumps(event))
    except TypeError as exc:  # orjson.JSONEncodeError
        field, kind = _first_unwritable(event, "")
        raise client_codes.EVENT_NOT_JSON.error(
            f"{field[:200] or 'the event'} holds {kind}, which JSON cannot carry ({exc})",
            field=field[:200],
        ) from None
    if size > MAX_EVENT_BYTES:
        raise event_codes.EVENT_TOO_LARGE.error(
            f"the event is {size} bytes; at most {MAX_EVENT_BYTES} are accepted"
        )


def _first_unwritable(value: Any, path: str) -> tuple[str, str]:
    """Where in `value` (which orjson cannot write) the culprit is, and what it is.

    Descends while a child cannot be written either; when every child can, the value
    itself is the culprit (nested too deep, or a type orjson does not know).
    """
    children: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        for key, child in value.items():
            if not isinstance(key, str):
                return path, f"a key of type {type(key).__name__} ({key!r:.40})"
            children.append((f"{path}.{key}" if path else key, child))
    elif isinstance(value, (list, tuple)):
        children = [(f"{path}[{index}]", child) for index, child in enumerate(value)]
    for child_path, child in children:
        if not _writable(child):
            return _first_unwritable(child, child_path)
    if isinstance(value, int) and not isinstance(value, bool):
        return path, "an integer outside the 64-bit range"
    kind = type(value).__name__
    return path, (f"a {kind} nested too deeply" if children else f"a value of type {kind}")


def _writable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True


def error_fields(exc: BaseException) -> dict[str, Any]:
    """Summary, details and the error object of an exception, as `build_event` shortcuts."""
    if isinstance(exc, NotifyError):
        return {
            "severity": _known_severity(exc.severity),
            "summary": " ".join(exc.short_description) or exc.code,
            "details": "\n".join(exc.long_description) or None,
            "data": {
                "error": {
                    "code": exc.code,
                    "severity": exc.severity,
                    "shortDescription": exc.short_description,
                    "longDescription": exc.long_description,
                    "probableCause": exc.probable_cause,
                    "suggestedRemediation": exc.suggested_remediation,
                }
            },
        }
    return {
        "severity": "ERROR",
        "summary": str(exc) or type(exc).__name__,
        "details": "".join(traceback.format_exception(exc)).rstrip(),
    }


def _known_severity(text: str) -> str:
    try:
        return parse_severity(text).name
    except NotifyError:
        return "ERROR"  # MeshKit's "None" and other unknown levels


def error_event(
    exc: BaseException, /, *, source: str | None = None, type: str = ERROR_TYPE, **fields: Any
) -> dict[str, Any]:
    """An error event from an exception; a `NotifyError` keeps its code, causes and remedies.

    Keyword fields override what the exception provides (for example severity="CRITICAL").
    """
    base = error_fields(exc)
    overrides = {name: value for name, value in fields.items() if value is not None}
    if "data" in base and "data" in overrides:
        overrides["data"] = {**base["data"], **overrides["data"]}
    return build_event(default_source=source, type=type, **{**base, **overrides})
