"""POST /api/lifecycle/{verb}: parse the request, then change notifications in the log.

Each change is a lifecycle event appended to the log (docs/api.md); the `EventIndex`
projection folds it into the notification's state in the same transaction. A request
whose every target is unknown or audit changes nothing; an unknown ref fails it whole.
`assign` and `take` also acknowledge a notification nobody has acknowledged: an `ack`
event first, then the assign, so that every reader of acks (and the history) sees both.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import ownership as owner_codes
from notifycenter.hub.log import Transaction
from notifycenter.hub.params import parse_duration, parse_moment, shift
from notifycenter.hub.projection import load_state
from notifycenter.hub.query import EventQuery, query_from_object, select_rows
from notifycenter.hub.records import resolve_ref
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import (
    UNTIL_RESOLVED,
    LifecycleState,
    Status,
    Verb,
    comment_fault,
    format_time,
    lifecycle_event,
)
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.wire import LifecycleOutcome

MAX_TARGETS = 100_000
MAX_OWNER = 200
# The verbs that acknowledge, and so take `until`.
ACKING = frozenset({Verb.ACK, Verb.ASSIGN, Verb.TAKE})


@dataclass(frozen=True)
class LifecycleRequest:
    verb: Verb
    actor: str
    refs: tuple[str, ...] | None = None
    query: EventQuery | None = None
    comment: str | None = None
    until: str | None = None
    # The filter's matches, chosen by `select_targets` in a read before the write job.
    targets: tuple[int, ...] | None = None
    to: str | None = None  # assign: the new owner


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
    if comment is not None and (fault := comment_fault(comment)) is not None:
        raise invalid(fault)
    if obj.get("until") is not None and verb not in ACKING:
        raise owner_codes.UNTIL_NOT_FOR_VERB.error(f"{verb.value} does not take until")
    query = query_from_object(filters, me=actor) if filters is not None else None
    return LifecycleRequest(
        verb=verb,
        actor=actor,
        refs=tuple(refs) if refs is not None else None,
        query=query,
        comment=comment,
        until=_until(obj.get("until"), now) if verb in ACKING else None,
        to=_owner(obj.get("to")) if verb is Verb.ASSIGN else None,
    )


def _owner(value: Any) -> str:
    """The user an assign names: one clean line, as every client will show it."""
    if not isinstance(value, str) or not value.strip():
        raise owner_codes.ASSIGN_WITHOUT_OWNER.error('give the new owner as "to": a user name')
    owner = value.strip()
    if len(owner) > MAX_OWNER or sanitize_line(owner, MAX_OWNER) != owner:
        raise owner_codes.INVALID_OWNER.error(f"to {owner[:40]!r}… is not a user name")
    return owner


def _until(value: Any, now: datetime) -> str | None:
    """An RFC 3339 time or a duration from now, normalised so that it compares as text."""
    if value is None:
        return None
    invalid = codes.INVALID_LIFECYCLE_REQUEST
    if isinstance(value, str) and value.strip().lower() == UNTIL_RESOLVED:
        return UNTIL_RESOLVED
    if isinstance(value, str):
        duration = parse_duration(value, "until", invalid)
        moment = shift(now, duration) if duration is not None else parse_moment(value)
        if moment is not None:
            return format_time(moment)
    raise invalid.error(
        f"until {str(value)[:40]!r} is neither an RFC 3339 time with a zone"
        " (years 0001-9999 in UTC), a duration such as 2h, nor resolved"
    )


def select_targets(conn: Any, query: EventQuery, at: str) -> list[int]:
    """The notifications a filter names, oldest first (log order).

    Run it in a read before the write job: a filter only Python can check may scan the
    whole log, which must not happen while the writer holds every producer waiting.
    A notification that arrives in between is not part of the request, as if it had
    arrived just after it.
    """
    rows = select_rows(conn, query, at, limit=MAX_TARGETS)
    return [row[0] for row in reversed(rows)]


def apply_request(txn: Transaction, request: LifecycleRequest, hub_source: str) -> LifecycleOutcome:
    """The write job: runs in the log's write transaction."""
    now = datetime.now(UTC)
    at = format_time(now)
    conn = txn.conn
    if request.refs is not None:
        targets = [resolve_ref(conn, ref) for ref in request.refs]
    elif request.targets is not None:
        targets = list(request.targets)
    else:
        assert request.query is not None
        targets = select_targets(conn, request.query, at)
    events: list[dict[str, Any]] = []
    unchanged = 0
    for seq in dict.fromkeys(targets):  # each notification once, in order
        changes = _changes(conn, seq, request, hub_source, at, now)
        if changes:
            events += changes
        else:
            unchanged += 1
    cursors = [format_cursor(seq) for seq, _ in txn.insert(events, request.actor)] if events else []
    changed = len({event["subject"] for event in events})
    return {"changed": changed, "cursors": cursors, "unchanged": unchanged}


def _changes(
    conn: Any, seq: int, request: LifecycleRequest, hub_source: str, at: str, now: datetime
) -> list[dict[str, Any]]:
    """The lifecycle events that make the request's change to one notification: none when
    it is an audit event or already in the state asked for."""
    state = load_state(conn, seq)
    if state is None:  # audit events have no lifecycle
        return []
    source, event_id = conn.execute("SELECT source, id FROM log WHERE seq = ?", (seq,)).fetchone()
    steps: list[tuple[Verb, str | None, str | None, str | None]] = []
    comment = request.comment
    if request.verb in (Verb.ASSIGN, Verb.TAKE) and state.status(now) in (
        Status.READ,
        Status.UNREAD,
    ):
        steps.append((Verb.ACK, comment, request.until, None))
        comment = None  # said once, on the ack the list shows
    until = request.until if request.verb is Verb.ACK else None
    steps.append((request.verb, comment, until, request.to))
    events = []
    for verb, text, ack_until, to in steps:
        if not _changes_state(state, verb, request.actor, at, text, ack_until, to):
            continue
        events.append(
            lifecycle_event(
                verb,
                source,
                event_id,
                actor=request.actor,
                hub_source=hub_source,
                event_id=str(uuid.uuid4()),
                at=at,
                comment=text,
                until=ack_until,
                to=to,
            )
        )
    return events


def _changes_state(
    state: LifecycleState,
    verb: Verb,
    actor: str,
    at: str,
    comment: str | None,
    until: str | None,
    to: str | None,
) -> bool:
    """Applies the change to `state`; whether it changed anything."""
    before = copy.copy(state)
    state.apply(verb, actor, at, comment, until, to)
    return state != before
