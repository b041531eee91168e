"""Projections: tables derived from the log, updated in the log's write transaction.

The hub's own projection, `EventIndex`, keeps one row per event with the columns the
API filters on (bucket, severity, source, type, time, operation span) and each
notification's lifecycle state, so that lists and summaries never scan the log.
Plug-ins (`HUB_PLUGINS` in app.py) add their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from notifycenter.hub.log import StoredEntry
from notifycenter.hub.sqlconn import SqlConnection, create_tables, pg_ddl, table_columns
from notifycenter.hub.sqlrows import insert_rows
from notifycenter.model.event import bucket_of_event, span_ids, summary_details_code
from notifycenter.model.lifecycle import (
    LIFECYCLE_TYPE_PREFIX,
    LifecycleState,
    read_lifecycle_event,
)
from notifycenter.model.severity import Bucket


class Projection(Protocol):
    def create(self, conn: SqlConnection) -> None:
        """Create the projection's tables and indexes (idempotent: runs at every start)."""
        ...

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        """Fold newly appended entries (log order) in, inside the write transaction."""
        ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS idx (
    seq INTEGER PRIMARY KEY,
    lifecycle INTEGER NOT NULL,   -- 1 for the hub's lifecycle events
    bucket TEXT NOT NULL,
    severity INTEGER NOT NULL,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    time TEXT NOT NULL,
    span TEXT,                    -- span id of the emitting operation (traceparent)
    parent TEXT,                  -- an operation event's parent operation
    target INTEGER,               -- a lifecycle event's notification
    text TEXT NOT NULL,           -- lower-cased searchable text for q=
    read INTEGER NOT NULL DEFAULT 0,
    acked_by TEXT, acked_at TEXT, comment TEXT, until TEXT,
    resolved_by TEXT, resolved_at TEXT,
    archived_by TEXT, archived_at TEXT,
    owner TEXT                    -- who a notification is assigned to
);
CREATE INDEX IF NOT EXISTS idx_bucket ON idx(bucket, seq);
CREATE INDEX IF NOT EXISTS idx_severity ON idx(severity, seq);
CREATE INDEX IF NOT EXISTS idx_source ON idx(source, seq);
CREATE INDEX IF NOT EXISTS idx_time ON idx(time);
CREATE INDEX IF NOT EXISTS idx_span ON idx(span) WHERE span IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_parent ON idx(parent) WHERE parent IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_target ON idx(target) WHERE target IS NOT NULL;
"""
# After `_add_owner_column`: an index written before owners existed gains the column first.
OWNER_SCHEMA = """
CREATE INDEX IF NOT EXISTS idx_owner ON idx(owner, seq) WHERE owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_until ON idx(until) WHERE acked_by IS NOT NULL AND until IS NOT NULL;
"""

_INSERT = (
    "INSERT INTO idx (seq, lifecycle, bucket, severity, source, type, time, span, parent,"
    " target, text)"
)
STATE_COLUMNS = (
    "read",
    "acked_by",
    "acked_at",
    "comment",
    "until",
    "resolved_by",
    "resolved_at",
    "archived_by",
    "archived_at",
    "owner",
)
_STATE_FIELDS = (
    "read",
    "acked_by",
    "acked_at",
    "ack_comment",
    "ack_until",
    "resolved_by",
    "resolved_at",
    "archived_by",
    "archived_at",
    "owner",
)


class EventIndex:
    """The query index and the notifications' lifecycle state."""

    def create(self, conn: SqlConnection) -> None:
        create_tables(conn, SCHEMA)
        _add_owner_column(conn)
        create_tables(conn, OWNER_SCHEMA)

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        pending: list[tuple[Any, ...]] = []
        for entry in entries:
            event = entry.event
            if event["type"].startswith(LIFECYCLE_TYPE_PREFIX):
                target = self._apply_lifecycle(conn, event, pending)
                pending.append(_row(entry, lifecycle=True, target=target))
            else:
                pending.append(_row(entry))
        insert_rows(conn, _INSERT, pending)

    def _apply_lifecycle(
        self, conn: SqlConnection, event: dict[str, Any], pending: list[tuple[Any, ...]]
    ) -> int | None:
        change = read_lifecycle_event(event)
        if change is None:
            return None
        insert_rows(conn, _INSERT, pending)  # the target may be in this very batch
        pending.clear()
        found = conn.execute(
            "SELECT seq FROM log WHERE source = ? AND id = ?",
            (change.target_source, change.target_id),
        ).fetchone()
        if found is None:
            return None
        seq: int = found[0]
        state = load_state(conn, seq)
        if state is None:
            return seq
        state.apply(change.verb, change.actor, change.at, change.comment, change.until, change.to)
        save_state(conn, seq, state)
        return seq


def _add_owner_column(conn: SqlConnection) -> None:
    """A data dir from before ownership gains the column; nobody owns its notifications."""
    if "owner" not in table_columns(conn, "idx"):
        add = "ALTER TABLE idx ADD COLUMN owner TEXT"
        conn.execute(add if isinstance(conn, sqlite3.Connection) else pg_ddl(add))


def _row(entry: StoredEntry, lifecycle: bool = False, target: int | None = None) -> tuple[Any, ...]:
    event = entry.event
    spans = span_ids(event)
    data = event.get("data")
    operation = data.get("operation") if isinstance(data, dict) else None
    parent = operation.get("parent") if isinstance(operation, dict) else None
    bucket = Bucket.AUDIT if lifecycle else bucket_of_event(event)
    return (
        entry.seq,
        int(lifecycle),
        bucket.value,
        event.get("severitynumber", 9),
        event["source"],
        event["type"],
        event.get("time", ""),
        spans[1] if spans else None,
        parent if isinstance(parent, str) else None,
        target,
        search_text(event),
    )


def search_text(event: dict[str, Any]) -> str:
    """What q= searches: summary, details, subject, source, type and error code."""
    summary, details, code = summary_details_code(event)
    subject = event.get("subject")
    parts = [
        summary,
        details,
        subject if isinstance(subject, str) else "",
        event["source"],
        event["type"],
        code,
    ]
    return "\n".join([p for p in parts if p]).lower()


def load_state(conn: SqlConnection, seq: int) -> LifecycleState | None:
    """The notification's state; None for audit events and unknown seqs (no lifecycle)."""
    row = conn.execute(
        f"SELECT bucket, {', '.join(STATE_COLUMNS)} FROM idx WHERE seq = ?", (seq,)
    ).fetchone()
    if row is None or row[0] == Bucket.AUDIT.value:
        return None
    return state_from_row(row[1:])


def state_from_row(values: Sequence[Any]) -> LifecycleState:
    state = LifecycleState(**dict(zip(_STATE_FIELDS, values, strict=False)))
    state.read = bool(state.read)
    return state


def save_state(conn: SqlConnection, seq: int, state: LifecycleState) -> None:
    values = [getattr(state, name) for name in _STATE_FIELDS]
    values[0] = int(values[0])
    assignments = ", ".join(f"{column} = ?" for column in STATE_COLUMNS)
    conn.execute(f"UPDATE idx SET {assignments} WHERE seq = ?", (*values, seq))
