"""Operations (docs/operations.md): read operation events, fold them into one record per operation,
and derive what an operator sees — state, progress, times, an estimate of time left.

The hub's projection and every client fold the same events with `OperationIndex`, so that
they agree; state depends on the clock only through the stall rule (`state_of`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import span_ids
from notifycenter.model.lifecycle import parse_time
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import parse_severity
from notifycenter.model.wire import Operation

OPERATION_TYPE_PREFIX = "io.meshery.operation."
SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
DEFAULT_STALL_AFTER = timedelta(minutes=10)


class Phase(StrEnum):
    """What a producer reports: the last word of an operation event's type."""

    STARTED = "started"
    PROGRESS = "progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def event_type(self) -> str:
        return OPERATION_TYPE_PREFIX + self.value


class State(StrEnum):
    """What the hub derives: phases plus `pending` (heard of, not started) and `stalled`."""

    PENDING = "pending"
    RUNNING = "running"
    STALLED = "stalled"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ENDING_PHASES = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED})
FINISHED_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED})
ACTIVE_STATES = frozenset({State.PENDING, State.RUNNING, State.STALLED})
# Filters accepted by `state=` / `--state`: every state plus two groupings.
STATE_FILTERS = (*tuple(s.value for s in State), "active", "finished")
# Severity of each phase's event: progress is audit-level chatter; endings are notifications.
PHASE_SEVERITY = {
    Phase.STARTED: "INFO",
    Phase.PROGRESS: "DEBUG",
    Phase.SUCCEEDED: "SUCCESS",
    Phase.FAILED: "ERROR",
    Phase.CANCELLED: "NOTICE",
}


@dataclass(frozen=True, slots=True)
class OperationReport:
    """One operation event, read back."""

    phase: Phase
    id: str
    trace_id: str | None
    parent: str | None
    name: str | None
    done: float | None
    total: float | None
    message: str | None
    source: str
    subject: str | None
    time: str | None
    error: dict[str, Any] | None


def read_operation_event(event: Mapping[str, Any]) -> OperationReport | None:
    """The report an event makes, or None when it is not a well-formed operation event."""
    etype = event.get("type")
    if not isinstance(etype, str) or not etype.startswith(OPERATION_TYPE_PREFIX):
        return None
    try:
        phase = Phase(etype.removeprefix(OPERATION_TYPE_PREFIX))
    except ValueError:
        return None
    data = _mapping(event.get("data"))
    body = _mapping(data.get("operation"))
    spans = span_ids(event)
    op_id = _span(body.get("id")) or (spans[1] if spans else None)
    if op_id is None:
        return None
    parent = _span(body.get("parent"))
    return OperationReport(
        phase=phase,
        id=op_id,
        trace_id=spans[0] if spans else None,
        parent=parent if parent != op_id else None,
        name=_str(body.get("name")),
        done=_number(body.get("done")),
        total=_positive(body.get("total")),
        message=_str(body.get("message")),
        source=str(event.get("source", "")),
        subject=_str(event.get("subject")),
        time=_str(event.get("time")),
        error=dict(data["error"]) if isinstance(data.get("error"), Mapping) else None,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _span(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and SPAN_ID.match(value.lower()) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    if not math.isfinite(number) or number < 0:
        return None
    # A whole count reads as an int, but only where a float is exact and SQLite's INTEGER holds it.
    return int(value) if number.is_integer() and number < 2**53 else number


def _positive(value: Any) -> float | None:
    number = _number(value)
    return number if number else None


@dataclass(slots=True)
class OperationRecord:
    """Everything folded from an operation's events; `state_of` and friends derive the rest.

    `last_heard` is the latest event time of the operation or any of its descendants:
    a parent whose child reports is not stalled.
    """

    id: str
    trace_id: str | None = None
    parent: str | None = None
    name: str = ""
    source: str = ""
    started_by: str = ""
    subject: str | None = None
    phase: Phase | None = None
    done: float | None = None
    total: float | None = None
    message: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    last_heard: str | None = None
    error: dict[str, Any] | None = None
    children: int = 0
    finished_children: int = 0
    events: int = 0
    cursor: str | None = None

    @property
    def ended(self) -> bool:
        return self.phase in ENDING_PHASES


@dataclass(frozen=True, slots=True)
class Folded:
    """What one report changed that concerns the parent: a new child, a child that ended."""

    new_child_of: str | None = None
    ended_child_of: str | None = None


def fold_report(
    record: OperationRecord,
    report: OperationReport,
    *,
    cursor: str | None = None,
    actor: str | None = None,
) -> Folded:
    """Apply one report; the first ending wins, and nothing reopens an ended operation."""
    new_child_of = None
    if record.parent is None and report.parent is not None:
        record.parent = new_child_of = report.parent
    record.trace_id = record.trace_id or report.trace_id
    record.name = record.name or report.name or ""
    record.subject = record.subject or report.subject
    if report.phase is Phase.STARTED or not record.source:
        record.source = report.source or record.source
        record.started_by = actor or record.source
    if report.time:
        record.started_at = _earliest(record.started_at, report.time)
        record.last_heard = _latest(record.last_heard, report.time)
    record.events += 1
    record.cursor = cursor or record.cursor
    was_ended = record.ended
    if not was_ended:
        _fold_phase(record, report)
    ended_now = record.ended and not was_ended
    return Folded(new_child_of, record.parent if ended_now else None)


def _fold_phase(record: OperationRecord, report: OperationReport) -> None:
    if report.phase is Phase.STARTED:
        record.phase = record.phase or Phase.STARTED
        record.name = report.name or record.name
    else:
        record.phase = report.phase
    if report.total is not None:
        record.total = report.total
    if report.done is not None:
        record.done = report.done
    if report.message is not None:
        record.message = report.message
    if report.phase in ENDING_PHASES:
        record.ended_at = report.time
        record.error = report.error if report.phase is Phase.FAILED else None
        if report.phase is Phase.SUCCEEDED and record.total is not None:
            record.done = record.total


def _earliest(current: str | None, candidate: str) -> str:
    return candidate if current is None or _instant(candidate) < _instant(current) else current


def _latest(current: str | None, candidate: str) -> str:
    return candidate if current is None or _instant(candidate) > _instant(current) else current


def _instant(text: str) -> datetime:
    return parse_time(text)


# -- derivation ---------------------------------------------------------------


def state_of(
    record: OperationRecord, now: datetime, stall_after: timedelta = DEFAULT_STALL_AFTER
) -> State:
    """The stall rule: an operation that has not ended and from which (or from whose
    descendants) nothing was heard for `stall_after` is stalled."""
    if record.phase is not None and record.phase in ENDING_PHASES:
        return State(record.phase.value)
    if record.last_heard is not None and now - _instant(record.last_heard) >= stall_after:
        return State.STALLED
    return State.PENDING if record.phase is None else State.RUNNING


@dataclass(frozen=True, slots=True)
class Progress:
    """done/total: the operation's own, else its finished children; fraction None = unknown."""

    done: float | None
    total: float | None
    fraction: float | None


def progress_of(record: OperationRecord) -> Progress:
    if record.total:
        done = min(max(record.done or 0, 0), record.total)
        return Progress(done, record.total, done / record.total)
    if record.children:
        return Progress(
            record.finished_children, record.children, record.finished_children / record.children
        )
    if record.phase is Phase.SUCCEEDED:
        return Progress(None, None, 1.0)
    return Progress(None, None, None)


def duration_of(record: OperationRecord, now: datetime) -> float | None:
    """Seconds from start to end, or to now while it has not ended."""
    if record.started_at is None:
        return None
    end = _instant(record.ended_at) if record.ended_at else now
    return max((end - _instant(record.started_at)).total_seconds(), 0.0)


def eta_of(record: OperationRecord, now: datetime, state: State | None = None) -> float | None:
    """Seconds left at the pace so far; None when progress or elapsed time cannot tell."""
    state = state or state_of(record, now)
    fraction = progress_of(record).fraction
    elapsed = duration_of(record, now)
    if state is not State.RUNNING or not fraction or fraction >= 1 or not elapsed:
        return None
    return elapsed * (1 - fraction) / fraction


def operation_view(
    record: OperationRecord, now: datetime, stall_after: timedelta = DEFAULT_STALL_AFTER
) -> Operation:
    """An operation as the API answers it (docs/operations.md); raw text, JSON-safe."""
    state = state_of(record, now, stall_after)
    progress = progress_of(record)
    return {
        "id": record.id,
        "trace_id": record.trace_id,
        "parent": record.parent,
        "name": record.name,
        "state": state.value,
        "progress": progress.fraction,
        "done": progress.done,
        "total": progress.total,
        "message": record.message,
        "source": record.source,
        "started_by": record.started_by,
        "subject": record.subject,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "last_heard": record.last_heard,
        "duration": duration_of(record, now),
        "eta": eta_of(record, now, state),
        "children": record.children,
        "finished_children": record.finished_children,
        "event_count": record.events,
        "error": record.error,
        "cursor": record.cursor,
    }


def matches_state(state: State, wanted: str) -> bool:
    """True when a state satisfies a `STATE_FILTERS` value."""
    if wanted == "active":
        return state in ACTIVE_STATES
    if wanted == "finished":
        return state in FINISHED_STATES
    return state.value == wanted


# -- the fold over many operations --------------------------------------------


class OperationIndex:
    """All operations folded from events in log order, with their parent/child links.

    `load` fetches a record not in memory (the hub reads its table); without it the index
    is self-contained (clients, tests). `changed` collects the ids touched since the
    caller last cleared it, so that the hub writes back only those rows.
    """

    def __init__(self, load: Callable[[str], OperationRecord | None] | None = None) -> None:
        self.records: dict[str, OperationRecord] = {}
        self.children: dict[str, list[str]] = {}
        self.changed: set[str] = set()
        self._load = load

    def get(self, op_id: str) -> OperationRecord | None:
        record = self.records.get(op_id)
        if record is None and self._load is not None:
            record = self._load(op_id)
            if record is not None:
                self.records[op_id] = record
        return record

    def apply(
        self, event: Mapping[str, Any], *, cursor: str | None = None, actor: str | None = None
    ) -> set[str]:
        """Fold one event; return the ids of the operations it changed."""
        cursor = cursor or event.get("cursor")
        report = read_operation_event(event)
        if report is not None:
            touched = self._apply_report(report, cursor, actor)
        else:
            touched = self._apply_plain(event, cursor)
        self.changed |= touched
        return touched

    def _apply_report(
        self, report: OperationReport, cursor: str | None, actor: str | None
    ) -> set[str]:
        record = self.get(report.id) or self._create(report.id)
        folded = fold_report(record, report, cursor=cursor, actor=actor)
        touched = {record.id}
        if folded.new_child_of:
            parent = self.get(folded.new_child_of) or self._create(folded.new_child_of, record)
            parent.children += 1
            self.children.setdefault(parent.id, []).append(record.id)
            touched.add(parent.id)
            if record.ended and not folded.ended_child_of:
                parent.finished_children += 1  # the first news of this child was its end
        if folded.ended_child_of:
            ended_parent = self.get(folded.ended_child_of)
            if ended_parent is not None:
                ended_parent.finished_children += 1
                touched.add(ended_parent.id)
        if report.time:
            touched |= self._hear(record.parent, report.time, cursor)
        return touched

    def _apply_plain(self, event: Mapping[str, Any], cursor: str | None) -> set[str]:
        """Any other event whose traceparent names a known operation is in its log."""
        spans = span_ids(event)
        record = self.get(spans[1]) if spans else None
        if record is None:
            return set()
        record.events += 1
        record.cursor = cursor or record.cursor
        time = event.get("time")
        touched = {record.id}
        if isinstance(time, str) and time:
            record.last_heard = _latest(record.last_heard, time)
            touched |= self._hear(record.parent, time, cursor)
        return touched

    def _create(self, op_id: str, child: OperationRecord | None = None) -> OperationRecord:
        record = OperationRecord(op_id, trace_id=child.trace_id if child else None)
        self.records[op_id] = record
        return record

    def _hear(self, op_id: str | None, time: str, cursor: str | None) -> set[str]:
        """News of a descendant is news of every ancestor (the stall rule)."""
        touched: set[str] = set()
        seen: set[str] = set()
        while op_id is not None and op_id not in seen:
            seen.add(op_id)
            record = self.get(op_id)
            if record is None:
                break
            record.last_heard = _latest(record.last_heard, time)
            record.cursor = cursor or record.cursor
            touched.add(op_id)
            op_id = record.parent
        return touched

    def roots(self) -> list[OperationRecord]:
        return [r for r in self.records.values() if r.parent is None]

    def children_of(self, op_id: str) -> list[OperationRecord]:
        return [self.records[c] for c in self.children.get(op_id, ()) if c in self.records]

    def tree(
        self, op_id: str, now: datetime, stall_after: timedelta = DEFAULT_STALL_AFTER
    ) -> dict[str, Any] | None:
        """The operation's view with `children` replaced by its children's trees."""
        record = self.get(op_id)
        if record is None:
            return None
        view: dict[str, Any] = {**operation_view(record, now, stall_after)}
        view["children"] = [self.tree(c.id, now, stall_after) for c in self.children_of(op_id)]
        view["children"].sort(key=lambda v: (v["started_at"] or "", v["id"]))
        return view


def fold_events(events: Iterable[Mapping[str, Any]]) -> OperationIndex:
    """An index of the operations in `events` (in log order)."""
    index = OperationIndex()
    for event in events:
        index.apply(event)
    return index


# -- producing ----------------------------------------------------------------


def operation_fields(
    phase: Phase,
    *,
    op_id: str,
    trace_id: str,
    parent: str | None,
    name: str,
    done: float | None = None,
    total: float | None = None,
    message: str | None = None,
    error: Mapping[str, Any] | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """The attributes of an operation event, ready for `Emitter.emit(**fields)`."""
    operation = {
        "id": op_id,
        "parent": parent,
        "name": name,
        "done": done,
        "total": total,
        "message": message,
    }
    data: dict[str, Any] = {
        "summary": _summary(phase, name, done, total, message),
        "operation": operation,
    }
    if details:
        data["details"] = details
    severity = PHASE_SEVERITY[phase]
    if error is not None:
        data["error"] = dict(error)
        severity = _severity_name(error.get("severity"), severity)
    return {
        "type": phase.event_type,
        "traceparent": f"00-{trace_id}-{op_id}-01",
        "category": "operation",
        "severitytext": severity,
        "data": data,
    }


def _severity_name(value: Any, default: str) -> str:
    try:
        return parse_severity(value).name if isinstance(value, str) else default
    except NotifyError:
        return default


def _summary(
    phase: Phase, name: str, done: float | None, total: float | None, message: str | None
) -> str:
    if phase is Phase.PROGRESS:
        counts = (
            f" {_count(done)}/{_count(total)}"
            if total
            else (f" {_count(done)}" if done is not None else "")
        )
        return f"{name}:{counts}" + (f" {message}" if message else "")
    return f"{name} {phase.value}" + (f": {message}" if message else "")


def _count(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


@dataclass(frozen=True, slots=True)
class Completion:
    """What a toast says when an operation ends; sanitised, ready to show."""

    state: State
    title: str
    message: str
    operation_id: str
    remediation: tuple[str, ...] = field(default=())


def completion_of(event: Mapping[str, Any]) -> Completion | None:
    """The toast for an operation's ending event (succeeded, failed, cancelled), else None."""
    report = read_operation_event(event)
    if report is None or report.phase not in ENDING_PHASES:
        return None
    name = sanitize_line(report.name or report.id, 120)
    state = State(report.phase.value)
    error = report.error or {}
    code = sanitize_line(error.get("code") or "", 64)
    remedies = tuple(sanitize_line(r, 240) for r in error.get("suggestedRemediation") or ())
    lines = [f"{name} {state.value}"]
    if report.message:
        lines.append(sanitize_line(report.message, 240))
    if code:
        lines.append(code)
    if remedies:
        lines.append(f"Remediation: {remedies[0]}")
    return Completion(state, f"Operation {state.value}", "\n".join(lines), report.id, remedies)


# -- display (shared by `ops watch` and the TUI) --------------------------------

STATE_GLYPHS = {
    # Glyphs that Fira Code, DejaVu Sans Mono and most terminal fonts can draw.
    State.PENDING: "○",
    State.RUNNING: "▶",
    State.STALLED: "!",
    State.SUCCEEDED: "√",
    State.FAILED: "×",
    State.CANCELLED: "∅",
}
BAR_FULL, BAR_EMPTY = "█", "░"
UNKNOWN_GLYPH = "?"


def known_state(value: str) -> State | None:
    """The state an answer names; None for one this version does not know (a newer hub's,
    or a broken one's), which is shown as it came, marked `?`, instead of stopping the
    display."""
    try:
        return State(value)
    except ValueError:
        return None


def state_glyph(state: State | None) -> str:
    return STATE_GLYPHS[state] if state is not None else UNKNOWN_GLYPH


def state_label(value: str, limit: int) -> str:
    """`▶ running`; a state this version does not know as the answer named it (one clean
    line of at most `limit`), marked `?`."""
    state = known_state(value)
    return f"{state_glyph(state)} {state.value if state else sanitize_line(value, limit)}"


def _share(fraction: float | None) -> float | None:
    """A fraction between 0 and 1, or None: a hub's answer may hold any float."""
    if fraction is None or not math.isfinite(fraction):
        return None
    return min(max(fraction, 0.0), 1.0)


def progress_bar(fraction: float | None, width: int) -> str:
    """A bar of `width` cells; unknown progress is a dotted bar, never a guess."""
    if width <= 0:
        return ""
    share = _share(fraction)
    if share is None:
        return "·" * width
    filled = round(share * width)
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


MOST_SECONDS = 999 * 86400  # longer is shown as `999d+`: the column stays a column


def format_seconds(seconds: float | None) -> str:
    """`4s`, `2m05s`, `1h02m`, `3d04h`: what fits a column."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    if seconds >= MOST_SECONDS:
        return "999d+"
    whole = int(max(seconds, 0.0))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_text(view: Mapping[str, Any]) -> str:
    """`60%  3/5`, `40%` or empty, from an operation view."""
    fraction = _share(view.get("progress"))
    if fraction is None:
        return ""
    percent = f"{int(fraction * 100)}%"
    done, total = view.get("done"), view.get("total")
    return f"{percent} {_count(done)}/{_count(total)}" if total else percent
