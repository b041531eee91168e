"""Query latency on a large log, as a client of a hub process sees it: lists with each
filter, one record, the summary.

    .venv/bin/python bench/hub_query.py [--events 200000] [--repeat 9] [--database URL]
    .venv/bin/python bench/hub_query.py --backend postgresql   # on a server of its own

Starts `notifycenter serve` (SQLite in a temp dir, or `--database`), fills it with
batched POSTs over keep-alive connections (the fill rate is printed too), then times
each read from request to the last byte of the answer, `--repeat` times: median and
slowest. A list that reaches the hub's time budget answers what it found with a cut-off,
shown as "cut off"; the filters that match nothing and cannot be answered from an index
are the worst case. `/api/summary` is timed too (the hub keeps its counts).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import quote

import orjson
from hub_common import Connection, cpu_note, dumps, event, hub_process, post_request, send_all
from pg_ingest import BACKENDS, backend

from notifycenter.model.protocol import BATCH

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


def bodies(count: int) -> list[bytes]:
    sources = ["urn:meshery:adapter:istio", "urn:meshery:adapter:linkerd", "urn:meshery:server"]
    out = []
    for start in range(0, count, 1000):
        batch = []
        for n in range(start, min(start + 1000, count)):
            extra: dict[str, object] = {
                "severitytext": SEVERITIES[n % 8],
                "source": sources[n % 3],
                "subject": f"cluster-{n % 50}",
                "time": "2026-11-28T09:00:00.000Z",
            }
            if n % 97 == 0:
                extra["data"] = {"summary": "Timeout talking to the API server"}
            if n % 1000 == 0:
                extra["traceparent"] = f"00-{'1' * 32}-00000000000000aa-01"
            batch.append(event(n, **extra))
        out.append(dumps(batch))
    return out


def get_request(port: int, target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def spread(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {ordered[len(ordered) // 2]:7.1f} ms, slowest {ordered[-1]:7.1f} ms"


def list_target(text: str) -> str:
    pairs = [part.split("=", 1) for part in text.split("&") if part]
    return "/api/events?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)


async def timed(conn: Connection, port: int, target: str, repeat: int) -> tuple[list[float], dict]:
    times, answer = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        status, body = await conn.request(get_request(port, target))
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{target}: {status} {body[:200]!r}")
        answer = orjson.loads(body)
    return times, answer


async def main(count: int, repeat: int, extra: list[str]) -> None:
    with hub_process(*extra) as hub:
        requests = [post_request(hub.port, body, BATCH) for body in bodies(count)]
        seconds = await send_all(hub.port, requests, 4)
        print(f"filled {count} events through POSTs in {seconds:.1f} s ({count / seconds:,.0f}/s)")
        conn = await Connection.open("127.0.0.1", hub.port)
        for text in QUERIES:
            times, page = await timed(conn, hub.port, list_target(text), repeat)
            cut = " cut off" if page.get("cut_off") else ""
            label = text or "(no filter)"
            print(f"  list {label:55s} {len(page['items']):4d} items {spread(times)}{cut}")
        for label, target in (
            ("summary", "/api/summary"),
            (
                "one record by source#id",
                "/api/events/" + quote("urn:meshery:server#bench-5", safe=""),
            ),
        ):
            times, _ = await timed(conn, hub.port, target, repeat)
            print(f"  {label:71s} {spread(times)}")
        conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--database", help="a postgresql:// URL: the hub keeps its log there")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    args = parser.parse_args()
    print(cpu_note())
    if args.database:
        asyncio.run(main(args.events, args.repeat, ["--database", args.database]))
    else:
        with backend(args.backend) as extra:
            asyncio.run(main(args.events, args.repeat, extra))
