"""What the detail pane shows for one event, sanitised, with no Textual in sight.

Everything here comes from outside: each string goes through `sanitize`/`sanitize_line`
before it reaches the widget, which then renders it as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import describe, severity_of, span_ids
from notifycenter.model.lifecycle import (
    LifecycleChange,
    LifecycleState,
    Verb,
    read_lifecycle_event,
)
from notifycenter.model.sanitize import sanitize, sanitize_line
from notifycenter.model.severity import Severity, bucket_of
from notifycenter.model.silences import SILENCE_ATTRIBUTE
from notifycenter.tui.moments import moment_text

RAW_LIMIT = 64 << 10
HISTORY_SHOWN = 50  # newest changes in the pane: each is a line to lay out on every refresh


@dataclass(frozen=True)
class HistoryEntry:
    verb: str
    actor: str
    at: str
    comment: str
    until: str


@dataclass(frozen=True)
class DetailView:
    severity: Severity
    bucket: str
    status: str
    summary: str
    details: str
    code: str
    causes: tuple[str, ...]
    remedies: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    history: tuple[HistoryEntry, ...]  # the newest `HISTORY_SHOWN`
    raw_json: str
    history_total: int = 0  # changes in the whole history


def build_detail(
    event: Mapping[str, Any],
    history: Iterable[Any] = (),
    status: str | None = None,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> DetailView:
    """`history` holds lifecycle CloudEvents or `LifecycleChange`s, oldest first. Times
    are shown in `tz` (None: local) with their age at `now`."""
    now = now or datetime.now(UTC)
    history = tuple(history)  # read twice: the entries and the owner they leave
    text = describe(event)
    severity = _severity_or_none(event)
    return DetailView(
        severity=severity or Severity.INFO,  # shown as INFO rather than not at all
        bucket=bucket_of(severity, event.get("category")).value if severity else "infos",
        status=sanitize_line(status or "", 40),
        summary=sanitize_line(text.summary, 1000),
        details=sanitize(text.details, 4000),
        code=sanitize_line(text.code, 120),
        causes=tuple(sanitize_line(c, 1000) for c in text.causes if isinstance(c, str)),
        remedies=tuple(sanitize_line(r, 1000) for r in text.remedies if isinstance(r, str)),
        fields=_fields(event, now, tz) + _owner_field(history),
        history=tuple(_entries(history[-HISTORY_SHOWN:], now, tz)),
        history_total=len(history),
        raw_json=sanitize(json.dumps(event, indent=2, ensure_ascii=False, default=str), RAW_LIMIT),
    )


def _severity_or_none(event: Mapping[str, Any]) -> Severity | None:
    try:
        return severity_of(event)
    except NotifyError:
        return None


def _fields(
    event: Mapping[str, Any], now: datetime, tz: tzinfo | None
) -> tuple[tuple[str, str], ...]:
    rows = [
        (label, event.get(key))
        for label, key in (
            ("source", "source"),
            ("type", "type"),
            ("subject", "subject"),
            ("time", "time"),
            ("id", "id"),
            ("cursor", "cursor"),
            ("category", "category"),
            ("correlation", "correlationid"),
            ("caused by", "causationid"),
            ("silenced by", SILENCE_ATTRIBUTE),  # the hub silence it arrived under
        )
    ]
    spans = span_ids(event)
    if spans:
        rows += [("operation", spans[1]), ("trace", spans[0])]
    return tuple(
        (label, moment_text(value, now, tz) if label == "time" else sanitize_line(value, 300))
        for label, value in rows
        if value not in (None, "")
    )


def _entries(history: Iterable[Any], now: datetime, tz: tzinfo | None) -> Iterable[HistoryEntry]:
    for item in history:
        change = (
            item
            if isinstance(item, LifecycleChange)
            else (read_lifecycle_event(item) if isinstance(item, Mapping) else None)
        )
        if change is None:
            continue
        yield HistoryEntry(
            verb=_verb_text(change),
            actor=sanitize_line(change.actor or "anonymous", 80),
            at=moment_text(change.at, now, tz),
            comment=sanitize_line(change.comment or "", 500),
            until=moment_text(change.until, now, tz) if change.until else "",
        )


def _verb_text(change: LifecycleChange) -> str:
    """`assign to alice`: an assign names its new owner."""
    if change.verb is Verb.ASSIGN and change.to:
        return f"assign to {sanitize_line(change.to, 80)}"
    return change.verb.value


def _owner_field(history: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    """Who owns it now, as the history's assigns, takes and releases leave it."""
    state = LifecycleState()
    for item in history:
        change = item if isinstance(item, LifecycleChange) else None
        if change is None and isinstance(item, Mapping):
            change = read_lifecycle_event(item)
        if change is not None and change.verb in (Verb.ASSIGN, Verb.TAKE, Verb.RELEASE):
            state.apply(change.verb, change.actor or "anonymous", change.at, to=change.to)
    return (("owner", sanitize_line(state.owner, 80)),) if state.owner else ()
