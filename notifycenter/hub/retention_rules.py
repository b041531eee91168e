"""Retention rules: which events the hub may prune, and one bounded pruning step.

An event (`idx.lifecycle = 0`) may be pruned when it is older than `retain` (its `time`)
or not among the newest `max_events` events, unless it is

- an error or warning that is neither resolved, acknowledged (an ack in force) nor
  archived: someone still has to handle it;
- an event of an operation that has not ended: the operations view still shows it.

A lifecycle event goes with its notification, never before it: the history of a kept
event stays whole. Silence events and lifecycle events of an unknown target are kept.
The highest position of a pruned event is the log's start for resuming readers: after
it nothing is missing, below it only kept events remain.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifycenter.catalogue import retention as codes
from notifycenter.hub.query import status_sql
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, dialect_of, has_table
from notifycenter.model.lifecycle import format_time, parse_duration

MIN_MAX_EVENTS = 1000
STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS retention (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
PRUNED_THROUGH = "pruned_through"
_PRUNED = (
    "INSERT INTO retention (key, value) VALUES (?, ?) ON CONFLICT(key)"
    " DO UPDATE SET value = max(value, excluded.value)"
)
_PG_PRUNED = (
    "INSERT INTO retention (key, value) VALUES (?, ?) ON CONFLICT(key)"
    " DO UPDATE SET value = greatest(retention.value, excluded.value)"
)
# Rows examined per write transaction, adapted so that a step and its commit hold the
# writer for about STEP_SECONDS (2,000 rows took ~250 ms on a loaded 2-core machine).
STEP_ROWS = 500
MIN_STEP_ROWS, MAX_STEP_ROWS = 100, 5000
STEP_SECONDS = 0.04


@dataclass(frozen=True)
class Retention:
    """How much the hub keeps; None for a rule that is off."""

    retain: timedelta | None = None
    max_events: int | None = None

    @property
    def enabled(self) -> bool:
        return self.retain is not None or self.max_events is not None


def parse_retain(text: str | None) -> timedelta | None:
    if text is None or text == "":
        return None
    try:
        duration = parse_duration(str(text))
    except (OverflowError, ValueError):
        duration = None
    if duration is None or duration <= timedelta(0) or duration > timedelta(days=36600):
        raise codes.INVALID_RETENTION.error(f"--retain {text!r} is not a duration such as 30d")
    return duration


def parse_max_events(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) < MIN_MAX_EVENTS:
        raise codes.INVALID_RETENTION.error(
            f"--retain-max-events {text[:20]!r} is not a whole number of at least {MIN_MAX_EVENTS}"
        )
    return int(text)


@dataclass(frozen=True)
class Bounds:
    """One round's limits, fixed when it starts: events older than `cutoff` (formatted
    time) or at or below `cap_seq` are candidates; `now` decides acks in force."""

    cutoff: str | None
    cap_seq: int | None
    now: str
    ceiling: int  # the newest position the round looks at


def round_bounds(conn: SqlConnection, rules: Retention, now: datetime) -> Bounds:
    cutoff = format_time(now - rules.retain) if rules.retain is not None else None
    cap_seq = None
    if rules.max_events is not None:
        row = conn.execute(
            "SELECT seq FROM idx WHERE lifecycle = 0 ORDER BY seq DESC LIMIT 1 OFFSET ?",
            (rules.max_events,),
        ).fetchone()
        cap_seq = row[0] if row else 0
    ceiling = conn.execute("SELECT coalesce(max(seq), 0) FROM idx").fetchone()[0]
    return Bounds(cutoff, cap_seq, format_time(now), ceiling)


def _candidate_sql(conn: SqlConnection, bounds: Bounds) -> tuple[str, list[object]]:
    """The condition over `idx i` for an event that may be pruned now."""
    old: list[str] = []
    params: list[object] = []
    if bounds.cutoff is not None:
        old.append("i.time < ?")
        params.append(bounds.cutoff)
    if bounds.cap_seq is not None:
        old.append("i.seq <= ?")
        params.append(bounds.cap_seq)
    if not old:
        return ("FALSE" if isinstance(conn, PgConnection) else "0"), []
    status = status_sql(dialect_of(conn))
    sql = (
        f"i.lifecycle = 0 AND ({' OR '.join(old)})"
        f" AND NOT (i.bucket IN ('errors', 'warnings') AND ({status}) IN ('read', 'unread'))"
    )
    params.append(bounds.now)
    if has_table(conn, "operations"):
        sql += (
            " AND NOT (i.span IS NOT NULL AND"
            " i.span IN (SELECT id FROM operations WHERE ended = 0))"
        )
    return sql, params


@dataclass(frozen=True)
class Step:
    examined_through: int  # the walk continues after this position
    events: int  # events pruned
    lifecycle: int  # their lifecycle events pruned with them
    done: bool  # nothing left up to the round's ceiling
    highest: int = 0  # the highest position pruned (0: none)
    seconds: float = 0.0  # how long the step took in the writer

    def next_rows(self, rows: int, took: float) -> int:
        """The step size that would hold the writer about STEP_SECONDS, commit included,
        at the pace of this one (`took`: its whole write, as the log's callers wait it)."""
        scaled = int(rows * STEP_SECONDS / max(took, 0.001))
        return max(MIN_STEP_ROWS, min(MAX_STEP_ROWS, scaled, rows * 2))


def prune_step(conn: SqlConnection, bounds: Bounds, after: int, rows: int = STEP_ROWS) -> Step:
    """Prune the candidates among the next `rows` events after `after`, in the caller's
    write transaction. Cost is bounded by `rows` (plus their lifecycle events)."""
    started = time.perf_counter()
    condition, params = _candidate_sql(conn, bounds)
    walked = conn.execute(
        f"SELECT i.seq, ({condition}) FROM idx i WHERE i.seq > ? AND i.seq <= ?"
        " ORDER BY i.seq LIMIT ?",
        (*params, after, bounds.ceiling, rows),
    ).fetchall()
    if not walked:
        return Step(bounds.ceiling, 0, 0, True)
    doomed = [seq for seq, prunable in walked if prunable]
    lifecycle: list[int] = []
    if doomed:
        marks = ",".join("?" * len(doomed))
        lifecycle = [
            row[0]
            for row in conn.execute(
                f"SELECT seq FROM idx WHERE target IN ({marks}) AND lifecycle = 1", doomed
            )
        ]
        gone = [(seq,) for seq in doomed + lifecycle]
        conn.executemany("DELETE FROM idx WHERE seq = ?", gone)
        conn.executemany("DELETE FROM log WHERE seq = ?", gone)
        if has_table(conn, "silence_marks"):
            conn.executemany("DELETE FROM silence_marks WHERE seq = ?", gone)
        conn.execute(
            _PG_PRUNED if isinstance(conn, PgConnection) else _PRUNED,
            (PRUNED_THROUGH, max(doomed)),
        )
    last = walked[-1][0]
    done = len(walked) < rows or last >= bounds.ceiling
    highest = max(doomed) if doomed else 0
    seconds = time.perf_counter() - started
    return Step(last, len(doomed), len(lifecycle), done, highest, seconds)


def pruned_through(conn: SqlConnection) -> int:
    """The log's start for resuming readers: the highest pruned position (0: none)."""
    if isinstance(conn, PgConnection) and not has_table(conn, "retention"):
        return 0  # an error would abort the reader's transaction
    try:
        row = conn.execute(
            "SELECT value FROM retention WHERE key = ?", (PRUNED_THROUGH,)
        ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0
