"""A notification's lifecycle: verbs, the state they build, and the events that record them.

The hub and every client apply the same lifecycle events in log order with
`LifecycleState.apply`, so that they converge on the same state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from notifycenter.model.sanitize import has_unsafe

LIFECYCLE_TYPE_PREFIX = "io.meshery.notification."


class Verb(StrEnum):
    READ = "read"
    UNREAD = "unread"
    ACK = "ack"
    UNACK = "unack"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    ASSIGN = "assign"
    TAKE = "take"
    RELEASE = "release"

    @property
    def event_type(self) -> str:
        return LIFECYCLE_TYPE_PREFIX + self.value

    @property
    def past_tense(self) -> str:
        """How a message says it was done: "acknowledged", "marked read"."""
        return _PAST_TENSE[self]


_PAST_TENSE = {
    Verb.READ: "marked read",
    Verb.UNREAD: "marked unread",
    Verb.ACK: "acknowledged",
    Verb.UNACK: "unacknowledged",
    Verb.RESOLVE: "resolved",
    Verb.REOPEN: "reopened",
    Verb.ARCHIVE: "archived",
    Verb.ASSIGN: "assigned",
    Verb.TAKE: "taken",
    Verb.RELEASE: "released",
}

# `until` of an ack that holds until the notification is resolved: it never lapses on
# time, and a reopen finds the notification unacknowledged.
UNTIL_RESOLVED = "resolved"
# The actor of the changes the hub makes itself (an expired ack's unack).
HUB_ACTOR = "notifycenter"
ACK_EXPIRED = "ack expired"


class Status(StrEnum):
    """The one status shown for a notification, strongest first."""

    ARCHIVED = "archived"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    READ = "read"
    UNREAD = "unread"


# Filters accepted by `--status` and `status=`: the statuses plus two groupings.
STATUS_FILTERS = ("unread", "read", "acknowledged", "unacked", "resolved", "archived", "open")


@dataclass(slots=True)
class LifecycleState:
    read: bool = False
    acked_by: str | None = None
    acked_at: str | None = None
    ack_comment: str | None = None
    ack_until: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None
    archived_by: str | None = None
    archived_at: str | None = None
    owner: str | None = None

    def apply(
        self,
        verb: Verb,
        actor: str,
        at: str,
        comment: str | None = None,
        until: str | None = None,
        to: str | None = None,
    ) -> None:
        """Fold one change in. An assign names its owner in `to`, a take makes the actor
        the owner; the ack they imply is a change of its own, so the history shows both."""
        if verb is Verb.READ:
            self.read = True
        elif verb is Verb.UNREAD:
            self.read = False
        elif verb is Verb.ACK:
            self.read = True
            self.acked_by, self.acked_at, self.ack_comment, self.ack_until = (
                actor,
                at,
                comment,
                until,
            )
        elif verb is Verb.UNACK:
            self.acked_by = self.acked_at = self.ack_comment = self.ack_until = None
        elif verb is Verb.RESOLVE:
            self.read = True
            self.resolved_by, self.resolved_at = actor, at
        elif verb is Verb.REOPEN:
            self.resolved_by = self.resolved_at = self.archived_by = self.archived_at = None
            if self.ack_until == UNTIL_RESOLVED:  # the ack held until the resolve, no longer
                self.acked_by = self.acked_at = self.ack_comment = self.ack_until = None
        elif verb is Verb.ARCHIVE:
            self.archived_by, self.archived_at = actor, at
        elif verb is Verb.ASSIGN or verb is Verb.TAKE:
            self.read = True
            self.owner = to if verb is Verb.ASSIGN and to else actor
        elif verb is Verb.RELEASE:
            self.owner = None

    def acknowledged(self, now: datetime) -> bool:
        """An ack whose `until` has passed lapses: the notification needs attention again."""
        if self.acked_by is None:
            return False
        if self.ack_until is None or self.ack_until == UNTIL_RESOLVED:
            return True
        return parse_time(self.ack_until) > now

    def expired(self, now: datetime) -> bool:
        """An ack is held whose `until` has passed: the hub records its unack."""
        return self.acked_by is not None and not self.acknowledged(now)

    def status(self, now: datetime) -> Status:
        if self.archived_at:
            return Status.ARCHIVED
        if self.resolved_at:
            return Status.RESOLVED
        if self.acknowledged(now):
            return Status.ACKNOWLEDGED
        return Status.READ if self.read else Status.UNREAD

    def matches(self, wanted: str, now: datetime) -> bool:
        """True when the state satisfies a `STATUS_FILTERS` value."""
        status = self.status(now)
        if wanted == "open":
            return status not in (Status.RESOLVED, Status.ARCHIVED)
        if wanted == "unacked":
            return status in (Status.READ, Status.UNREAD)
        if wanted == "read":
            return self.read and status is Status.READ
        return status.value == wanted


# `owner=` and `owner:` take a user, or one of these two words.
OWNER_ME = "me"  # the user the client is logged in as
OWNER_NONE = "none"  # nobody owns it


def owner_wanted(wanted: str, me: str | None) -> str | None:
    """The owner a filter value selects: a user name, or None for `none`."""
    if wanted == OWNER_NONE:
        return None
    if wanted == OWNER_ME:
        return me or "anonymous"
    return wanted


@dataclass(frozen=True, slots=True)
class LifecycleChange:
    """What one lifecycle event says, read back from its CloudEvent."""

    verb: Verb
    target_source: str
    target_id: str
    actor: str
    at: str
    comment: str | None
    until: str | None
    to: str | None = None  # assign: the new owner


def lifecycle_event(
    verb: Verb,
    target_source: str,
    target_id: str,
    *,
    actor: str,
    hub_source: str,
    event_id: str,
    at: str,
    comment: str | None = None,
    until: str | None = None,
    to: str | None = None,
) -> dict[str, Any]:
    """The CloudEvent that records a lifecycle change in the log (docs/api.md)."""
    data: dict[str, Any] = {
        "target": {"source": target_source, "id": target_id},
        "actor": actor,
        "comment": comment,
        "until": until,
    }
    if to is not None:
        data["to"] = to
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": hub_source,
        "type": verb.event_type,
        "time": at,
        "category": "audit",
        "severitytext": "DEBUG",
        "severitynumber": 5,
        "subject": f"{target_source}#{target_id}",
        "datacontenttype": "application/json",
        "data": data,
    }


def read_lifecycle_event(event: Mapping[str, Any]) -> LifecycleChange | None:
    """The change an event records, or None when it is not a lifecycle event."""
    etype = event.get("type", "")
    if not isinstance(etype, str) or not etype.startswith(LIFECYCLE_TYPE_PREFIX):
        return None
    try:
        verb = Verb(etype.removeprefix(LIFECYCLE_TYPE_PREFIX))
        data = event["data"]
        target = data["target"]
        return LifecycleChange(
            verb,
            target["source"],
            target["id"],
            data.get("actor") or "",
            event.get("time", ""),
            data.get("comment"),
            data.get("until"),
            to if isinstance(to := data.get("to"), str) else None,
        )
    except (ValueError, KeyError, TypeError):
        return None


def parse_time(text: str) -> datetime:
    """RFC 3339 to an aware datetime."""
    try:
        return datetime.fromisoformat(text)  # reads `Z` itself: a backlog's times go this way
    except ValueError:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))  # a lower-case `z`


def format_time(moment: datetime) -> str:
    """Aware datetime to RFC 3339 UTC with milliseconds: sorts as text in time order.
    `isoformat` writes the year in four digits (`strftime`'s `%Y` wrote 999 as `999`,
    which no reader takes back)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


MAX_COMMENT = 1000  # characters of an operator's comment (on a change, on a silence)


def comment_fault(comment: str) -> str | None:
    """Why an operator's comment cannot be kept, None when it can: it is copied into an
    event for each notification it concerns and shown in every client, so it is bounded
    and holds no control or format character but line breaks and tabs."""
    if len(comment) > MAX_COMMENT:
        return f"comment is longer than {MAX_COMMENT} characters"
    if has_unsafe(comment.replace("\n", " ").replace("\t", " ")):
        return "comment holds control or format characters; only line breaks may be"
    return None


_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta | None:
    """`2h`, `30m`, `1d12h` to a timedelta; None when it is not a duration."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact.replace(" ", ""):
        return None
    return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())
