"""One connection face for the projections, on SQLite or on PostgreSQL.

The projections and queries are written against `sqlite3.Connection`: `execute` with
`?` placeholders returning a cursor, `executemany`, `executescript`, `total_changes`.
`PgConnection` gives a `psycopg.Connection` (psycopg 3) that same face, so one module
serves both engines and branches on `dialect_of(conn)` only where their SQL differs.

psycopg only takes `%s` (or `%(name)s`) placeholders, never `?`: every statement is
translated once — each `?` outside a quoted literal, identifier or comment becomes
`%s`, and each literal `%` becomes `%%` so psycopg does not read it as a placeholder —
and the translation is cached, since the projections run the same few statements on
every commit.

PostgreSQL's text cannot hold NUL, which an event's payload may: it is dropped from text
parameters, so that derived columns (search text, operation names) are stored rather than
the whole commit refused. The log keeps the event as posted (its body is BYTEA).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import psycopg

Dialect = Literal["sqlite", "postgresql"]

# Command tags whose row count is a change, as SQLite's total_changes counts them.
_CHANGING = ("INSERT", "UPDATE", "DELETE", "MERGE")


def dialect_of(conn: object) -> Dialect:
    """The SQL dialect `conn` speaks: "sqlite" for a `sqlite3.Connection`."""
    if isinstance(conn, sqlite3.Connection):
        return "sqlite"
    dialect = getattr(conn, "dialect", None)
    if dialect in ("sqlite", "postgresql"):
        return dialect  # type: ignore[no-any-return]
    raise TypeError(f"not a database connection: {type(conn).__name__}")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """`sql` with `?` placeholders as `%s` and literal `%` as `%%`, for psycopg."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = _quoted_end(sql, i, ch)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """Index just past the literal opened at `start` (a doubled quote stays inside)."""
    i = start + 1
    while True:
        j = sql.find(quote, i)
        if j < 0:
            return len(sql)
        if sql.startswith(quote * 2, j):
            i = j + 2
            continue
        return j + 1


def _nul_free(params: Sequence[Any]) -> list[Any]:
    """`params` with NUL dropped from text (which PostgreSQL refuses)."""
    values = list(params)
    for i, value in enumerate(values):
        if type(value) is str and "\x00" in value:
            values[i] = value.replace("\x00", "")
    return values


class PgCursor:
    """The part of `sqlite3.Cursor` the projections read."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def fetchone(self) -> Any:
        """The next row as a tuple, or None; None too after a statement without rows."""
        if self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        """The remaining rows as tuples; empty after a statement without rows."""
        if self._cursor.description is None:
            return []
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        """Rows changed (or returned) by the statement, -1 when unknown."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> None:
        """PostgreSQL has no implicit row id: use `RETURNING` instead."""
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description


class PgConnection:
    """A `psycopg.Connection` with the `sqlite3.Connection` face the projections use."""

    dialect: Dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn
        self._changes = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        """Run one statement with `?` placeholders; its changes count in `total_changes`."""
        cursor = self.raw.cursor()
        if params:
            cursor.execute(translate(sql), _nul_free(params))
        else:
            # No parameters: psycopg sends the text as is, so `%` needs no escaping.
            cursor.execute(sql)
        self._count(cursor)
        return PgCursor(cursor)

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> PgCursor:
        """Run one statement once per parameter row."""
        cursor = self.raw.cursor()
        rows = [_nul_free(params) for params in seq_of_params]
        if rows:
            cursor.executemany(translate(sql), rows)
            self._count(cursor)
        return PgCursor(cursor)

    def executescript(self, script: str) -> PgCursor:
        """Run several `;`-separated statements without parameters, in the current
        transaction (unlike SQLite's, which commits first)."""
        cursor = self.raw.cursor()
        cursor.execute(script)
        return PgCursor(cursor)

    @property
    def total_changes(self) -> int:
        """Rows inserted, updated or deleted through this adapter since it was made."""
        return self._changes

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.raw.info.transaction_status != TransactionStatus.IDLE)

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def close(self) -> None:
        self.raw.close()

    def _count(self, cursor: psycopg.Cursor[Any]) -> None:
        status = cursor.statusmessage or ""
        if status.startswith(_CHANGING) and cursor.rowcount > 0:
            self._changes += cursor.rowcount


SqlConnection = sqlite3.Connection | PgConnection
"""What a projection or query is handed: either engine's connection."""


# -- where the two engines' SQL differs ------------------------------------------------

# SQLite's column types and table options as PostgreSQL spells them. Text compares as
# in SQLite (code point order, case-sensitive) whatever the database's locale: "C".
_PG_TYPES = (
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
    (re.compile(r"\)\s*WITHOUT ROWID"), ")"),
)


@lru_cache(maxsize=64)
def pg_ddl(script: str) -> str:
    """SQLite DDL (`CREATE TABLE/INDEX IF NOT EXISTS ...`) for PostgreSQL: 64-bit
    integers, double precision, BYTEA, C-collated text, no WITHOUT ROWID."""
    for pattern, replacement in _PG_TYPES:
        script = pattern.sub(replacement, script)
    return script


def create_tables(conn: SqlConnection, script: str) -> None:
    """Run a projection's `CREATE ... IF NOT EXISTS` script in `conn`'s dialect."""
    if isinstance(conn, sqlite3.Connection):
        conn.executescript(script)
    else:
        conn.executescript(pg_ddl(script))


def has_table(conn: SqlConnection, name: str) -> bool:
    """Whether table `name` exists (in the connection's search path)."""
    if isinstance(conn, sqlite3.Connection):
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return conn.execute(sql, (name,)).fetchone() is not None
    return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0] is True


def table_columns(conn: SqlConnection, table: str) -> set[str]:
    """The column names of `table` (PRAGMA table_info on SQLite)."""
    if isinstance(conn, sqlite3.Connection):
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    ).fetchall()
    return {row[0] for row in rows}
