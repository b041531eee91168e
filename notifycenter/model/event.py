"""Validate and normalise incoming CloudEvents.

Validation is strict where CloudEvents says MUST and runs before anything reaches the
`cloudevents` SDK, which would invent a missing `id` (turning a retry into a duplicate)
and default a missing `specversion`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from notifycenter.catalogue import event as codes
from notifycenter.model import cetypes
from notifycenter.model.errorpayload import FIELDS, LIST_FIELDS, normalise_error_payload
from notifycenter.model.severity import (
    Bucket,
    Severity,
    bucket_of,
    parse_severity,
    severity_from_number,
)

EXTENSION_NAME = re.compile(r"^[a-z0-9]+$")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
REQUIRED = ("id", "source", "type")
HUB_ATTRIBUTES = frozenset({"cursor"})
# Objects and arrays in `data` nest at most this deep: the hub's JSON serialiser stops at
# 254 levels, and the API wraps an event in up to three more (list page, item, event).
MAX_DATA_DEPTH = 64


def _uri_reference(name: str, value: Any) -> str:
    if type(value) is str and value in _KNOWN_SOURCES:
        return value  # a producer repeats its source: one set lookup
    text = cetypes.check_string(name, value)
    if not text or not cetypes.is_uri_reference(text):
        raise codes.INVALID_URI.error(
            f"{name} {cetypes.shown(value)} is not a non-empty URI-reference"
        )
    if len(text) <= 256:  # short ones only, and a bounded number: a client cannot grow it
        if len(_KNOWN_SOURCES) >= 4096:
            _KNOWN_SOURCES.clear()
        _KNOWN_SOURCES.add(text)
    return text


_KNOWN_SOURCES: set[str] = set()


def _absolute_uri(name: str, value: Any) -> str:
    text = cetypes.check_non_empty_string(name, value)
    if not cetypes.is_absolute_uri(text):
        raise codes.INVALID_URI.error(f"{name} {cetypes.shown(value)} is not an absolute URI")
    return text


def _media_type(name: str, value: Any) -> str:
    return cetypes.check_media_type(name, cetypes.check_non_empty_string(name, value))


def _timestamp(name: str, value: Any) -> str:
    return cetypes.normalise_timestamp(value)


def _traceparent(name: str, value: Any) -> str:
    match = TRACEPARENT.fullmatch(value) if type(value) is str else None
    if not match or set(match[1]) == {"0"} or set(match[2]) == {"0"} or match[3] == "ff":
        raise codes.INVALID_TRACEPARENT.error(
            f"traceparent {cetypes.shown(value)} is not 00-<trace>-<span>-<flags>"
        )
    return match[0]


def _severitynumber(name: str, value: Any) -> Any:
    # binary mode gives a decimal string; _normalise_severity makes it an Integer
    return value if type(value) is str else cetypes.check_integer(name, value)


def _payload(name: str, value: Any) -> Any:
    return value  # validate_event skips it: data is checked in _check_data


# The type of each attribute we know (CloudEvents core, severity, tracing); any other
# name is an extension: String, Integer or Boolean.
_ATTRIBUTE_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "specversion": cetypes.check_string,
    "id": cetypes.check_string,
    "source": _uri_reference,
    "type": cetypes.check_string,
    "time": _timestamp,
    "subject": cetypes.check_non_empty_string,
    "datacontenttype": _media_type,
    "dataschema": _absolute_uri,
    "severitytext": cetypes.check_string,
    "severitynumber": _severitynumber,
    "traceparent": _traceparent,
    "data": _payload,
    "data_base64": _payload,
}


# Checks that accept any printable ASCII string as it is.
_STRING_CHECKS = frozenset({cetypes.check_string, cetypes.check_value, _severitynumber})


def validate_event(raw: object) -> dict[str, Any]:
    """Return the event in structured JSON form, normalised; raise a catalogued error.

    The one gate every event passes: it enforces the CloudEvents type system and the
    ranges every consumer (SDKs, the client store, terminals) can represent. Normalising
    sets both severity attributes (text wins when both are given), writes `time` in UTC,
    drops null attributes and a producer's `cursor`, and rewrites the error payload to
    the canonical shape. The input mapping is not modified.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # the ABC check is the slow one
        raise codes.INVALID_EVENT.error("an event must be a JSON object")
    event = {k: v for k, v in raw.items() if v is not None and k not in HUB_ATTRIBUTES}
    _check_specversion(event)
    for name in REQUIRED:
        if type(event.get(name)) is not str or not event[name]:
            raise codes.INVALID_EVENT.error(f"attribute {name!r} is missing or empty")
    for name, value in event.items():
        check = _ATTRIBUTE_CHECKS.get(name)
        if check is None:
            if type(name) is not str or not EXTENSION_NAME.fullmatch(name):
                raise codes.INVALID_EXTENSION_NAME.error(
                    f"attribute name {cetypes.shown(name)} is not lower-case a-z0-9"
                )
            check = cetypes.check_value
        elif check is _payload:
            continue  # checked with the datacontenttype, in _check_data
        if (
            type(value) is str
            and check in _STRING_CHECKS
            and value.isascii()
            and value.isprintable()
        ):
            continue  # printable ASCII: the common case, valid without a call
        checked = check(name, value)
        if checked is not value:
            event[name] = checked  # a value changes, never a key: safe while iterating
    _check_data(event)
    _normalise_severity(event)
    data = event.get("data")
    if type(data) is dict and _canonical(data):
        event["data"] = {**data, "error": dict(data["error"])} if data.get("error") else dict(data)
    elif type(data) is dict or isinstance(data, Mapping):
        event["data"] = normalise_error_payload(data)
    return event


_FIELD_RANK = {name: rank for rank, name in enumerate(FIELDS)}
_ALIASES = frozenset(s for spellings in FIELDS.values() for s in spellings[1:]) - {"Severity"}


def _canonical(data: dict[str, Any]) -> bool:
    """Whether `normalise_error_payload` would give `data` back as it is: no `metadata`,
    no top-level aliases, and `error` absent or already canonical (known fields in their
    order, non-empty strings, non-empty lists of them). What our own producers send;
    checking it costs a fifth of rewriting it."""
    if "metadata" in data or not _ALIASES.isdisjoint(data):
        return False
    error = data.get("error")
    if error is None:
        return True
    if type(error) is not dict:
        return False
    last = -1
    for name, value in error.items():
        rank = _FIELD_RANK.get(name, -1)
        if rank <= last:
            return False
        last = rank
        if name in LIST_FIELDS:
            if type(value) is not list or not value:
                return False
            for item in value:
                if type(item) is not str or not item:
                    return False
        elif type(value) is not str or not value:
            return False
    return True


def _check_specversion(event: Mapping[str, Any]) -> None:
    version = event.get("specversion")
    if version != "1.0":
        detail = (
            "specversion is missing"
            if version is None
            else f'specversion {cetypes.shown(version)} is not "1.0"'
        )
        raise codes.UNSUPPORTED_SPECVERSION.error(detail)


def _check_data(event: dict[str, Any]) -> None:
    if "data_base64" in event:
        if "data" in event:
            raise codes.INVALID_EVENT.error("an event carries data or data_base64, not both")
        if cetypes.check_base64("data_base64", event["data_base64"]) == "":
            del event["data_base64"]  # no bytes is no data, as the SDKs read it
        return
    if "data" not in event:
        return
    data = event["data"]
    if data == "":
        del event["data"]  # no data, as an empty binary-mode body (and the SDKs read it so)
        return
    kind = type(data)
    if kind is str:
        return
    content_type = event.get("datacontenttype")
    if content_type is not None and not cetypes.is_json_media_type(content_type):
        raise codes.DATA_NOT_TEXT.error(
            f"data is {type(data).__name__} but datacontenttype "
            f"{cetypes.shown(event['datacontenttype'])} is not JSON"
        )
    if (kind is dict or kind is list) and not _fits(data, MAX_DATA_DEPTH - 1):
        raise codes.DATA_TOO_DEEP.error(
            f"data nests objects and arrays more than {MAX_DATA_DEPTH} levels deep"
        )


def _fits(container: Any, budget: int) -> bool:
    """Whether the objects/arrays inside `container` nest at most `budget` levels.

    Exact types only: JSON gives dicts and lists (and tuples are all orjson adds). The
    recursion is bounded by `budget`; visiting containers only keeps the common case cheap.
    """
    for child in container.values() if type(container) is dict else container:
        kind = type(child)
        if (kind is dict or kind is list or kind is tuple) and (
            budget == 0 or not _fits(child, budget - 1)
        ):
            return False
    return True


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
    traceparent = event.get("traceparent")
    match = TRACEPARENT.fullmatch(traceparent) if isinstance(traceparent, str) else None
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
        causes=tuple(_texts(error.get("probableCause"))),
        remedies=tuple(_texts(error.get("suggestedRemediation"))),
    )


def summary_details_code(event: Mapping[str, Any]) -> tuple[str, str, str]:
    """`describe` without building its object: the hub indexes every event with it."""
    data = _mapping(event.get("data"))
    error = _mapping(data.get("error"))
    summary = (
        _text(data.get("summary"))
        or _text(data.get("description"))
        or next(iter(_texts(error.get("shortDescription"))), "")
        or _text(event.get("subject"))
        or str(event.get("type", ""))
    )
    details = _text(data.get("details")) or "\n".join(_texts(error.get("longDescription")))
    return summary, details, _text(error.get("code"))


def _mapping(value: Any) -> Mapping[str, Any]:
    # `type is dict` first: the ABC check costs ~3 µs, which shows when a store adds millions.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: Any) -> list[str]:
    """The strings of a MeshKit list field; a hub checks them, but a client reads whatever
    arrives (a number, a mapping, nested lists), so anything else counts as none."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []
