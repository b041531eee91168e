"""Replay to `HubClient`: a real hub holding `--events` events, one `HubClient.subscribe(
since="0")` timed from the call until its last event has been decoded (target ≤ 1 s for
100,000), beside its peer in the same run: a bare WebSocket client (`websockets`, no
decoding) reading the same bodies from the same hub in batch frames. Their ratio is the
client library's own share. A third line reads them one event per frame
(`cloudevents.json`, as a third-party CloudEvents client would).

    .venv/bin/python bench/hub_replay_client.py [--events 100000] [--repeat 3]
    .venv/bin/python bench/hub_replay_client.py --backend postgresql   # its own server

Each reader runs `--repeat` times, interleaved (so a warmer cache favours none), and the
median is printed; the hub is a separate process. The hub's CPU and the reader's own CPU
are printed per read: on a loaded machine the wall time mostly says how long each waited
for a core, while their CPU seconds say what a quiet machine would take.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import websockets
from hub_common import Connection, cpu_note, dumps, event, hub_process, load_note, post_request
from pg_ingest import BACKENDS, backend

from notifycenter.client import HubClient
from notifycenter.model.protocol import BATCH
from notifycenter.model.wire import STREAM_BATCH_SUBPROTOCOL

Reader = Callable[[int, int], Awaitable[float]]


async def fill(port: int, count: int) -> None:
    conn = await Connection.open("127.0.0.1", port)
    for start in range(0, count, 1000):
        body = dumps([event(f"r{n}") for n in range(start, min(start + 1000, count))])
        status, answer = await conn.request(post_request(port, body, BATCH))
        assert status == 202, answer
    conn.close()


async def hub_client(port: int, count: int) -> float:
    """Seconds from `subscribe(since="0")` to the last event decoded."""
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
    assert last == f"{count:016d}", last
    return elapsed


async def bare(port: int, count: int, subprotocol: str) -> float:
    """Seconds from connecting to the frame holding the last cursor; frames not decoded."""
    url = f"ws://127.0.0.1:{port}/api/stream?since=0"
    last = f'"{count:016d}"'
    start = time.perf_counter()
    async with websockets.connect(url, subprotocols=[subprotocol], max_size=None) as ws:
        if subprotocol == "cloudevents.json":
            for _ in range(count - 1):
                await ws.recv()
            frame = await ws.recv()
            assert last in frame
        else:
            while last not in await ws.recv():
                pass
        elapsed = time.perf_counter() - start
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    args = parser.parse_args()
    print(cpu_note())
    readers: dict[str, Reader] = {
        "HubClient.subscribe": hub_client,
        "bare client, batch frames": lambda p, n: bare(p, n, STREAM_BATCH_SUBPROTOCOL),
        "bare client, one event per frame": lambda p, n: bare(p, n, "cloudevents.json"),
    }
    times: dict[str, list[float]] = {name: [] for name in readers}
    cpus: dict[str, list[float]] = {name: [] for name in readers}
    own: dict[str, list[float]] = {name: [] for name in readers}
    with backend(args.backend) as extra, hub_process(*extra) as hub:
        print(f"hub's log: {args.backend}")
        asyncio.run(fill(hub.port, args.events))
        load = load_note()
        for _ in range(args.repeat):
            for name, reader in readers.items():
                cpu, mine = hub.cpu_seconds(), time.process_time()
                times[name].append(asyncio.run(reader(hub.port, args.events)))
                cpus[name].append(hub.cpu_seconds() - cpu)
                own[name].append(time.process_time() - mine)
    peer = statistics.median(times["bare client, batch frames"])
    for name in readers:
        elapsed = statistics.median(times[name])
        print(
            f"replay of {args.events:,} events to {name}: {elapsed:.2f} s"
            f" ({args.events / elapsed:,.0f} events/s), hub CPU {statistics.median(cpus[name]):.2f} s,"
            f" reader CPU {statistics.median(own[name]):.2f} s;"
            f" ratio to the bare batch reader {elapsed / peer:.2f}; median of {args.repeat},"
            f" {load} before, {load_note()} after"
        )


if __name__ == "__main__":
    main()
