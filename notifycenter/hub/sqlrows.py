"""Insert many rows with one multi-row `INSERT ... VALUES (...), (...)` per chunk.

`executemany` steps once per row, and Python's sqlite3 releases and retakes the GIL
around every step: with the event loop busy in another thread, each retake waits for
it. One statement per chunk of rows steps once, and binds in one call: the writer
thread's cost for a group of 8 x 100 events (log, index and operations projection, no
contention) went from 22.0 to 17.3 µs per event.

PostgreSQL is the other way round: psycopg caches the parse of a statement's placeholders
only up to 50 parameters (and 4 KiB), so a multi-row statement was parsed again in Python,
and planned again by the server, on every commit; `executemany` sends one short statement,
parsed once and prepared by the server, for all the rows in one pipelined round trip
(`bench/pg_ingest.py`, the hub's CPU per batched event, three runs each on a machine busy
with other work: 138-149 µs before, 115-142 µs after).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from notifycenter.hub.sqlconn import SqlConnection, dialect_of

CHUNK_ROWS = 200  # 200 rows x 11 columns: far below SQLite's 32,766 and PostgreSQL's 65,535
# psycopg caches a statement's parse up to this many parameters; below it, one statement
# is one round trip, cheaper for one row than executemany's pipeline and its sync.
PG_CACHED_PARAMS = 50


@lru_cache(maxsize=64)
def _statement(head: str, width: int, rows: int, tail: str) -> str:
    row = "(" + ",".join("?" * width) + ")"
    return f"{head} VALUES {','.join([row] * rows)}{tail}"


def insert_rows(
    conn: SqlConnection, head: str, rows: Sequence[Sequence[Any]], tail: str = ""
) -> None:
    """`head` is `INSERT INTO t (a, b, ...)`; `tail` an optional `ON CONFLICT ...` clause."""
    if not rows:
        return
    width = len(rows[0])
    if dialect_of(conn) == "postgresql" and len(rows) * width > PG_CACHED_PARAMS:
        conn.executemany(_statement(head, width, 1, tail), rows)
        return
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        conn.execute(_statement(head, width, len(chunk), tail), list(chain.from_iterable(chunk)))
