"""Replay to `HubClient`: a real hub holding `--events` events, one `HubClient.subscribe(
since="0")` timed from the call until its last event has been decoded (target ≤ 1 s for
100,000). `hub_stream.py`'s replay times the same with a bare WebSocket client; the
difference is the client library's own work.

    .venv/bin/python bench/hub_replay_client.py [--events 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from hub_common import Connection, cpu_note, dumps, event, hub_process, post_request

from notifycenter.client import HubClient

BATCH = "application/cloudevents-batch+json"


async def fill(port: int, count: int) -> None:
    conn = await Connection.open("127.0.0.1", port)
    for start in range(0, count, 1000):
        body = dumps([event(f"r{n}") for n in range(start, min(start + 1000, count))])
        status, answer = await conn.request(post_request(port, body, BATCH))
        assert status == 202, answer
    conn.close()


async def replay(port: int, count: int) -> tuple[float, str]:
    async with HubClient(f"http://127.0.0.1:{port}") as client:
        start = time.perf_counter()
        received, last = 0, ""
        events = aiter(client.subscribe(since="0"))
        async for item in events:
            received += 1
            last = item["cursor"]
            if received == count:
                break
        elapsed = time.perf_counter() - start
        await events.aclose()  # type: ignore[attr-defined]
        return elapsed, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    print(cpu_note())
    with hub_process() as hub:
        asyncio.run(fill(hub.port, args.events))
        cpu = hub.cpu_seconds()
        elapsed, last = asyncio.run(replay(hub.port, args.events))
        cpu = hub.cpu_seconds() - cpu
        assert last == f"{args.events:016d}", last
        print(
            f"replay to HubClient: {args.events} events in {elapsed:.2f}s ="
            f" {args.events / elapsed:,.0f} events/s (target: 100,000 in ≤ 1 s);"
            f" hub CPU {cpu:.2f}s"
        )


if __name__ == "__main__":
    main()
