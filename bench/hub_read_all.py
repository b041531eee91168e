"""What the hub itself pays to read every stored event once: the floor under any answer that
hands a client the whole log (the TUI's whole-backlog target, docs/performance.md).

    .venv/bin/python bench/hub_read_all.py --data DIR [--repeat 3]

DIR is a SQLite hub's data directory, such as the one `bench/tui_startup.py --data DIR`
fills with 1,000,000 events (`DIR/sqlite` after `bench/targets.sh DIR`). Read-only: the
database is opened with `mode=ro`, so a hub may be serving it meanwhile. In this process,
with no HTTP and no client, each pass times (CPU time, `time.process_time`):

- the index's columns of every notification (`idx`: bucket, severity, source, type, time,
  span, status fields): what a compact snapshot could send without reading any event;
- every stored event's JSON read and parsed (`log.body`, `orjson.loads`): what any answer
  built from the events themselves costs before it writes a byte.

Prints the median of `--repeat` passes of each, per event and for the whole log. The first
pass also reads the file from disk if the page cache does not hold it yet.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from hub_common import cpu_note

INDEX_COLUMNS = (
    "SELECT seq, bucket, severity, source, type, time, span, read, acked_by, resolved_by"
    " FROM idx WHERE lifecycle = 0"
)


def index_columns(conn: sqlite3.Connection) -> int:
    return len(conn.execute(INDEX_COLUMNS).fetchall())


def parsed_bodies(conn: sqlite3.Connection) -> int:
    count = 0
    for (body,) in conn.execute("SELECT body FROM log"):
        orjson.loads(body)
        count += 1
    return count


def timed(read: Callable[[sqlite3.Connection], int], conn: sqlite3.Connection) -> tuple[int, float]:
    started = time.process_time()
    rows = read(conn)
    return rows, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a SQLite hub's data dir")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    database = args.data.resolve() / "hub.sqlite3"
    if not database.exists():
        raise SystemExit(f"no hub database at {database}")
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    print(cpu_note())
    for name, read in (("index columns", index_columns), ("bodies parsed", parsed_bodies)):
        passes = [timed(read, conn) for _ in range(args.repeat)]
        rows = passes[0][0]
        seconds = statistics.median(spent for _, spent in passes)
        print(
            f"{name:>14}: {rows:,} rows, {seconds:.2f} s of CPU "
            f"({seconds / max(rows, 1) * 1e6:.1f} µs a row; passes "
            + " / ".join(f"{spent:.2f}" for _, spent in passes)
            + " s)"
        )
    print("target: the whole backlog in the TUI <= 10 s (both sides of the wire included)")


if __name__ == "__main__":
    main()
