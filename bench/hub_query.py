"""Query latency on a large log: lists with each filter, one record, the summary.

    .venv/bin/python bench/hub_query.py [--events 200000]

Fills a log in-process (no HTTP), then times each read as the API runs it.
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
from notifycenter.hub.records import get_event, list_events, summary
from notifycenter.hub.sqlite_log import SqliteLog
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


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        log = SqliteLog(Path(directory) / "hub.sqlite3", [EventIndex()])
        await log.open()
        started = time.perf_counter()
        await fill(log, count)
        print(f"filled {count} events in {time.perf_counter() - started:.1f}s")
        now = datetime.now(UTC)
        for text in QUERIES:
            query = parse_query(QueryParams(text).getlist)
            started = time.perf_counter()
            page = await log.read(lambda conn, q=query: list_events(conn, q, now))
            print(
                f"  list {text or '(no filter)':55s} {len(page['items']):4d} items "
                f"{(time.perf_counter() - started) * 1000:7.1f} ms"
            )
        for label, fn in (
            ("summary", lambda conn: summary(conn, now, log.last_seq)),
            (
                "one record by source#id",
                lambda conn: get_event(conn, "urn:meshery:server#bench-5", now),
            ),
        ):
            started = time.perf_counter()
            await log.read(fn)
            print(f"  {label:60s} {(time.perf_counter() - started) * 1000:7.1f} ms")
        await log.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    print(cpu_note())
    asyncio.run(main(parser.parse_args().events))
