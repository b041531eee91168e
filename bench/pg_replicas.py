"""Replicas on PostgreSQL, side by side in one run: ingest, fan-out across replicas, and
the time a client takes to resume on another replica after its replica is killed.

    .venv/bin/python bench/pg_replicas.py [--events 20000] [--singles 3000]
        [--subscribers 300] [--rate 200] [--seconds 10] [--rounds 10] [--skip-ingest]

Starts its own PostgreSQL (Debian's initdb + pg_ctl, fsync on, data on this disk) and
`notifycenter serve` processes; each figure gets a fresh database. One line per figure,
each with the load average when it was taken (other work on the machine shows there).

- Ingest: `bench/pg_ingest.py`'s measure (batched, single POST), SQLite and PostgreSQL
  with 1, 2 and 3 replicas.
- Fan-out: 3 replicas, `--subscribers` WebSocket subscribers spread evenly over them (in
  two processes of raw asyncio protocols that only note arrival times; frames are parsed
  after the run), one producer posting single events at `--rate`, spread evenly over the
  replicas. Latency = arrival of the frame holding an event - its send time (`data.sent`),
  so two thirds of the deliveries cross replicas through the database's NOTIFY.
- Resume: 2 replicas, A preferred; `HubClient([A, B]).subscribe()` receives, A gets
  SIGKILL; the figures are the time from the kill to the stream being live on B, and to
  the first event B streams after the cursor reached on A (a producer posts every 10 ms
  to B meanwhile, so up to 10 ms of that is waiting for the next event).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from array import array
from contextlib import ExitStack
from typing import Any

import orjson
from failover_resume import one_round
from hub_common import (
    ROOT,
    Connection,
    TimestampingSubscriber,
    dumps,
    event,
    finish_subscribers,
    hub_process,
    load_note,
    percentile,
    post_request,
    start_subscribers,
    stream_frames,
    stream_handshake,
    wait_quiet,
)
from pg_ingest import measure, postgres

from notifycenter.model.protocol import STRUCTURED
from notifycenter.model.wire import STREAM_BATCH_SUBPROTOCOL

sys.path.insert(0, str(ROOT))

QUIET_SECONDS = 1.0  # no byte for this long after the last POST: every frame is in
DRAIN_SECONDS = 60.0


# -- fan-out ----------------------------------------------------------------------------


def subscribers_process(
    ports: list[int], count: int, offset: int, ready: Any, stop: Any, received: Any, out: Any
) -> None:
    """`count` subscribers, the n-th on ports[(offset + n) % len(ports)]; after `stop`,
    the latencies and how many events each saw."""
    import uvloop

    async def run() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        subs = []
        for n in range(count):
            port = ports[(offset + n) % len(ports)]
            handshake = stream_handshake(port, "", STREAM_BATCH_SUBPROTOCOL)
            _, sub = await loop.create_connection(
                lambda h=handshake: TimestampingSubscriber(h), "127.0.0.1", port
            )
            subs.append(sub)
        await asyncio.gather(*(sub.open for sub in subs))
        ready.set()
        while not stop.is_set():  # bounded by the parent's deadline
            received.value = sum(sub.received for sub in subs)
            await asyncio.sleep(0.1)
        latencies, counts = array("d"), []
        for sub in subs:
            seen = 0
            for arrived, opcode, payload in stream_frames(sub.chunks):
                if opcode != 1:
                    continue
                value = orjson.loads(payload)
                for item in value if isinstance(value, list) else [value]:
                    sent = (item.get("data") or {}).get("sent")
                    if isinstance(sent, float):
                        latencies.append(arrived - sent)
                        seen += 1
            counts.append(seen)
        return {"latencies": latencies.tobytes(), "counts": counts}

    out.put(uvloop.run(run()))


async def produce(ports: list[int], rate: int, total: int) -> tuple[float, list[float]]:
    """Post `total` single events at `rate`, the n-th to ports[n % len]; (seconds, POST ms)."""
    per_port = 64  # connections per replica: a slow commit (0.75 s at p99) does not cap 200/s
    conns = {p: [await Connection.open("127.0.0.1", p) for _ in range(per_port)] for p in ports}
    answered: list[float] = []
    start = time.perf_counter()

    async def worker(index: int) -> None:
        lanes = len(ports) * per_port
        for n in range(index, total, lanes):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            port = ports[n % len(ports)]
            body = dumps(event(f"fan-{n}", data={"summary": "fan-out", "sent": time.time()}))
            posted = time.perf_counter()
            status, answer = await conns[port][index // len(ports)].request(
                post_request(port, body, STRUCTURED)
            )
            answered.append((time.perf_counter() - posted) * 1000)
            if status != 202:
                raise RuntimeError(f"{status}: {answer[:200]!r}")

    await asyncio.gather(*(worker(i) for i in range(len(ports) * per_port)))
    elapsed = time.perf_counter() - start
    for lane in conns.values():
        for conn in lane:
            conn.close()
    return elapsed, answered


def fan_out(database: str, subscribers: int, rate: int, seconds: float) -> None:
    total = int(rate * seconds)
    spawn = multiprocessing.get_context("spawn")
    stop, out = spawn.Event(), spawn.Queue()
    with ExitStack() as stack:
        hubs = [stack.enter_context(hub_process("--database", database)) for _ in range(3)]
        ports = [hub.port for hub in hubs]
        first = subscribers // 2 + subscribers % 2  # two processes, each its share
        leading = [(ports, first, 0), (ports, subscribers // 2, first)]
        children, counters = start_subscribers(spawn, subscribers_process, leading, stop, out)
        load = load_note()
        cpu = [hub.cpu_seconds() for hub in hubs]
        started = time.monotonic()
        elapsed, answered = asyncio.run(produce(ports, rate, total))
        wait_quiet(counters, QUIET_SECONDS, DRAIN_SECONDS)
        wall = time.monotonic() - started - QUIET_SECONDS  # posting and delivering
        used = [hub.cpu_seconds() - before for hub, before in zip(hubs, cpu, strict=True)]
        cores = ", ".join(f"{seconds / wall:.0%}" for seconds in used)
        _, ms, counts = finish_subscribers(stop, children, out)
    complete = sum(c == total for c in counts)
    print(
        f"fan-out, 3 replicas, {subscribers} subscribers, {rate} events/s offered:"
        f" achieved {total / elapsed:,.0f} events/s, delivery p50 {percentile(ms, 0.5):.0f} ms"
        f" p99 {percentile(ms, 0.99):.0f} ms, POST p99 {percentile(answered, 0.99):.0f} ms,"
        f" {complete}/{len(counts)} subscribers got all {total}, hub CPU {cores} of a core"
        f" ({load})",
        flush=True,
    )


# -- resume after kill -9 ---------------------------------------------------------------


async def trickle(port: int, stop: asyncio.Event) -> None:
    """An event every 10 ms to `port` until `stop`."""
    conn = await Connection.open("127.0.0.1", port)
    for n in range(1_000_000):  # bounded; stopped long before
        if stop.is_set():
            break
        await conn.request(post_request(port, dumps(event(f"trickle-{n}")), STRUCTURED))
        await asyncio.sleep(0.01)
    conn.close()


def resume(database: str, rounds: int) -> None:
    live, first = [], []
    load = load_note()
    with hub_process("--database", database) as second:
        for _ in range(rounds):
            with hub_process("--database", database) as replica:

                async def run(a_port: int = replica.port, a_pid: int = replica.process.pid) -> Any:
                    stop = asyncio.Event()
                    feeder = asyncio.create_task(trickle(second.port, stop))
                    try:
                        return await one_round(a_port, a_pid, second.port)
                    finally:
                        stop.set()
                        await feeder

                to_live, to_first = asyncio.run(run())
                live.append(to_live * 1000)
                first.append(to_first * 1000)
                replica.process.wait(10)
    print(
        f"resume on another replica after kill -9, {rounds} rounds: live on it median"
        f" {percentile(live, 0.5):.0f} ms p90 {percentile(live, 0.9):.0f} ms; first event"
        f" median {percentile(first, 0.5):.0f} ms p90 {percentile(first, 0.9):.0f} ms"
        f" max {max(first):.0f} ms ({load})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--singles", type=int, default=3_000)
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; PostgreSQL started by this script, fsync on", flush=True)
    if not args.skip_ingest:
        measure("SQLite, 1 hub", [[]], args.events, args.singles)
    with postgres() as server:
        if not args.skip_ingest:
            for replicas in (1, 2, 3):
                measure(
                    f"PostgreSQL, {replicas} replica{'s' if replicas > 1 else ''}",
                    [["--database", server.create_database()]] * replicas,
                    args.events,
                    args.singles,
                )
        fan_out(server.create_database(), args.subscribers, args.rate, args.seconds)
        resume(server.create_database(), args.rounds)


if __name__ == "__main__":
    main()
