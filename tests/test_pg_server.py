"""The test suite's own PostgreSQL: a fresh database per test, fsync on, restartable."""

from __future__ import annotations

import psycopg

from tests.pgserver import PgServer


def test_each_test_gets_an_empty_database_with_fsync_on(pg_database: str) -> None:
    with psycopg.connect(pg_database) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    assert tables == (0,)
    assert fsync == ("on",)


def test_a_restart_keeps_what_was_committed(pg_server: PgServer, pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n integer)")
        conn.execute("INSERT INTO kept VALUES (1)")
    pg_server.restart()
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT n FROM kept").fetchall() == [(1,)]
