"""Query latency on a large log: lists with each filter, one record, the summary.

    .venv/bin/python bench/hub_query.py [--events 200000] [--repeat 9]

Fills a log in-process (no HTTP), then times each read as the API runs it, `--repeat`
times: median and slowest. A list that reaches its time budget (SCAN_SECONDS) answers
what it found with a cut-off, shown as "cut off"; the filters that match nothing and
cannot be answered from an index are the worst case. The summary is timed from the
kept counts (what /api/summary runs) and, for comparison, as a count of the index.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hub_common import cpu_note, event
from starlette.datastructures import QueryParams

from notifycenter.hub.projection import EventIndex
from notifycenter.hub.query import parse_query
from notifycenter.hub.records import get_event, list_events
from notifycenter.hub.records import summary as full_count
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.summary_counts import SummaryCounts, summary
from notifycenter.model.event import validate_event

SEVERITIES = ["error", "warning", "info", "info", "info", "debug", "critical", "success"]
QUERIES = [
    "",
    "bucket=errors",
    "severity=warning",
    "status=unacked&bucket=errors",
    "source=urn:meshery:adapter:linkerd",
    "q=timeout",
    "filter=severitynumber >= 17 AND source LIKE '%linkerd'",
    "filter=subject = 'cluster-3'",
    "filter=source LIKE 'urn:meshery:adapter:l%'",
    "source=urn:meshery:rare",
    "filter=source = 'urn:meshery:rare'",
    "filter=subject = 'nowhere'",
    "q=no-such-text",
    "operation=00000000000000aa",
    "before=0000000000000100",
]


async def fill(log: SqliteLog, count: int) -> None:
    sources = ["urn:meshery:adapter:istio", "urn:meshery:adapter:linkerd", "urn:meshery:server"]
    for start in range(0, count, 1000):
        batch = []
        for n in range(start, min(start + 1000, count)):
            extra = {
                "severitytext": SEVERITIES[n % 8],
                "source": sources[n % 3],
                "subject": f"cluster-{n % 50}",
            }
            if n % 97 == 0:
                extra["data"] = {"summary": "Timeout talking to the API server"}
            if n % 1000 == 0:
                extra["traceparent"] = f"00-{'1' * 32}-00000000000000aa-01"
            batch.append(validate_event(event(n, **extra)) | {"time": "2026-11-28T09:00:00.000Z"})
        await log.append(batch)


def spread(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {ordered[len(ordered) // 2]:7.1f} ms, slowest {ordered[-1]:7.1f} ms"


async def main(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        log = SqliteLog(Path(directory) / "hub.sqlite3", [EventIndex(), SummaryCounts()])
        await log.open()
        started = time.perf_counter()
        await fill(log, count)
        print(f"filled {count} events in {time.perf_counter() - started:.1f}s")
        now = datetime.now(UTC)
        for text in QUERIES:
            query = parse_query(QueryParams(text).getlist)
            times, page = [], None
            for _ in range(repeat):
                started = time.perf_counter()
                page = await log.read(lambda conn, q=query: list_events(conn, q, now))
                times.append((time.perf_counter() - started) * 1000)
            assert page is not None
            cut = " cut off" if "cut_off" in page else ""
            print(
                f"  list {text or '(no filter)':55s} {len(page['items']):4d} items {spread(times)}{cut}"
            )
        for label, fn in (
            ("summary (kept counts)", lambda conn: summary(conn, now, log.last_seq)),
            ("summary as a count of the index", lambda conn: full_count(conn, now, log.last_seq)),
            (
                "one record by source#id",
                lambda conn: get_event(conn, "urn:meshery:server#bench-5", now),
            ),
        ):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                await log.read(fn)
                times.append((time.perf_counter() - started) * 1000)
            print(f"  {label:71s} {spread(times)}")
        await log.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(cpu_note())
    asyncio.run(main(args.events, args.repeat))
