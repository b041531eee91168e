"""The hub's filtered list with and without SQL push-down, on one SQLite log.

Both paths return the same page (tests/test_hub_query.py checks that); this prints what
push-down buys. Run: .venv/bin/python bench/hub_filters.py [--events 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.datastructures import QueryParams

from bench.filters import BENCH_EXPRESSION, varied_events
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.query import parse_query
from notifycenter.hub.records import list_events
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.event import validate_event

EXPRESSIONS = (
    BENCH_EXPRESSION,
    "source = 'urn:meshery:adapter:istio' AND severitynumber >= 17",
    "subject LIKE 'design/1%'",
    "UPPER(source) LIKE '%ISTIO'",  # cannot be pushed: every row is checked in Python
)


async def fill(log: SqliteLog, count: int) -> None:
    events = [validate_event(e) for e in varied_events(count)]
    for start in range(0, count, 5_000):
        await log.append(events[start : start + 5_000])


async def time_list(
    log: SqliteLog, expression: str, limit: str, pushdown: bool, repeat: int
) -> float:
    query = parse_query(QueryParams({"filter": expression, "limit": limit}).getlist)
    now = datetime.now(UTC)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        await log.read(lambda conn: list_events(conn, query, now, pushdown=pushdown))
        best = min(best, time.perf_counter() - start)
    return best * 1e3


async def main(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        log = SqliteLog(Path(folder) / "hub.sqlite3", [EventIndex()])
        await log.open()
        try:
            started = time.perf_counter()
            await fill(log, count)
            print(
                f"log       {count:,} events stored in {time.perf_counter() - started:.1f} s "
                f"(load {os.getloadavg()[0]:.1f})"
            )
            for expression in EXPRESSIONS:
                for limit in ("100", "1000"):
                    pushed = await time_list(log, expression, limit, True, repeat)
                    python = await time_list(log, expression, limit, False, repeat)
                    print(
                        f"list      limit={limit:>4}  push-down {pushed:8.1f} ms   Python only "
                        f"{python:8.1f} ms   ({python / pushed:5.1f}x)  {expression}"
                    )
        finally:
            await log.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.repeat))
