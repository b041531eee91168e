"""Multi-row inserts: chunks, the conflict clause, and an empty call."""

from __future__ import annotations

import sqlite3

from notifycenter.hub.sqlrows import CHUNK_ROWS, insert_rows


def test_rows_beyond_one_chunk_all_arrive_in_order() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
    rows = [(n, f"row {n}") for n in range(CHUNK_ROWS * 2 + 7)]
    insert_rows(conn, "INSERT INTO t (a, b)", rows)
    assert conn.execute("SELECT a, b FROM t ORDER BY a").fetchall() == rows


def test_the_tail_clause_applies_to_every_row_and_nothing_is_a_no_op() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
    insert_rows(conn, "INSERT INTO t (a, b)", [])
    insert_rows(conn, "INSERT INTO t (a, b)", [(1, "first")])
    insert_rows(
        conn, "INSERT INTO t (a, b)", [(1, "again"), (2, "second")], " ON CONFLICT (a) DO NOTHING"
    )
    assert conn.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "first"), (2, "second")]
