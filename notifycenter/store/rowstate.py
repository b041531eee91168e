"""A row's lifecycle: from records and lifecycle events to a status code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from notifycenter.model.lifecycle import LifecycleChange, LifecycleState
from notifycenter.store.received import aware_time, checked_until, optional_text
from notifycenter.store.types import CODE_OF_STATUS, UNREAD

_UNKNOWN_TIME = "unknown"
_TEXT_FIELDS = (
    "acknowledged_by",
    "acknowledged_at",
    "comment",
    "resolved_by",
    "resolved_at",
    "archived_by",
    "archived_at",
    "owner",
)


def status_code(state: LifecycleState | None, now: datetime) -> int:
    if state is None:
        return UNREAD
    return CODE_OF_STATUS[state.status(now)]


def state_from_record(record: Mapping[str, Any]) -> LifecycleState | None:
    """The lifecycle a `GET /api/events` record carries (docs/api.md); None when untouched.

    A record names a status even when a `*_at` field is absent; the status wins, so the
    row still shows what the hub says. Fields of another type are read as text, and an
    `until` that is neither a time nor `resolved` is left out (the ack does not lapse).
    """
    status = record.get("status")
    if status is None or (
        status == "unread" and not record.get("read") and record.get("owner") is None
    ):
        return None
    text = {key: optional_text(record.get(key)) for key in _TEXT_FIELDS}
    state = LifecycleState(
        read=bool(record.get("read")) or status != "unread",
        acked_by=text["acknowledged_by"],
        acked_at=text["acknowledged_at"],
        ack_comment=text["comment"],
        ack_until=checked_until(record.get("until")),
        resolved_by=text["resolved_by"],
        resolved_at=text["resolved_at"],
        archived_by=text["archived_by"],
        archived_at=text["archived_at"],
        owner=text["owner"],
    )
    if status == "acknowledged" and state.acked_by is None:
        state.acked_by = ""
    if status == "resolved" and not state.resolved_at:
        state.resolved_at = _UNKNOWN_TIME
    if status == "archived" and not state.archived_at:
        state.archived_at = _UNKNOWN_TIME
    return state


def until_ms(change: LifecycleChange | LifecycleState) -> int | None:
    """When an ack lapses, in epoch milliseconds; None when it never does."""
    until = change.until if isinstance(change, LifecycleChange) else change.ack_until
    moment = aware_time(until) if until else None
    return None if moment is None else int(moment.timestamp() * 1000)


def same_change(left: LifecycleChange, right: LifecycleChange) -> bool:
    """Acking every occurrence of a folded row yields one change per occurrence: show one."""
    return (left.verb, left.actor, left.comment, left.until, left.to) == (
        right.verb,
        right.actor,
        right.comment,
        right.until,
        right.to,
    )


def owner_of(state: LifecycleState | None) -> str | None:
    """Who owns the row's notification; None when nobody does."""
    return None if state is None else state.owner
