"""The SQL of "currently silenced", shared by the event list and the silences plug-in.

A notification is silenced while the silence it arrived under (`silence_marks`) has not
ended. Both tables belong to the silences projection (hub/silences.py).
"""

from __future__ import annotations

import sqlite3

from notifycenter.hub.sqlconn import PgConnection, SqlConnection, has_table

SCHEMA = """
CREATE TABLE IF NOT EXISTS silences (
    id TEXT PRIMARY KEY,
    filter TEXT NOT NULL,
    starts TEXT NOT NULL,         -- RFC 3339 UTC with milliseconds: compares as text
    ends TEXT NOT NULL,
    author TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL,         -- the log event that created it
    expired_at TEXT,              -- set when expired before its end
    expired_by TEXT
);
CREATE TABLE IF NOT EXISTS silence_marks (
    seq INTEGER PRIMARY KEY,      -- a notification that arrived silenced
    silence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS silence_marks_silence ON silence_marks(silence);
"""

# Parameter: now (formatted time). Marks exist only for silences that were in force.
SILENCED_SEQS = (
    "SELECT m.seq FROM silence_marks m JOIN silences s ON s.id = m.silence"
    " WHERE s.expired_at IS NULL AND s.ends > ?"
)


def silenced_clause(silenced: bool) -> str:
    """A condition over `idx i`: currently silenced (or not), with one parameter, now."""
    return f"i.seq {'IN' if silenced else 'NOT IN'} ({SILENCED_SEQS})"


def silences_in_force(conn: SqlConnection, now: str) -> frozenset[str]:
    """Ids of the silences in force at `now`; none on a log without the projection."""
    if isinstance(conn, PgConnection) and not has_table(conn, "silences"):
        return frozenset()  # an error would abort the reader's transaction
    try:
        rows = conn.execute(
            "SELECT id FROM silences WHERE expired_at IS NULL AND starts <= ? AND ends > ?",
            (now, now),
        ).fetchall()
    except sqlite3.OperationalError:  # the silences plug-in is not loaded
        return frozenset()
    return frozenset(row[0] for row in rows)
