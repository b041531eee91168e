"""POST /api/lifecycle/{verb}: parse the request, then change notifications in the log.

Each change is a lifecycle event appended to the log (docs/api.md); the `EventIndex`
projection folds it into the notification's state in the same transaction. A request
whose every target is unknown or audit changes nothing; an unknown ref fails it whole.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from notifycenter.catalogue import hub as codes
from notifycenter.hub.log import Transaction
from notifycenter.hub.params import parse_duration, parse_moment, shift
from notifycenter.hub.projection import load_state
from notifycenter.hub.query import EventQuery, query_from_object, select_rows
from notifycenter.hub.records import resolve_ref
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import Verb, format_time, lifecycle_event
from notifycenter.model.wire import LifecycleOutcome

MAX_TARGETS = 100_000


@dataclass(frozen=True)
class LifecycleRequest:
    verb: Verb
    actor: str
    refs: tuple[str, ...] | None = None
    query: EventQuery | None = None
    comment: str | None = None
    until: str | None = None


def parse_verb(text: str) -> Verb:
    try:
        return Verb(text)
    except ValueError:
        raise codes.UNKNOWN_VERB.error(f"{text!r} is not a lifecycle verb") from None


def parse_request(verb: Verb, body: bytes, actor: str, now: datetime) -> LifecycleRequest:
    invalid = codes.INVALID_LIFECYCLE_REQUEST.error
    try:
        obj = orjson.loads(body) if body.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise invalid(f"the body is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise invalid("the body must be a JSON object")
    refs, filters = obj.get("refs"), obj.get("filter")
    if (refs is None) == (filters is None):
        raise invalid("give either refs or filter")
    if refs is not None and (
        not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs)
    ):
        raise invalid("refs must be a list of cursors or source#id strings")
    if filters is not None and not isinstance(filters, dict):
        raise invalid("filter must be an object of the list's query parameters")
    comment = obj.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise invalid("comment must be a string")
    return LifecycleRequest(
        verb=verb,
        actor=actor,
        refs=tuple(refs) if refs is not None else None,
        query=query_from_object(filters) if filters is not None else None,
        comment=comment,
        until=_until(obj.get("until"), now) if verb is Verb.ACK else None,
    )


def _until(value: Any, now: datetime) -> str | None:
    """An RFC 3339 time or a duration from now, normalised so that it compares as text."""
    if value is None:
        return None
    invalid = codes.INVALID_LIFECYCLE_REQUEST
    if isinstance(value, str):
        duration = parse_duration(value, "until", invalid)
        moment = shift(now, duration) if duration is not None else parse_moment(value)
        if moment is not None:
            return format_time(moment)
    raise invalid.error(
        f"until {str(value)[:40]!r} is neither an RFC 3339 time with a zone"
        " (years 0001-9999 in UTC) nor a duration such as 2h"
    )


def apply_request(txn: Transaction, request: LifecycleRequest, hub_source: str) -> LifecycleOutcome:
    """The write job: runs in the log's write transaction."""
    now = datetime.now(UTC)
    at = format_time(now)
    conn = txn.conn
    if request.refs is not None:
        targets = [resolve_ref(conn, ref) for ref in request.refs]
    else:
        assert request.query is not None
        rows = select_rows(conn, request.query, at, limit=MAX_TARGETS)
        targets = [row[0] for row in reversed(rows)]  # oldest first: log order
    events, unchanged = [], 0
    for seq in dict.fromkeys(targets):  # each notification once, in order
        event = _change(conn, seq, request, hub_source, at)
        if event is None:
            unchanged += 1
        else:
            events.append(event)
    cursors = [format_cursor(seq) for seq, _ in txn.insert(events, request.actor)] if events else []
    return {"changed": len(events), "cursors": cursors, "unchanged": unchanged}


def _change(
    conn: Any, seq: int, request: LifecycleRequest, hub_source: str, at: str
) -> dict[str, Any] | None:
    state = load_state(conn, seq)
    if state is None:  # audit events have no lifecycle
        return None
    after = copy.copy(state)
    after.apply(request.verb, request.actor, at, request.comment, request.until)
    if after == state:
        return None
    source, event_id = conn.execute("SELECT source, id FROM log WHERE seq = ?", (seq,)).fetchone()
    return lifecycle_event(
        request.verb,
        source,
        event_id,
        actor=request.actor,
        hub_source=hub_source,
        event_id=str(uuid.uuid4()),
        at=at,
        comment=request.comment,
        until=request.until,
    )
