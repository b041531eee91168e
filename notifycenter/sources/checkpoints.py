"""Durable state of the hub's sources, kept in the hub's own database.

Three tables, created as a log projection so that they live (and commit) with the events:
`source_checkpoints` (where each source resumes) and `source_outbox` (events read,
acknowledged or resolved here that the source must mark read at its origin). A source
writes its events and its checkpoint in one transaction, so a restart resumes without
loss; an outbox row is added in the transaction of the lifecycle change, so a hub that
stops before the origin was told tells it after the restart. With replicas,
`source_status` holds what the replica running a source last saw of it, for the others'
`GET /api/sources`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from notifycenter.hub.log import StoredEntry
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, create_tables
from notifycenter.model.lifecycle import Verb, read_lifecycle_event

SCHEMA = """
CREATE TABLE IF NOT EXISTS source_checkpoints (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS source_outbox (
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE TABLE IF NOT EXISTS source_status (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,            -- the replica that runs the source
    view BLOB NOT NULL               -- what GET /api/sources shows, as JSON
);
"""
# What marks an event read at its origin (the origin knows nothing richer).
WRITE_BACK_VERBS = frozenset({Verb.READ, Verb.ACK, Verb.RESOLVE})
_SAVE = "INSERT OR REPLACE INTO source_checkpoints (name, value) VALUES (?, ?)"
_PG_SAVE = (
    "INSERT INTO source_checkpoints (name, value) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
_QUEUE = "INSERT OR IGNORE INTO source_outbox (source, id) VALUES (?, ?)"
_PG_QUEUE = "INSERT INTO source_outbox (source, id) VALUES (?, ?) ON CONFLICT DO NOTHING"


def load_checkpoint(conn: SqlConnection, name: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM source_checkpoints WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    value = orjson.loads(row[0])
    return value if isinstance(value, dict) else None


def save_checkpoint(conn: SqlConnection, name: str, value: dict[str, Any]) -> None:
    conn.execute(_PG_SAVE if isinstance(conn, PgConnection) else _SAVE, (name, orjson.dumps(value)))


_PG_STATUS = (
    "INSERT INTO source_status (name, holder, view) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, view = excluded.view"
)
_STATUS = "INSERT OR REPLACE INTO source_status (name, holder, view) VALUES (?, ?, ?)"


def save_status(conn: SqlConnection, name: str, holder: str, view: object) -> None:
    """Record a source's status as the replica running it sees it."""
    sql = _PG_STATUS if isinstance(conn, PgConnection) else _STATUS
    conn.execute(sql, (name, holder, orjson.dumps(view)))


def load_statuses(conn: SqlConnection) -> dict[str, dict[str, Any]]:
    """Each source's last recorded status, by name."""
    rows = conn.execute("SELECT name, view FROM source_status").fetchall()
    return {str(name): orjson.loads(view) for name, view in rows}


def outbox(conn: SqlConnection, prefix: str, limit: int) -> list[tuple[str, str]]:
    """Pending write-backs for the events whose source starts with `prefix`."""
    rows = conn.execute(
        "SELECT source, id FROM source_outbox WHERE substr(source, 1, ?) = ? LIMIT ?",
        (len(prefix), prefix, limit),
    ).fetchall()
    return [(str(s), str(i)) for s, i in rows]


def in_outbox(conn: SqlConnection, source: str, event_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM source_outbox WHERE source = ? AND id = ?", (source, event_id)
    ).fetchone()
    return row is not None


def clear_outbox(conn: SqlConnection, done: Sequence[tuple[str, str]]) -> None:
    conn.executemany("DELETE FROM source_outbox WHERE source = ? AND id = ?", done)


class SourcesProjection:
    """Creates the tables; queues write-backs for lifecycle changes made here.

    A change whose actor is the event's own source came from the origin: it is not sent
    back. `prefixes` are the sources that take write-backs: set from the configuration on
    every replica, since a change made on any replica must reach the one running the source.
    """

    def __init__(self) -> None:
        self.prefixes: tuple[str, ...] = ()
        self.runner: Any = None  # the hub's SourceRunner, for GET /api/sources

    def create(self, conn: SqlConnection) -> None:
        create_tables(conn, SCHEMA)

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        if not self.prefixes:
            return
        rows = []
        for entry in entries:
            change = read_lifecycle_event(entry.event)
            if (
                change is not None
                and change.verb in WRITE_BACK_VERBS
                and change.actor != change.target_source
                and change.target_source.startswith(self.prefixes)
            ):
                rows.append((change.target_source, change.target_id))
        if rows:
            conn.executemany(_PG_QUEUE if isinstance(conn, PgConnection) else _QUEUE, rows)
