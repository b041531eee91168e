"""Which events pop up, and how: coalesced, rate-limited, and a digest for a backlog.

Kept free of Textual so that the policy is tested without a terminal: the app offers
every incoming event, drains the toasts on its flush timer, and shows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import describe, severity_of
from notifycenter.model.lifecycle import read_lifecycle_event
from notifycenter.model.operations import completion_of
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import Bucket, Severity, bucket_of
from notifycenter.model.silences import SILENCE_TYPES, silence_of
from notifycenter.tui.silence_watch import SilenceWatch

OPERATION_DONE = {
    "io.meshery.operation.succeeded": Severity.SUCCESS,
    "io.meshery.operation.failed": Severity.ERROR,
    "io.meshery.operation.cancelled": Severity.WARNING,
}


def silenced(event: Mapping[str, Any]) -> bool:
    """Arrived under a hub silence (or records one): no toast, bell or digest line."""
    return silence_of(event) is not None or event.get("type") in SILENCE_TYPES


GROUP_WORDS = {Bucket.ERRORS: "error", Bucket.WARNINGS: "warning", Bucket.INFOS: "notification"}
Level = Literal["information", "warning", "error"]  # Textual's notify severities
LEVELS: dict[Bucket, Level] = {
    Bucket.ERRORS: "error",
    Bucket.WARNINGS: "warning",
    Bucket.INFOS: "information",
}


@dataclass(frozen=True)
class PolicySettings:
    """What the `[tui.notifications]` table and `[tui] bell` configure."""

    min_severity: Severity = Severity.NOTICE
    # Source prefix -> minimum severity for that source; None mutes it.
    sources: Mapping[str, Severity | None] = field(default_factory=dict)
    mute: tuple[str, ...] = ()
    bell: Severity | None = Severity.ALERT
    max_toasts: int = 3
    window_seconds: float = 10.0
    operations: bool = True
    # Routine good news (a succeeded operation, a SUCCESS event) only pops up when asked:
    # the list and the status line still show it.
    successes: bool = False
    # Pop-up toasts cover part of the screen: off unless asked. Every notification is on
    # the status line and in the drawer (`n`) either way.
    toasts: bool = False
    # A backlog is over when its last cursor arrived, or after this long without any.
    settle_seconds: float = 1.0


@dataclass(frozen=True)
class Toast:
    title: str
    message: str
    level: Level
    bell: bool = False


@dataclass
class _Group:
    bucket: Bucket
    source: str
    operations: bool
    events: list[Mapping[str, Any]] = field(default_factory=list)
    top: Severity = Severity.DEBUG


@dataclass
class _Backlog:
    until: str | None
    began: float
    last_arrival: float
    events: int = 0
    errors: int = 0
    bell: bool = False


def cursor_key(cursor: str | None) -> tuple[int, str]:
    """Cursors are decimal strings; compare them as numbers whatever their padding."""
    text = (cursor or "").lstrip("0")
    return (len(text), text)


class NotificationPolicy:
    """Decides what an operator is interrupted with.

    `seen` is the last cursor the operator has already been told about (restored from
    the data dir): events at or before it are never toasted again.
    """

    def __init__(
        self,
        settings: PolicySettings | None = None,
        *,
        seen: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or PolicySettings()
        self.seen = seen
        self._clock = clock
        self._groups: dict[tuple[Bucket, str, bool], _Group] = {}
        self._backlog: _Backlog | None = None
        self.silences = SilenceWatch()  # one notice when a silence ends, never a replay
        self._held = False
        self._tokens = float(self.settings.max_toasts)
        self._refilled = clock()

    # -- feeding -------------------------------------------------------------------

    def begin_backlog(self, until: str | None) -> None:
        """Everything up to cursor `until` is backlog (None: until told by `backlog_until`)."""
        now = self._clock()
        if self._backlog is None:
            self._backlog = _Backlog(until, now, now)
        else:
            self._backlog.until = until

    def backlog_until(self, until: str) -> None:
        """The end is known now; the quiet period counts from here."""
        if self._backlog is not None:
            self._backlog.until = until
            self._backlog.last_arrival = self._clock()

    @property
    def in_backlog(self) -> bool:
        return self._backlog is not None

    @property
    def quiet(self) -> bool:
        """Nothing waits to be toasted: no coalescing group, no digest to come."""
        return not self._groups and self._backlog is None

    def hold_backlog(self, held: bool) -> None:
        """While held, the digest waits: older pages of the backlog are still being counted."""
        self._held = held

    def count_backlog(self, events: Iterable[Mapping[str, Any]], after: str) -> None:
        """Count events older than those offered (pages read backwards) that are newer
        than cursor `after` into the digest; they never pop up on their own."""
        backlog = self._backlog
        if backlog is None:
            return
        for event in events:
            cursor = event.get("cursor")
            if (
                cursor is not None
                and cursor_key(cursor) > cursor_key(after)
                and read_lifecycle_event(event) is None
                and not silenced(event)
            ):
                self._count_backlog(backlog, event)

    def offer(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self._offer_one(event)

    def _offer_one(self, event: Mapping[str, Any]) -> None:
        cursor = event.get("cursor")
        if (
            cursor is not None
            and self.seen is not None
            and cursor_key(cursor) <= cursor_key(self.seen)
        ):
            return
        if cursor is not None:
            self.seen = cursor
        if read_lifecycle_event(event) is not None:
            return
        backlog = self._backlog
        in_backlog = backlog is not None and (
            backlog.until is None
            or cursor is None
            or cursor_key(cursor) <= cursor_key(backlog.until)
        )
        if silenced(event):  # listed, never notified, then or later
            if not in_backlog:
                self.silences.see(event)
            return
        if backlog is not None and in_backlog:
            self._count_backlog(backlog, event)
            return
        if self.wants(event):
            self._group(event)

    def count_backlog_tally(self, events: int, errors: int, loudest: int) -> None:
        """`count_backlog` for events counted elsewhere (a store's `tally`)."""
        backlog = self._backlog
        if backlog is None or not events:
            return
        backlog.events += events
        backlog.errors += errors
        backlog.last_arrival = self._clock()
        if self.settings.bell is not None and loudest >= self.settings.bell:
            backlog.bell = True

    def _count_backlog(self, backlog: _Backlog, event: Mapping[str, Any]) -> None:
        severity = _severity(event)
        backlog.events += 1
        backlog.last_arrival = self._clock()
        if bucket_of(severity, event.get("category")) is Bucket.ERRORS:
            backlog.errors += 1
        if self.settings.bell is not None and severity >= self.settings.bell:
            backlog.bell = True

    def wants(self, event: Mapping[str, Any]) -> bool:
        """True when this event, arriving live, deserves a toast."""
        source = str(event.get("source", ""))
        if any(source.startswith(prefix) for prefix in self.settings.mute):
            return False
        done = OPERATION_DONE.get(str(event.get("type", "")))
        if done is not None:
            routine = done is Severity.SUCCESS and not self.settings.successes
            return self.settings.operations and not routine
        severity = _severity(event)
        if severity is Severity.SUCCESS and not self.settings.successes:
            return False
        if bucket_of(severity, event.get("category")) is Bucket.AUDIT:
            return False
        threshold = self._threshold(source)
        return threshold is not None and severity >= threshold

    def _threshold(self, source: str) -> Severity | None:
        matches = [p for p in self.settings.sources if source.startswith(p)]
        if not matches:
            return self.settings.min_severity
        return self.settings.sources[max(matches, key=len)]

    def _group(self, event: Mapping[str, Any]) -> None:
        operation = str(event.get("type", "")) in OPERATION_DONE
        severity = OPERATION_DONE.get(str(event.get("type"))) or _severity(event)
        bucket = bucket_of(severity, None)
        key = (bucket, str(event.get("source", "")), operation)
        group = self._groups.setdefault(key, _Group(bucket, key[1], operation))
        group.events.append(event)
        group.top = max(group.top, severity)

    # -- draining ------------------------------------------------------------------

    def drain(self) -> list[Toast]:
        """The toasts to show now; groups over the rate limit wait and keep coalescing."""
        toasts = self._drain_backlog() + [
            Toast(title, message, "information") for title, message in self.silences.ended()
        ]
        self._refill()
        available = int(self._tokens) - len(toasts)
        if not self._groups or available <= 0:
            self._tokens -= len(toasts)
            return toasts
        groups = sorted(self._groups.values(), key=lambda g: g.top, reverse=True)
        self._groups.clear()
        if len(groups) > available:
            single, rest = groups[: available - 1], groups[available - 1 :]
            toasts += [self._toast(g) for g in single] + [self._merged(rest)]
        else:
            toasts += [self._toast(g) for g in groups]
        self._tokens -= len(toasts)
        return toasts

    def _refill(self) -> None:
        now = self._clock()
        rate = self.settings.max_toasts / self.settings.window_seconds
        self._tokens = min(
            float(self.settings.max_toasts), self._tokens + (now - self._refilled) * rate
        )
        self._refilled = now

    def _drain_backlog(self) -> list[Toast]:
        backlog = self._backlog
        if backlog is None or backlog.until is None or self._held:
            return []
        caught_up = self.seen is not None and cursor_key(self.seen) >= cursor_key(backlog.until)
        quiet = self._clock() - backlog.last_arrival >= self.settings.settle_seconds
        if not (caught_up or quiet):
            return []
        self._backlog = None
        if backlog.events == 0:
            return []
        return [digest_toast(backlog.events, backlog.errors, backlog.bell)]

    def _toast(self, group: _Group) -> Toast:
        bell = self.settings.bell is not None and group.top >= self.settings.bell
        level = LEVELS.get(group.bucket, "information")
        source = sanitize_line(group.source, 120)
        if len(group.events) == 1:
            event = group.events[0]
            return Toast(
                title=f"{group.top.name} · {source}",
                message=_summary(event),
                level=level,
                bell=bell,
            )
        count = len(group.events)
        word = "operations finished" if group.operations else f"new {GROUP_WORDS[group.bucket]}s"
        return Toast(
            title=group.top.name, message=f"{count:,} {word} from {source}", level=level, bell=bell
        )

    def _merged(self, groups: list[_Group]) -> Toast:
        total = sum(len(g.events) for g in groups)
        parts = []
        for bucket in (Bucket.ERRORS, Bucket.WARNINGS, Bucket.INFOS):
            count = sum(len(g.events) for g in groups if g.bucket is bucket)
            if count:
                parts.append(_counted(count, GROUP_WORDS[bucket]))
        top = max(g.top for g in groups)
        bell = self.settings.bell is not None and top >= self.settings.bell
        level = LEVELS.get(bucket_of(top, None), "information")
        sources = len({g.source for g in groups})
        return Toast(
            title=f"{total:,} more",
            message=f"{', '.join(parts)} from {_counted(sources, 'source')}",
            level=level,
            bell=bell,
        )


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def digest_toast(events: int, errors: int, bell: bool = False) -> Toast:
    """One toast for a backlog, never a flood."""
    message = f"while away: {_counted(events, 'event')}, {_counted(errors, 'error')}"
    return Toast(
        title="Backlog", message=message, level="error" if errors else "information", bell=bell
    )


def _severity(event: Mapping[str, Any]) -> Severity:
    try:
        return severity_of(event)
    except Exception:  # a malformed severity never stops the feed
        return Severity.INFO


def _summary(event: Mapping[str, Any]) -> str:
    """One line for a notification; for a finished operation its name, state, error code
    and first remediation (already sanitised by `completion_of`)."""
    if str(event.get("type", "")) in OPERATION_DONE:
        try:
            completion = completion_of(event)
        except (NotifyError, LookupError, TypeError, ValueError):  # malformed: its summary will do
            completion = None
        if completion is not None:
            return completion.message
    return sanitize_line(describe(event).summary, 200)
