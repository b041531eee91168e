"""Soak: a real hub, many live subscribers (one never reads), a steady producer.

    .venv/bin/python bench/hub_soak.py [--seconds 600] [--subscribers 200] [--rate 50]
    .venv/bin/python bench/hub_soak.py --seconds 20 --subscribers 20 --pad 20000  # smoke

The never-reading client must fill the socket buffers between it and the hub (a few
MB on loopback) before the hub's WebSocket ping times out (~40 s), or the ping closes
it first: the default rate and `--pad` fill them in about 20 s.

Every subscriber but one reads everything; the last one never reads (a tiny receive
buffer, one-frame library queue), so the hub must close it with 1013 without slowing
the producer or the others. The hub notices once the socket buffers between them are
full (a few MB on loopback): `--pad` sets how soon. Prints: when the hub closed the slow one (its
`notifycenter_subscribers_closed_slow_total`, polled every second) and what that client
saw when drained at the end; per-subscriber received counts with gaps and duplicates;
post-to-receive latency p50/p99 (each event carries its send time, same clock); the
hub's RSS at start, end and peak, and its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import socket
import time
from collections import Counter
from pathlib import Path

import orjson
import websockets
from hub_common import Connection, cpu_note, dumps, event, hub_process, post_request

from notifycenter.model.protocol import STRUCTURED

SUB = ["cloudevents.json"]
BUCKETS_PER_DECADE = 50  # latency histogram resolution: ~4.7 % per bucket


class Reader:
    """One reading subscriber: counts, order and a latency histogram (bounded memory).

    Readers run in worker processes of their own, so that the producer's rate and the
    measured latency do not depend on how fast one Python process can parse frames.
    """

    def __init__(self) -> None:
        self.received = 0
        self.last = 0
        self.gaps = 0  # events missing between two received ones
        self.duplicates = 0  # events received again or out of order
        self.latency: Counter[int] = Counter()
        self.closed: str | None = None

    async def run(self, url: str) -> None:
        try:
            async with websockets.connect(url, subprotocols=SUB, max_queue=None) as ws:
                self.ready.set()
                async for frame in ws:
                    self.take(orjson.loads(frame))
        except websockets.ConnectionClosed as closed:
            self.closed = f"{closed.rcvd.code if closed.rcvd else 'no close frame'}"
        except OSError as exc:
            self.closed = repr(exc)

    def take(self, event: dict) -> None:
        seq = int(event["cursor"])
        if seq <= self.last:
            self.duplicates += 1
            return
        self.gaps += seq - self.last - 1
        self.last = seq
        self.received += 1
        millis = max((time.time() - event["data"]["sent"]) * 1000, 0.01)
        self.latency[round(math.log10(millis) * BUCKETS_PER_DECADE)] += 1

    ready: asyncio.Event


def reader_worker(
    url: str, count: int, to_main: multiprocessing.Queue, expected: multiprocessing.Queue
) -> None:
    """Connect `count` readers, say so, read until `expected` events each, send results."""
    asyncio.run(_read_in_worker(url, count, to_main, expected))


async def _read_in_worker(
    url: str, count: int, to_main: multiprocessing.Queue, expected: multiprocessing.Queue
) -> None:
    readers = [Reader() for _ in range(count)]
    tasks = []
    for reader in readers:
        reader.ready = asyncio.Event()
        tasks.append(asyncio.create_task(reader.run(url)))
        await asyncio.wait_for(reader.ready.wait(), 60)
    to_main.put("ready")
    loop = asyncio.get_running_loop()
    total = await loop.run_in_executor(None, expected.get)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(
        r.received + r.gaps < total and r.closed is None for r in readers
    ):
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    to_main.put([(r.received, r.gaps, r.duplicates, dict(r.latency), r.closed) for r in readers])


def percentile(histogram: Counter[int], p: float) -> float:
    total = sum(histogram.values())
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= total * p:
            return 10 ** (bucket / BUCKETS_PER_DECADE)
    return float("nan")


async def slow_subscriber(url: str, port: int) -> websockets.ClientConnection:
    """Connects and never reads: its socket fills and stops taking data."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return await websockets.connect(url, subprotocols=SUB, max_queue=1, sock=sock)


async def drain(ws: websockets.ClientConnection) -> tuple[int, str]:
    """Read what the slow client was sent, then how it ended."""
    frames = 0
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
            frames += 1
    except websockets.ConnectionClosed as closed:
        if closed.rcvd is not None:
            return frames, f"close {closed.rcvd.code} {closed.rcvd.reason!r}"
        return frames, "connection ended without a close frame"
    except TimeoutError:
        return frames, "still open, nothing more sent"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


async def produce(
    port: int, rate: float, seconds: float, pad: int, producer: int, producers: int
) -> tuple[int, list[int]]:
    """Single structured events at a steady rate on one keep-alive connection; its share
    of the total rate, offset so that the producers interleave."""
    conn = await Connection.open("127.0.0.1", port)
    start, n, failures = time.monotonic(), 0, []
    share = rate / producers
    try:
        while (elapsed := time.monotonic() - start) < seconds:
            due = (n + producer / producers) / share
            if due > elapsed:
                await asyncio.sleep(due - elapsed)
            data = {"summary": "soak", "sent": time.time(), "pad": "x" * pad}
            body = dumps(event(f"{producer}-{n}", data=data))
            status, _ = await conn.request(post_request(port, body, STRUCTURED))
            if status != 202:
                failures.append(status)
            n += 1
    finally:
        conn.close()
    return n, failures


async def watch(port: int, pid: int, until: asyncio.Event, samples: dict) -> None:
    """Every second: the slow-close counter and the hub's RSS."""
    start = time.monotonic()
    conn = await Connection.open("127.0.0.1", port)
    request = f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    try:
        while not until.is_set():
            _, body = await conn.request(request)
            closed = metric(body.decode(), "notifycenter_subscribers_closed_slow_total")
            if closed >= 1 and "slow_closed_at" not in samples:
                samples["slow_closed_at"] = time.monotonic() - start
            samples["peak_rss"] = max(samples.get("peak_rss", 0.0), rss_mb(pid))
            samples["subscribers"] = metric(body.decode(), "notifycenter_subscribers")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), 1.0)
    finally:
        conn.close()


async def soak(args: argparse.Namespace) -> None:
    with hub_process() as hub:
        url = f"ws://127.0.0.1:{hub.port}/api/stream"
        context = multiprocessing.get_context("spawn")
        to_main: multiprocessing.Queue = context.Queue()
        expected: multiprocessing.Queue = context.Queue()
        shares = [len(range(w, args.subscribers - 1, args.workers)) for w in range(args.workers)]
        workers = [
            context.Process(target=reader_worker, args=(url, n, to_main, expected), daemon=True)
            for n in shares
        ]
        for worker in workers:
            worker.start()
        loop = asyncio.get_running_loop()
        for _ in workers:
            assert await loop.run_in_executor(None, to_main.get, True, 120) == "ready"
        slow = await slow_subscriber(url, hub.port)
        rss_start, cpu_start = rss_mb(hub.process.pid), hub.cpu_seconds()
        print(
            f"{args.subscribers} subscribers connected ({cpu_note()}); hub RSS {rss_start:.1f} MB"
        )
        samples: dict = {}
        done = asyncio.Event()
        watcher = asyncio.create_task(watch(hub.port, hub.process.pid, done, samples))
        started = time.monotonic()
        results = await asyncio.gather(
            *(
                produce(hub.port, args.rate, args.seconds, args.pad, p, args.producers)
                for p in range(args.producers)
            )
        )
        took = time.monotonic() - started
        produced = sum(n for n, _ in results)
        failures = [status for _, statuses in results for status in statuses]
        for _ in workers:
            expected.put(produced)
        readers = []
        for _ in workers:
            for received, gaps, duplicates, latency, closed in await loop.run_in_executor(
                None, to_main.get, True, 120
            ):
                reader = Reader()
                reader.received, reader.gaps, reader.duplicates = received, gaps, duplicates
                reader.latency, reader.closed = Counter(latency), closed
                readers.append(reader)
        for worker in workers:
            worker.join(10)
        done.set()
        await watcher
        rss_end, cpu = rss_mb(hub.process.pid), hub.cpu_seconds() - cpu_start
        slow_frames, slow_end = await drain(slow)
        report(args, readers, produced, took, failures, samples, (slow_frames, slow_end))
        print(
            f"hub RSS: start {rss_start:.1f} MB, end {rss_end:.1f} MB, peak {samples.get('peak_rss', 0):.1f} MB;"
            f" hub CPU {cpu:.1f} s ({cpu / took * 100:.0f}% of a core)"
        )


def report(
    args: argparse.Namespace,
    readers: list[Reader],
    produced: int,
    took: float,
    failures: list[int],
    samples: dict,
    slow: tuple[int, str],
) -> None:
    print(
        f"produced {produced} events of ~{args.pad + 500} bytes in {took:.0f} s"
        f" ({produced / took:.1f}/s, 1 per POST, {args.producers} producers);"
        f" non-202 answers: {len(failures)} {sorted(Counter(failures).items())}"
    )
    closed_at = samples.get("slow_closed_at")
    print(
        "slow subscriber: "
        + (
            f"closed by the hub with 1013 {closed_at:.0f} s into the run"
            if closed_at
            else "NOT closed"
        )
        + f"; drained at the end: {slow[0]} frames, then {slow[1]}"
    )
    counts = Counter(r.received for r in readers)
    complete = counts.get(produced, 0)
    print(
        f"readers: {complete}/{len(readers)} received all {produced};"
        f" received counts {sorted(counts.items())};"
        f" gaps {sum(r.gaps for r in readers)}, duplicates {sum(r.duplicates for r in readers)},"
        f" closed early {sum(1 for r in readers if r.closed)} {sorted({r.closed for r in readers if r.closed})}"
    )
    histogram: Counter[int] = Counter()
    for reader in readers:
        histogram.update(reader.latency)
    print(
        f"delivery latency (post to receive, {sum(histogram.values())} deliveries):"
        f" p50 {percentile(histogram, 0.5):.1f} ms, p99 {percentile(histogram, 0.99):.1f} ms,"
        f" max <= {percentile(histogram, 1.0):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--subscribers", type=int, default=200, help="including the slow one")
    parser.add_argument("--rate", type=float, default=50, help="events per second, in all")
    parser.add_argument("--producers", type=int, default=10, help="concurrent connections")
    parser.add_argument("--pad", type=int, default=3000, help="extra bytes per event")
    parser.add_argument("--workers", type=int, default=2, help="reader processes")
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
