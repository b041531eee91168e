"""Silences (maintenance windows): what one is, when it is in force, and the log events
that record it.

A silence is created and expired by events in the hub's log, like a lifecycle change, so
that every subscriber learns of it from the stream and a replicated log carries it
without more work. Its types share the hub's reserved `io.meshery.notification.` prefix:
producers cannot post them, and lists leave them out unless `lifecycle=1`.

The hub stamps each notification that arrives while a silence matches it with the
`silence` extension attribute (the silence's id). "Silenced" is decided at arrival: an
event that toasted before a silence began stays as it was, and one silenced stays quiet
when the silence ends (nothing is replayed), but counts as open again from then on.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from typing_extensions import TypedDict

from notifycenter.catalogue import silences as codes
from notifycenter.model.lifecycle import (
    LIFECYCLE_TYPE_PREFIX,
    comment_fault,
    format_time,
    parse_time,
)

SILENCE_CREATED = LIFECYCLE_TYPE_PREFIX + "silence.created"
SILENCE_EXPIRED = LIFECYCLE_TYPE_PREFIX + "silence.expired"
SILENCE_TYPES = frozenset({SILENCE_CREATED, SILENCE_EXPIRED})
# The extension attribute the hub sets on a notification that arrived silenced.
SILENCE_ATTRIBUTE = "silence"
MAX_WINDOW = timedelta(days=366)
MAX_FILTER = 4000
_REQUEST_KEYS = frozenset({"filter", "starts", "ends", "duration", "comment"})


class SilenceState(StrEnum):
    PENDING = "pending"  # starts in the future
    ACTIVE = "active"  # in force now
    EXPIRED = "expired"  # ended, or expired early


@dataclass(frozen=True, slots=True)
class Silence:
    """One silence; times are RFC 3339 UTC with milliseconds, so they compare as text."""

    id: str
    filter: str
    starts: str
    ends: str
    author: str
    comment: str | None
    created_at: str
    cursor: str | None = None  # the log position of its creation
    expired_at: str | None = None
    expired_by: str | None = None

    def state(self, now: datetime) -> SilenceState:
        at = format_time(now)
        if self.expired_at is not None or at >= self.ends:
            return SilenceState.EXPIRED
        return SilenceState.ACTIVE if at >= self.starts else SilenceState.PENDING

    def in_force(self, at: str) -> bool:
        """In force at `at` (formatted time): started, not ended, not expired early."""
        return self.expired_at is None and self.starts <= at < self.ends

    def expire(self, actor: str, at: str) -> Silence:
        return replace(self, expired_at=at, expired_by=actor)


class SilenceRecord(TypedDict):
    """A silence as `/api/silences` answers it."""

    id: str
    filter: str
    starts: str
    ends: str
    author: str
    comment: str | None
    created_at: str
    state: str
    expired_at: str | None
    expired_by: str | None
    cursor: str | None


class SilencePage(TypedDict):
    """`GET /api/silences`: newest first."""

    items: list[SilenceRecord]


def as_record(silence: Silence, now: datetime) -> SilenceRecord:
    return {
        "id": silence.id,
        "filter": silence.filter,
        "starts": silence.starts,
        "ends": silence.ends,
        "author": silence.author,
        "comment": silence.comment,
        "created_at": silence.created_at,
        "state": silence.state(now).value,
        "expired_at": silence.expired_at,
        "expired_by": silence.expired_by,
        "cursor": silence.cursor,
    }


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    """A checked `POST /api/silences` body (the filter still to be compiled by the caller)."""

    filter: str
    starts: datetime
    ends: datetime
    comment: str | None


def parse_silence_request(
    obj: Any, now: datetime, parse_moment: Any, parse_duration: Any
) -> SilenceRequest:
    """Check a request body. `parse_moment(text) -> datetime | None` and
    `parse_duration(text) -> timedelta | None` are the hub's strict parsers."""
    invalid = codes.INVALID_SILENCE.error
    if not isinstance(obj, Mapping):
        raise invalid("the body must be a JSON object")
    unknown = set(obj) - _REQUEST_KEYS
    if unknown:
        raise invalid(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    text = obj.get("filter")
    if not isinstance(text, str) or not text.strip():
        raise invalid("filter must be a non-empty CESQL expression")
    if len(text) > MAX_FILTER:
        raise invalid(f"filter is longer than {MAX_FILTER} characters")
    comment = obj.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise invalid("comment must be text")
    if comment is not None and (fault := comment_fault(comment)) is not None:
        raise invalid(fault)
    given = obj.get("starts")  # null is "now", as a missing `starts` (and `ends: null`)
    starts = _moment(given, "starts", parse_moment) if given is not None else None
    starts = starts or now
    bad_time = codes.INVALID_SILENCE_TIME.error
    if starts - now > MAX_WINDOW:  # before `starts + duration`, which could leave the calendar
        raise bad_time(f"the window may last and begin at most {MAX_WINDOW.days} days ahead")
    has_ends, has_duration = obj.get("ends") is not None, obj.get("duration") is not None
    if has_ends == has_duration:
        raise invalid("give either ends or duration")
    if has_duration:
        ends = starts + _duration(obj["duration"], parse_duration)
    else:
        ends = _moment(obj["ends"], "ends", parse_moment)
    if ends <= starts:
        raise bad_time(f"ends ({format_time(ends)}) is not after starts ({format_time(starts)})")
    if ends <= now:
        raise bad_time(f"ends ({format_time(ends)}) has already passed")
    if ends - starts > MAX_WINDOW or starts - now > MAX_WINDOW:
        raise bad_time(f"the window may last and begin at most {MAX_WINDOW.days} days ahead")
    return SilenceRequest(text.strip(), starts, ends, comment or None)


def _moment(value: Any, name: str, parse_moment: Any) -> datetime:
    moment = parse_moment(value) if isinstance(value, str) else None
    if moment is None:
        raise codes.INVALID_SILENCE_TIME.error(
            f"{name} {str(value)[:40]!r} is not an RFC 3339 time with a zone"
        )
    result: datetime = moment
    return result


def _duration(value: Any, parse_duration: Any) -> timedelta:
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is None or duration <= timedelta(0) or duration > MAX_WINDOW:
        raise codes.INVALID_SILENCE_TIME.error(
            f"duration {str(value)[:40]!r} is not a duration such as 30m, 2h or 1d"
            f" (at most {MAX_WINDOW.days} days)"
        )
    result: timedelta = duration
    return result


def created_event(silence: Silence, *, hub_source: str, event_id: str) -> dict[str, Any]:
    """The log event that creates `silence`."""
    return _event(
        SILENCE_CREATED,
        silence.created_at,
        hub_source,
        event_id,
        silence.id,
        {
            "silence": {
                "id": silence.id,
                "filter": silence.filter,
                "starts": silence.starts,
                "ends": silence.ends,
                "comment": silence.comment,
            },
            "actor": silence.author,
        },
    )


def expired_event(
    silence_id: str, *, actor: str, at: str, hub_source: str, event_id: str
) -> dict[str, Any]:
    """The log event that ends a silence before its time."""
    return _event(
        SILENCE_EXPIRED,
        at,
        hub_source,
        event_id,
        silence_id,
        {"silence": {"id": silence_id}, "actor": actor},
    )


def _event(
    kind: str, at: str, hub_source: str, event_id: str, silence_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": hub_source,
        "type": kind,
        "time": at,
        "category": "audit",
        "severitytext": "DEBUG",
        "severitynumber": 5,
        "subject": f"silence/{silence_id}",
        "datacontenttype": "application/json",
        "data": data,
    }


@dataclass(frozen=True, slots=True)
class SilenceChange:
    """What a silence event says: a new silence, or the expiry of one."""

    silence: Silence | None  # the created silence
    expired_id: str | None  # the silence expired early
    actor: str
    at: str


def read_silence_event(event: Mapping[str, Any], cursor: str | None = None) -> SilenceChange | None:
    """The change a silence event records; None for any other event or a malformed one."""
    kind = event.get("type")
    if kind not in SILENCE_TYPES:
        return None
    try:
        data = event["data"]
        body = data["silence"]
        actor, at = str(data.get("actor") or ""), str(event["time"])
        if kind == SILENCE_EXPIRED:
            return SilenceChange(None, str(body["id"]), actor, at)
        parse_time(body["starts"]), parse_time(body["ends"])  # readable, or not a silence
        silence = Silence(
            id=str(body["id"]),
            filter=str(body["filter"]),
            starts=str(body["starts"]),
            ends=str(body["ends"]),
            author=actor,
            comment=body.get("comment") if isinstance(body.get("comment"), str) else None,
            created_at=at,
            cursor=cursor if cursor is not None else event.get("cursor"),
        )
        return SilenceChange(silence, None, actor, at)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def silence_of(event: Mapping[str, Any]) -> str | None:
    """The id of the silence a notification arrived under, when the hub stamped one."""
    value = event.get(SILENCE_ATTRIBUTE)
    return value if isinstance(value, str) and value else None


def quote_cesql(text: str) -> str:
    """A CESQL string literal (a quote is doubled)."""
    return "'" + text.replace("'", "''") + "'"


def source_type_filter(source: str, event_type: str) -> str:
    """The filter `:silence` puts on the highlighted event: its source and type."""
    return f"source = {quote_cesql(source)} AND type = {quote_cesql(event_type)}"
