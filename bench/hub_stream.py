"""Stream benchmarks: fan-out latency to 10 subscribers, and replay speed.

    .venv/bin/python bench/hub_stream.py [--rate 1000] [--seconds 10] [--subscribers 10] [--replay 100000]

Fan-out: one producer posts single structured events at a fixed rate; each event carries
its send time; every subscriber records post-to-receive latency (same process, same
clock). Replay: 100,000 events are stored, then one subscriber resumes with since=0 and
is timed until its last event arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time

import orjson
import websockets
from hub_common import (
    Connection,
    cpu_note,
    dumps,
    event,
    hub_process,
    percentile,
    post_request,
)

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


async def subscriber(url: str, expected: int, latencies: list[float]) -> None:
    async with websockets.connect(url, subprotocols=["cloudevents.json"], max_queue=None) as ws:
        for _ in range(expected):
            frame = await ws.recv()
            latencies.append(time.time() - orjson.loads(frame)["data"]["sent"])


def subscribers_process(port: int, count: int, expected: int, ready, results) -> None:
    """The subscribers run in a process of their own so that receiving does not slow posting."""

    async def run() -> list[float]:
        latencies: list[float] = []
        url = f"ws://127.0.0.1:{port}/api/stream?lifecycle=0"
        tasks = [asyncio.create_task(subscriber(url, expected, latencies)) for _ in range(count)]
        await asyncio.sleep(1.0)  # every handshake done
        ready.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        return latencies

    results.put(asyncio.run(run()))


async def fan_out(hub, rate: int, seconds: float, subscribers: int, batch: int) -> None:
    port = hub.port
    total = int(rate * seconds)
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    child = multiprocessing.Process(
        target=subscribers_process, args=(port, subscribers, total, ready, results)
    )
    child.start()
    ready.wait(30)
    # Enough connections that the commit latency (an fsync per group) never caps the rate.
    conns = [await Connection.open("127.0.0.1", port) for _ in range(32)]
    cpu = hub.cpu_seconds()
    start = time.perf_counter()
    requests = total // batch
    answered: list[float] = []

    async def produce(worker: int) -> None:
        for n in range(worker, requests, len(conns)):
            delay = start + n * batch / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            events = [
                event(f"{n}-{k}", data={"summary": "fan-out", "sent": time.time()})
                for k in range(batch)
            ]
            body, kind = (dumps(events[0]), STRUCTURED) if batch == 1 else (dumps(events), BATCH)
            posted = time.perf_counter()
            status, answer = await conns[worker].request(post_request(port, body, kind))
            answered.append((time.perf_counter() - posted) * 1000)
            assert status == 202, answer

    await asyncio.gather(*(produce(w) for w in range(len(conns))))
    sent_in = time.perf_counter() - start
    latencies = await asyncio.get_running_loop().run_in_executor(None, results.get)
    child.join()
    cpu = hub.cpu_seconds() - cpu
    ms = [x * 1000 for x in latencies]
    print(
        f"fan-out: {total} events at {total / sent_in:,.0f}/s ({batch} per POST) to {subscribers} subscribers "
        f"({len(ms)} deliveries): latency p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms):.1f} ms; hub CPU {cpu / (time.perf_counter() - start):.0%} of a core"
    )
    print(
        f"  of which the POST itself (durable commit, then 202): p50 {percentile(answered, 0.5):.1f} ms, "
        f"p99 {percentile(answered, 0.99):.1f} ms"
    )
    print(f"  log transactions (fsync included): {commit_histogram(port)}")


async def replay(hub, count: int) -> None:
    port = hub.port
    conn = await Connection.open("127.0.0.1", port)
    for start in range(0, count, 1000):
        body = dumps([event(f"r{n}") for n in range(start, min(start + 1000, count))])
        status, answer = await conn.request(post_request(port, body, BATCH))
        assert status == 202, answer
    url = f"ws://127.0.0.1:{port}/api/stream?since=0"
    cpu = hub.cpu_seconds()
    start = time.perf_counter()
    async with websockets.connect(
        url, subprotocols=["cloudevents.json"], max_queue=None, max_size=None
    ) as ws:
        last = None
        for _ in range(count):
            last = await ws.recv()
    elapsed = time.perf_counter() - start
    cpu = hub.cpu_seconds() - cpu
    assert orjson.loads(last)["cursor"] == f"{count:016d}"
    print(
        f"replay: {count} events to a resuming subscriber in {elapsed:.2f}s = {count / elapsed:,.0f} events/s;"
        f" hub CPU {cpu:.2f}s ({cpu / count * 1e6:.1f} µs/event)"
    )


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
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--replay", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1, help="events per POST in the fan-out test")
    args = parser.parse_args()
    print(cpu_note())
    with hub_process() as hub:
        asyncio.run(fan_out(hub, args.rate, args.seconds, args.subscribers, args.batch))
    with hub_process() as hub:
        asyncio.run(replay(hub, args.replay))


if __name__ == "__main__":
    main()
