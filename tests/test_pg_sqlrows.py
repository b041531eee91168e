"""Multi-row inserts on PostgreSQL (sent as one pipelined `executemany` there): every row
arrives in order, the conflict clause applies to each, and the changes are counted."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from notifycenter.hub.sqlconn import PgConnection
from notifycenter.hub.sqlrows import CHUNK_ROWS, insert_rows


@pytest.fixture
def conn(pg_database: str) -> Iterator[PgConnection]:
    raw = psycopg.connect(pg_database, autocommit=True)
    raw.execute("CREATE TABLE t (a BIGINT PRIMARY KEY, b TEXT)")
    yield PgConnection(raw)
    raw.close()


def test_rows_beyond_one_chunk_all_arrive_and_count_as_changes(conn: PgConnection) -> None:
    rows = [(n, f"row {n} 100%") for n in range(CHUNK_ROWS * 2 + 7)]
    insert_rows(conn, "INSERT INTO t (a, b)", rows)
    assert conn.execute("SELECT a, b FROM t ORDER BY a").fetchall() == rows
    assert conn.total_changes == len(rows)


def test_the_tail_clause_applies_to_every_row(conn: PgConnection) -> None:
    insert_rows(conn, "INSERT INTO t (a, b)", [])
    insert_rows(conn, "INSERT INTO t (a, b)", [(1, "first")])
    insert_rows(
        conn, "INSERT INTO t (a, b)", [(1, "again"), (2, "second")], " ON CONFLICT (a) DO NOTHING"
    )
    assert conn.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "first"), (2, "second")]
    assert conn.total_changes == 2
