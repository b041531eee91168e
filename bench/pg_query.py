"""Query latency on a large log, SQLite against PostgreSQL, in one run.

    .venv/bin/python bench/pg_query.py [--events 50000] [--repeat 7]

The same events go into a SQLite log and a PostgreSQL log (its own server: Debian's
initdb + pg_ctl, fsync on), through the same projections (index, summary counts); then
each list of bench/hub_query.py, the summary and one record are timed as the API runs
them, `--repeat` times: median and slowest, per engine, side by side. The fill time is
the writer's (group commits of 1,000 events), for the projections' cost per event.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub_common import ROOT, cpu_note
from hub_query import QUERIES, fill
from pg_ingest import postgres
from starlette.datastructures import QueryParams

from notifycenter.hub.database import Database
from notifycenter.hub.pg_log import PgLog
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.query import parse_query
from notifycenter.hub.records import get_event, list_events
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.summary_counts import SummaryCounts, summary

sys.path.insert(0, str(ROOT))


def _median(times: list[float]) -> str:
    ordered = sorted(times)
    return f"{ordered[len(ordered) // 2]:6.1f} / {ordered[-1]:6.1f}"


async def _timed(log: Any, fn: Callable[[Any], Any], repeat: int) -> tuple[list[float], Any]:
    times, found = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        found = await log.read(fn)
        times.append((time.perf_counter() - started) * 1000)
    return times, found


async def run(logs: dict[str, Any], count: int, repeat: int) -> None:
    for name, log in logs.items():
        await log.open()
        started = time.perf_counter()
        await fill(log, count)
        took = time.perf_counter() - started
        print(
            f"{name:10s} filled {count} events in {took:.1f}s ({took / count * 1e6:.0f} µs/event)"
        )
    now = datetime.now(UTC)
    print(f"{'':58s} {'  '.join(f'{n:>15s}' for n in logs)}   (ms, median / slowest)")
    reads: list[tuple[str, Callable[[Any], Any]]] = []
    for text in QUERIES:
        query = parse_query(QueryParams(text).getlist)
        reads.append((f"list {text or '(no filter)'}", lambda c, q=query: list_events(c, q, now)))
    reads.append(("summary (kept counts)", lambda c: summary(c, now, count)))
    reads.append(
        ("one record by source#id", lambda c: get_event(c, "urn:meshery:server#bench-5", now))
    )
    for label, fn in reads:
        cells = []
        for log in logs.values():
            times, found = await _timed(log, fn, repeat)
            items = len(found["items"]) if isinstance(found, dict) and "items" in found else ""
            cut = "*" if isinstance(found, dict) and "cut_off" in found else " "
            cells.append(f"{items!s:>4}{cut}{_median(times)}")
        print(f"  {label[:56]:56s} {'  '.join(cells)}")
    print("  * the scan reached its time budget and answered with a cut-off")
    for log in logs.values():
        await log.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(cpu_note())
    with postgres() as server, tempfile.TemporaryDirectory(dir="/var/tmp") as directory:
        logs = {
            "sqlite": SqliteLog(Path(directory) / "hub.sqlite3", [EventIndex(), SummaryCounts()]),
            "postgresql": PgLog(
                Database(server.create_database()), [EventIndex(), SummaryCounts()]
            ),
        }
        asyncio.run(run(logs, args.events, args.repeat))


if __name__ == "__main__":
    main()
