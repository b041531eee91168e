"""Stream fan-out: delivery latency from many subscribers of one hub at a fixed event rate.

    .venv/bin/python bench/hub_stream.py [--subscribers 200] [--rate 1000] [--seconds 10]
        [--frames batch|single] [--batch 1] [--processes 2]

One producer posts single structured events at `--rate` over `--connections` keep-alive
connections (enough that a slow durable commit does not cap the offered rate);
each event carries its send time (`data.sent`). `--subscribers` WebSocket subscribers,
spread over `--processes` processes, record when each frame arrived. Per event and
subscriber, latency = arrival of the frame holding it - its send time (one machine, one
clock). The peer in the same run is the POST's own answer (the durable commit): no event
can be delivered before it, so `delivery p99 / POST p99` is what the fan-out adds.

How the bench avoids measuring itself: the subscribers are raw asyncio protocols on
uvloop whose only work per read is to note the time and keep the bytes; frames are parsed
after the run. The producer writes pre-serialised requests and reads only the status
line. The line prints the CPU used by the subscriber processes and by the producer, so a
run where they were busy shows it. `--frames single` subscribes with `cloudevents.json`
(one event per frame) instead of `notifycenter.batch.json`, as third-party clients would.

The run is bounded: the hub pings every 20 s and these subscribers never answer, so runs
are kept to 30 s of posting.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from array import array
from typing import Any

import orjson
from hub_common import (
    Connection,
    TimestampingSubscriber,
    cpu_note,
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
from pg_ingest import BACKENDS, backend

from notifycenter.model.protocol import BATCH, STRUCTURED, SUBPROTOCOL
from notifycenter.model.wire import STREAM_BATCH_SUBPROTOCOL

SUBPROTOCOLS = {"batch": STREAM_BATCH_SUBPROTOCOL, "single": SUBPROTOCOL}
QUIET_SECONDS = 1.0  # no byte for this long after the last POST: every frame is in
DRAIN_SECONDS = 60.0  # at most this long for the last frames


def subscribers_process(
    port: int, count: int, subprotocol: str, ready: Any, stop: Any, received: Any, results: Any
) -> None:
    """`count` subscribers in one process; after `stop`, the latencies and what was seen."""
    import uvloop

    async def run() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        handshake = stream_handshake(port, "", subprotocol)
        subs = []
        for _ in range(count):
            _, sub = await loop.create_connection(
                lambda: TimestampingSubscriber(handshake), "127.0.0.1", port
            )
            subs.append(sub)
        await asyncio.gather(*(sub.open for sub in subs))
        cpu = time.process_time()
        ready.set()
        while not stop.is_set():  # bounded by the parent's deadline
            received.value = sum(sub.received for sub in subs)
            await asyncio.sleep(0.1)
        cpu = time.process_time() - cpu
        return summarise(subs, cpu)

    results.put(uvloop.run(run()))


def summarise(subs: list[TimestampingSubscriber], cpu: float) -> dict[str, Any]:
    latencies = array("d")
    counts, frames, closes, in_order = [], 0, [], True
    for sub in subs:
        seen, last = 0, ""
        for arrived, opcode, payload in stream_frames(sub.chunks):
            if opcode == 8:
                closes.append(int.from_bytes(payload[:2]) if payload else 1005)
                continue
            if opcode != 1:
                continue  # pings
            frames += 1
            value = orjson.loads(payload)
            for item in value if isinstance(value, list) else [value]:
                in_order = in_order and item["cursor"] > last
                last = item["cursor"]
                sent = (item.get("data") or {}).get("sent")
                if isinstance(sent, float):
                    latencies.append(arrived - sent)
                    seen += 1
        counts.append(seen)
    return {
        "latencies": latencies.tobytes(),
        "counts": counts,
        "frames": frames,
        "closes": closes,
        "in_order": in_order,
        "cpu": cpu,
    }


async def produce(
    port: int, rate: int, total: int, batch: int, connections: int
) -> tuple[float, list[float], float]:
    """Post `total` events at `rate`; (seconds taken, POST latencies in ms, producer CPU)."""
    conns = [await Connection.open("127.0.0.1", port) for _ in range(connections)]
    requests = total // batch
    answered: list[float] = []
    cpu = time.process_time()
    start = time.perf_counter()

    async def worker(index: int) -> None:
        for n in range(index, requests, len(conns)):
            delay = start + n * batch / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.time()
            events = [
                event(f"{n}-{k}", data={"summary": "fan-out", "sent": sent}) for k in range(batch)
            ]
            body, kind = (dumps(events[0]), STRUCTURED) if batch == 1 else (dumps(events), BATCH)
            posted = time.perf_counter()
            status, answer = await conns[index].request(post_request(port, body, kind))
            answered.append((time.perf_counter() - posted) * 1000)
            assert status == 202, answer

    await asyncio.gather(*(worker(i) for i in range(len(conns))))
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return elapsed, answered, time.process_time() - cpu


def fan_out(args: argparse.Namespace) -> None:
    total = int(args.rate * args.seconds)
    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    per = [
        args.subscribers // args.processes + (i < args.subscribers % args.processes)
        for i in range(args.processes)
    ]
    with backend(args.backend) as extra, hub_process(*extra) as hub:
        print(f"hub's log: {args.backend}")
        leading = [(hub.port, count, SUBPROTOCOLS[args.frames]) for count in per]
        children, counters = start_subscribers(spawn, subscribers_process, leading, stop, results)
        load_before = load_note()
        hub_cpu = hub.cpu_seconds()
        start = time.perf_counter()
        elapsed, answered, producer_cpu = asyncio.run(
            produce(hub.port, args.rate, total, args.batch, args.connections)
        )
        wait_quiet(counters, QUIET_SECONDS, DRAIN_SECONDS)
        wall = time.perf_counter() - start - QUIET_SECONDS
        hub_cpu = hub.cpu_seconds() - hub_cpu
        commits = commit_histogram(hub.port)
        parts, ms, counts = finish_subscribers(stop, children, results)
    complete = sum(c == total for c in counts)
    closes = [c for part in parts for c in part["closes"]]
    frames = sum(part["frames"] for part in parts)
    post_p99 = percentile(answered, 0.99)
    own = ", ".join(f"{part['cpu'] / wall:.0%}" for part in parts)
    delivery_p99 = percentile(ms, 0.99) if ms else float("nan")
    print(
        f"fan-out ({args.frames} frames, {args.batch} event(s) per POST): {args.subscribers} subscribers,"
        f" offered {args.rate:,}/s, achieved {total / elapsed:,.0f}/s;"
        f" delivery p50 {percentile(ms, 0.5) if ms else float('nan'):.1f} ms, p99 {delivery_p99:.1f} ms,"
        f" max {max(ms) if ms else float('nan'):.1f} ms;"
        f" peer: the POST's own answer (durable commit) p50 {percentile(answered, 0.5):.1f} ms,"
        f" p99 {post_p99:.1f} ms; delivery p99 / POST p99 = {delivery_p99 / post_p99:.2f};"
        f" hub CPU {hub_cpu / wall:.0%} of a core; {load_before} before, {load_note()} after"
    )
    print(
        f"  deliveries {len(ms):,} of {total * args.subscribers:,}; subscribers with every event"
        f" {complete}/{len(counts)}, in log order: {all(p['in_order'] for p in parts)};"
        f" closed by the hub: {len(closes)} {sorted(set(closes))}; frames {frames:,}"
        f" ({len(ms) / max(frames, 1):.1f} events per frame); bench's own CPU: subscribers"
        f" {own} of a core, producer {producer_cpu / wall:.0%}"
    )
    print(f"  log transactions (fsync included), cumulative: {commits}")


def commit_histogram(port: int) -> str:
    """The hub's own commit-duration histogram, as 'le: count' pairs."""
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    pairs = []
    for line in text.splitlines():
        if line.startswith("notifycenter_log_commit_seconds_bucket"):
            bound = line.split('le="')[1].split('"')[0]
            pairs.append(f"<={bound}s: {float(line.rsplit(' ', 1)[1]):.0f}")
    return ", ".join(pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="subscriber processes")
    parser.add_argument("--frames", choices=sorted(SUBPROTOCOLS), default="batch")
    parser.add_argument("--batch", type=int, default=1, help="events per POST")
    parser.add_argument(
        "--connections", type=int, default=256, help="producer connections (POSTs in flight)"
    )
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the hub's log")
    args = parser.parse_args()
    if args.seconds > 30:
        parser.error("--seconds: at most 30 (the subscribers do not answer the hub's pings)")
    print(cpu_note())
    fan_out(args)


if __name__ == "__main__":
    main()
