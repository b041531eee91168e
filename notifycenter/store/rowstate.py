"""A row's lifecycle: from records and lifecycle events to a status code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from notifycenter.model.lifecycle import LifecycleChange, LifecycleState, parse_time
from notifycenter.store.types import CODE_OF_STATUS, UNREAD

_UNKNOWN_TIME = "unknown"


def status_code(state: LifecycleState | None, now: datetime) -> int:
    if state is None:
        return UNREAD
    return CODE_OF_STATUS[state.status(now)]


def state_from_record(record: Mapping[str, Any]) -> LifecycleState | None:
    """The lifecycle a `GET /api/events` record carries (docs/api.md); None when untouched.

    A record names a status even when a `*_at` field is absent; the status wins, so the
    row still shows what the hub says.
    """
    status = record.get("status")
    if status is None or (status == "unread" and not record.get("read")):
        return None
    state = LifecycleState(
        read=bool(record.get("read")) or status != "unread",
        acked_by=record.get("acknowledged_by"),
        acked_at=record.get("acknowledged_at"),
        ack_comment=record.get("comment"),
        ack_until=record.get("until"),
        resolved_by=record.get("resolved_by"),
        resolved_at=record.get("resolved_at"),
        archived_by=record.get("archived_by"),
        archived_at=record.get("archived_at"),
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
    if not until:
        return None
    try:
        return int(parse_time(until).timestamp() * 1000)
    except ValueError:
        return None


def same_change(left: LifecycleChange, right: LifecycleChange) -> bool:
    """Acking every occurrence of a folded row yields one change per occurrence: show one."""
    return (left.verb, left.actor, left.comment, left.until) == (
        right.verb,
        right.actor,
        right.comment,
        right.until,
    )
