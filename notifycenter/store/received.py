"""Reading fields of a received event or record, which may hold anything.

A hub validates what it accepts, but hubs already hold events from before a check
existed, and other hubs may send what ours would refuse. Every reader here returns a value
of the type the store's columns need and never raises: a field that cannot be read counts
as absent, and a time outside what `datetime` can show (in any time zone) is clamped.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import span_ids, summary_details_code
from notifycenter.model.lifecycle import (
    UNTIL_RESOLVED,
    LifecycleChange,
    parse_time,
    read_lifecycle_event,
)
from notifycenter.model.severity import Severity, parse_severity, severity_from_number

MAX_CURSOR = (1 << 63) - 1  # the store keeps cursors in signed 64-bit columns
_CURSOR_DIGITS = len(str(MAX_CURSOR))
# A day inside `datetime`'s range at each end, so that a clamped time still converts to
# any local time zone (offsets are under 24 hours) without overflowing.
MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 30, 23, 59, 59, 999000, tzinfo=UTC)
MIN_TIME_MS = int(MIN_TIME.timestamp() * 1000)
MAX_TIME_MS = int(MAX_TIME.timestamp() * 1000)
_UNREADABLE = (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError)


def as_mapping(value: object) -> Mapping[str, Any]:
    # `type is dict` first: the ABC check costs ~1 µs, paid per event of a backlog.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def cursor_int(value: object) -> int | None:
    """A log position, or None unless it is a non-negative integer that fits a column."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_CURSOR else None
    if (
        isinstance(value, str)
        and 0 < len(value) <= _CURSOR_DIGITS
        and value.isascii()
        and value.isdigit()
    ):
        number = int(value)
        return number if number <= MAX_CURSOR else None
    return None


def time_ms(value: object) -> int:
    """An RFC 3339 time in epoch milliseconds, clamped to what `datetime` can show; 0 when
    absent or unreadable. A time without an offset is read as UTC."""
    moment = aware_time(value)
    if moment is None:
        return 0
    milliseconds = int(moment.timestamp() * 1000)
    return min(max(milliseconds, MIN_TIME_MS), MAX_TIME_MS)


def aware_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_time(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_ms(milliseconds: int) -> datetime:
    """The inverse of `time_ms`, clamped too: it never raises."""
    clamped = min(max(milliseconds, MIN_TIME_MS), MAX_TIME_MS)
    return datetime.fromtimestamp(clamped / 1000, tz=UTC)


def as_text(value: object) -> str:
    """A field as text: strings as they are, numbers written out, anything else as its
    compact JSON (the raw text an operator can recognise); "" when even that fails."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    with contextlib.suppress(*_UNREADABLE):
        if isinstance(value, (bool, int, float)):
            return str(value).lower() if isinstance(value, bool) else str(value)
        return orjson.dumps(value).decode()
    return ""


def optional_text(value: object) -> str | None:
    return None if value is None else as_text(value)


def texts(event: Mapping[str, Any]) -> tuple[str, str, str]:
    """What the list shows of a notification (summary, code) and the details its text
    search reads, from one reading of the payload (reading it twice cost ~5 µs an event);
    the type for a summary and no details when the payload cannot be read."""
    try:
        summary, details, code = summary_details_code(event)
    except _UNREADABLE:
        summary, details, code = as_text(as_mapping(event.get("data")).get("summary")), "", ""
        summary = summary or as_text(event.get("type"))
    return as_text(summary), details, as_text(code)


def span(event: Mapping[str, Any]) -> int:
    """The operation's span id as an int, 0 when the event belongs to none."""
    traceparent = event.get("traceparent")
    spans = span_ids(event) if isinstance(traceparent, str) else None
    return int(spans[1], 16) if spans else 0


_SEVERITIES: dict[tuple[str | int | None, str | int | None], Severity] = {}


def severity(event: Mapping[str, Any]) -> Severity:
    """Liberal: a hub normalises severities, but a bad one must not stop the stream."""
    text, number = event.get("severitytext"), event.get("severitynumber")
    key = (_plain_key(text), _plain_key(number))
    found = _SEVERITIES.get(key)
    if found is None:
        found = Severity.INFO
        with contextlib.suppress(NotifyError, *_UNREADABLE):
            found = parse_severity(text) if isinstance(text, str) else severity_from_number(number)
        if len(_SEVERITIES) < 1024 and all(map(_short, key)):  # few distinct, small keys
            _SEVERITIES[key] = found
    return found


def _plain_key(value: object) -> str | int | None:
    return value if isinstance(value, (str, int)) else None


def _short(value: str | int | None) -> bool:
    return len(value) < 64 if isinstance(value, str) else value is None or abs(value) < 1 << 63


def lifecycle_change(event: Mapping[str, Any]) -> LifecycleChange | None:
    """The lifecycle change an event records, or None when it is not one or its target
    cannot be read (it is then kept as an ordinary event, as the model reads it).

    Every field is text afterwards, and `until` is None unless it is a time with an offset:
    an ack whose lapse cannot be read does not lapse.
    """
    try:
        change = read_lifecycle_event(event)
    except _UNREADABLE:
        return None
    if change is None or not isinstance(change.target_source, str):
        return None
    return dataclasses.replace(
        change,
        target_id=as_text(change.target_id),
        actor=as_text(change.actor),
        at=as_text(change.at),
        comment=optional_text(change.comment),
        until=checked_until(change.until),
        to=optional_text(change.to),
    )


def checked_until(value: object) -> str | None:
    """An ack's `until` when it is a readable time with an offset or `resolved`, else None."""
    if value is None or not isinstance(value, str):
        return None
    if value == UNTIL_RESOLVED:
        return value
    try:
        moment = parse_time(value)
    except ValueError:
        return None
    return value if moment.tzinfo is not None else None
