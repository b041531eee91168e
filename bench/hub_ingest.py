"""Ingest throughput: batched (100 events per request) and single-event POSTs, durable.

    .venv/bin/python bench/hub_ingest.py [--events 200000] [--singles 20000]

Each 202 means the events were committed (WAL, synchronous=FULL) before the answer.
"""

from __future__ import annotations

import argparse
import asyncio

from hub_common import cpu_note, dumps, event, hub_process, post_request, send_all

BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--singles", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    print(cpu_note())
    with hub_process() as hub:
        batches = [
            post_request(hub.port, dumps([event(f"{b}-{k}") for k in range(100)]), BATCH)
            for b in range(args.events // 100)
        ]
        cpu = hub.cpu_seconds()
        elapsed = asyncio.run(send_all(hub.port, batches, args.connections))
        cpu = hub.cpu_seconds() - cpu
        print(
            f"batched ingest: {args.events} events in {elapsed:.2f}s = {args.events / elapsed:,.0f} events/s "
            f"({args.connections} connections, 100 events/request); hub CPU {cpu / args.events * 1e6:.0f} µs/event"
            f" = {args.events / cpu:,.0f} events per CPU-second"
        )
    with hub_process() as hub:
        singles = [post_request(hub.port, dumps(event(n)), STRUCTURED) for n in range(args.singles)]
        for connections in (1, 32):
            part = (
                singles[: args.singles // 2] if connections == 1 else singles[args.singles // 2 :]
            )
            cpu = hub.cpu_seconds()
            elapsed = asyncio.run(send_all(hub.port, part, connections))
            cpu = hub.cpu_seconds() - cpu
            print(
                f"single-event POST: {len(part)} in {elapsed:.2f}s = {len(part) / elapsed:,.0f} requests/s "
                f"({connections} connections); hub CPU {cpu / len(part) * 1e6:.0f} µs/request"
            )


if __name__ == "__main__":
    main()
