"""The PostgreSQL connection adapter answers as `sqlite3.Connection` does for the
statements the projections run, against a real server."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from notifycenter.hub.sqlconn import (
    PgConnection,
    create_tables,
    dialect_of,
    has_table,
    table_columns,
    translate,
)

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def pg(pg_database: str) -> Iterator[PgConnection]:
    raw = psycopg.connect(pg_database)
    try:
        yield PgConnection(raw)
    finally:
        raw.close()


def test_placeholders_outside_literals_become_psycopg_ones() -> None:
    sql = "SELECT '?', \"a?\", ? -- what?\n, '50%', x LIKE ? /* ? */"
    assert translate(sql) == "SELECT '?', \"a?\", %s -- what?\n, '50%%', x LIKE %s /* ? */"
    assert translate("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"


def test_dialect_of_names_each_engine(pg: PgConnection) -> None:
    assert dialect_of(sqlite3.connect(":memory:")) == "sqlite"
    assert dialect_of(pg) == "postgresql"
    with pytest.raises(TypeError):
        dialect_of(object())


def test_statements_read_and_write_as_on_sqlite(pg: PgConnection) -> None:
    lite = sqlite3.connect(":memory:")
    script = "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL); CREATE INDEX t_n ON t (n);"
    for conn in (lite, pg):
        conn.executescript(script)
        before = conn.total_changes
        conn.executemany("INSERT INTO t (k, n) VALUES (?, ?)", [("a", 1), ("b?", 2), ("c%", 3)])
        conn.execute("UPDATE t SET n = n + ? WHERE k LIKE 'c%'", (10,))
        conn.execute("INSERT INTO t VALUES (?, ?) ON CONFLICT (k) DO NOTHING", ("a", 99))
        assert conn.total_changes - before == 4
        assert conn.execute("SELECT k, n FROM t ORDER BY k").fetchall() == [
            ("a", 1),
            ("b?", 2),
            ("c%", 13),
        ]
        assert conn.execute("SELECT n FROM t WHERE k = ?", ("b?",)).fetchone() == (2,)
        assert conn.execute("SELECT n FROM t WHERE k = ?", ("none",)).fetchone() is None
        assert conn.execute("DELETE FROM t WHERE n > ?", (5,)).rowcount == 1


def test_statement_without_rows_fetches_nothing(pg: PgConnection) -> None:
    pg.execute("CREATE TABLE u (k TEXT)")
    assert pg.execute("INSERT INTO u VALUES (?)", ("x",)).fetchone() is None
    assert pg.execute("INSERT INTO u VALUES (?)", ("y",)).fetchall() == []


def test_rollback_undoes_the_transaction(pg: PgConnection) -> None:
    pg.execute("CREATE TABLE v (k TEXT)")
    pg.commit()
    pg.execute("INSERT INTO v VALUES (?)", ("x",))
    assert pg.in_transaction
    pg.rollback()
    assert pg.execute("SELECT count(*) FROM v").fetchone() == (0,)


def test_text_with_nul_is_stored_without_it(pg: PgConnection) -> None:
    pg.execute("CREATE TABLE w (k TEXT, b BYTEA)")
    pg.executemany("INSERT INTO w VALUES (?, ?)", [("a\x00b", b"a\x00b")])
    pg.execute("INSERT INTO w VALUES (?, ?)", ("\x00c", b"\x00"))
    assert pg.execute("SELECT k, b FROM w ORDER BY k").fetchall() == [
        ("ab", b"a\x00b"),
        ("c", b"\x00"),
    ]


def test_tables_and_columns_are_found_in_either_engine(pg: PgConnection) -> None:
    lite = sqlite3.connect(":memory:")
    for conn in (lite, pg):
        assert not has_table(conn, "idx")
        create_tables(conn, "CREATE TABLE IF NOT EXISTS idx (seq INTEGER PRIMARY KEY, b BLOB);")
        assert has_table(conn, "idx")
        assert table_columns(conn, "idx") == {"seq", "b"}
    pg.execute("INSERT INTO idx VALUES (?, ?)", (2**40, b"\x00\xff"))  # BIGINT, BYTEA
    assert pg.execute("SELECT seq, b FROM idx").fetchone() == (2**40, b"\x00\xff")
