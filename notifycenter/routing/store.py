"""Subscriptions and their delivery state, in the hub's database (one table).

The table is created by the subscriptions projection, so it lives and commits with the
log: a delivery outcome and the cursor move in one write transaction, and a restart
resumes from the last cursor the sink accepted (at-least-once, never skipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from notifycenter.hub.sqlconn import PgConnection, SqlConnection, create_tables

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    spec BLOB NOT NULL,              -- the resource as JSON, without the credential
    credential BLOB,                 -- sinkcredential as JSON: stored, never returned
    version INTEGER NOT NULL,        -- bumped by every update: workers restart on it
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    cursor INTEGER NOT NULL,         -- the last log seq delivered or passed over
    status TEXT NOT NULL,            -- active | failing
    failures INTEGER NOT NULL DEFAULT 0,   -- consecutive failed deliveries
    delivered INTEGER NOT NULL DEFAULT 0,  -- events delivered (a digest counts its events)
    last_error BLOB,                 -- the catalogued error of the last failure, as JSON
    last_success TEXT,
    next_attempt TEXT
);
CREATE INDEX IF NOT EXISTS subscriptions_owner ON subscriptions(owner);
"""
ACTIVE = "active"
FAILING = "failing"
# A cursor only moves forward: SQLite's two-argument max() is PostgreSQL's greatest().
_FORWARD = "cursor = max(cursor, ?)"
_PG_FORWARD = "cursor = greatest(cursor, ?)"
_COLUMNS = (
    "id, owner, spec, credential, version, created, updated, cursor, status, failures,"
    " delivered, last_error, last_success, next_attempt"
)


@dataclass(frozen=True)
class StoredSubscription:
    id: str
    owner: str
    spec: dict[str, Any]
    credential: dict[str, Any] | None
    version: int
    created: str
    updated: str
    cursor: int
    status: str
    failures: int
    delivered: int
    last_error: dict[str, Any] | None
    last_success: str | None
    next_attempt: str | None


def _row(values: tuple[Any, ...]) -> StoredSubscription:
    (ident, owner, spec, credential, version, created, updated, cursor, status) = values[:9]
    failures, delivered, last_error, last_success, next_attempt = values[9:]
    return StoredSubscription(
        ident,
        owner,
        orjson.loads(spec),
        orjson.loads(credential) if credential else None,
        version,
        created,
        updated,
        cursor,
        status,
        failures,
        delivered,
        orjson.loads(last_error) if last_error else None,
        last_success,
        next_attempt,
    )


def create(conn: SqlConnection) -> None:
    """Create the table in `conn`'s dialect (idempotent)."""
    create_tables(conn, SCHEMA)


def _forward(conn: SqlConnection) -> str:
    return _PG_FORWARD if isinstance(conn, PgConnection) else _FORWARD


def load(conn: SqlConnection, ident: str) -> StoredSubscription | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (ident,)).fetchone()
    return _row(row) if row else None


def load_all(conn: SqlConnection, owner: str | None = None) -> list[StoredSubscription]:
    """Every subscription, or one owner's, oldest first."""
    if owner is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM subscriptions ORDER BY created, id")
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE owner = ? ORDER BY created, id", (owner,)
        )
    return [_row(r) for r in rows.fetchall()]


def insert(
    conn: SqlConnection,
    ident: str,
    owner: str,
    spec: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    now: str,
) -> None:
    """A new subscription starts at the head of the log: it delivers what comes next."""
    head = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
    conn.execute(
        "INSERT INTO subscriptions (id, owner, spec, credential, version, created, updated,"
        " cursor, status) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (ident, owner, orjson.dumps(spec), _json(credential), now, now, head, ACTIVE),
    )


def replace(
    conn: SqlConnection,
    ident: str,
    owner: str,
    spec: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    now: str,
) -> bool:
    """A PUT: new spec and credential, same place in the log; failures start over."""
    changed = conn.execute(
        "UPDATE subscriptions SET owner = ?, spec = ?, credential = ?, version = version + 1,"
        " updated = ?, status = ?, failures = 0, next_attempt = NULL WHERE id = ?",
        (owner, orjson.dumps(spec), _json(credential), now, ACTIVE, ident),
    ).rowcount
    return bool(changed)


def delete(conn: SqlConnection, ident: str) -> bool:
    return bool(conn.execute("DELETE FROM subscriptions WHERE id = ?", (ident,)).rowcount)


def record_success(conn: SqlConnection, ident: str, cursor: int, delivered: int, now: str) -> None:
    """The sink took everything up to `cursor`: move on, and the subscription is healthy."""
    conn.execute(
        f"UPDATE subscriptions SET {_forward(conn)}, delivered = delivered + ?,"
        " failures = 0, status = ?, last_success = ?, next_attempt = NULL WHERE id = ?",
        (cursor, delivered, ACTIVE, now, ident),
    )


def record_passed(conn: SqlConnection, ident: str, cursor: int) -> None:
    """Nothing up to `cursor` matched: the next start need not read it again."""
    conn.execute(f"UPDATE subscriptions SET {_forward(conn)} WHERE id = ?", (cursor, ident))


def record_failure(
    conn: SqlConnection,
    ident: str,
    version: int,
    error: Mapping[str, Any],
    max_failures: int,
    next_attempt: str,
) -> tuple[int, str] | None:
    """One more failure, the cursor kept; (failures, status), or None if the
    subscription was deleted or changed meanwhile (its new worker starts afresh)."""
    row = conn.execute(
        "UPDATE subscriptions SET failures = failures + 1, last_error = ?, next_attempt = ?,"
        " status = CASE WHEN failures + 1 >= ? THEN ? ELSE status END"
        " WHERE id = ? AND version = ? RETURNING failures, status",
        (orjson.dumps(error), next_attempt, max_failures, FAILING, ident, version),
    ).fetchone()
    return (row[0], row[1]) if row else None


def _json(value: Mapping[str, Any] | None) -> bytes | None:
    return orjson.dumps(value) if value is not None else None
