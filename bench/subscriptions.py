"""Subscription delivery benchmarks, through a real hub process and a receiver process.

    .venv/bin/python bench/subscriptions.py [--subscriptions 10] [--backlog 5000]
        [--rate 1000] [--seconds 10] [--mode batched|binary|structured] [--concurrency 1]
        [--outage 60]

Throughput: the receiver is down (503) while `backlog` events are stored, then comes
back; deliveries/s is every subscription's whole backlog over the time it took to
arrive. Lag: the receiver is up and a producer posts `rate` events/s (10 per POST) for
`seconds`; each event carries its send time and the receiver (same clock, own process)
records post-to-delivery lag per subscription. `--outage 60` also keeps a rate-limited
subscription's sink down for a minute while events come, and checks that once it is back
every event arrived or was counted by a digest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
import urllib.request
from typing import Any

import orjson
from hub_common import (
    Connection,
    cpu_note,
    dumps,
    event,
    free_port,
    hub_process,
    percentile,
    post_request,
)

from notifycenter.model.protocol import BATCH


def receiver_process(port: int, down: Any, received: Any, stop: Any, results: Any) -> None:
    """A lean HTTP/1.1 CloudEvents receiver: parses only what it must, answers 202."""
    lags: list[float] = []
    omitted = [0]  # what digests stood for

    def lag_of(event_json: Any) -> None:
        data = event_json.get("data") if isinstance(event_json, dict) else None
        if isinstance(data, dict) and "sent" in data:
            lags.append(time.time() - data["sent"])
        if isinstance(data, dict) and isinstance(data.get("omitted"), int):
            omitted[0] += data["omitted"]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method = lines[0].split(b" ", 1)[0]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
                if method == b"OPTIONS":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nWebHook-Allowed-Origin: *\r\nContent-Length: 0\r\n\r\n"
                    )
                    continue
                if down.value:
                    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
                    continue
                kind = headers.get(b"content-type", b"")
                if kind.startswith(b"application/cloudevents-batch+json"):
                    events = orjson.loads(body)
                    for item in events:
                        lag_of(item)
                    count = len(events)
                elif kind.startswith(b"application/cloudevents+json"):
                    lag_of(orjson.loads(body))
                    count = 1
                else:
                    lag_of({"data": orjson.loads(body)})
                    count = 1
                with received.get_lock():
                    received.value += count
                writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
        async with server:
            while not stop.is_set():
                await asyncio.sleep(0.1)
        results.put((lags, omitted[0]))

    asyncio.run(run())


class Sink:
    """The receiver process and its shared counters."""

    def __init__(self) -> None:
        self.port = free_port()
        self.down = multiprocessing.Value("b", 0)
        self.received = multiprocessing.Value("q", 0)
        self.stop = multiprocessing.Event()
        self.results: Any = multiprocessing.Queue()
        self.process = multiprocessing.Process(
            target=receiver_process,
            args=(self.port, self.down, self.received, self.stop, self.results),
        )

    def __enter__(self) -> Sink:
        self.process.start()
        time.sleep(0.5)
        return self

    def count(self) -> int:
        return int(self.received.value)

    def lags(self) -> list[float]:
        return self.finish()[0]

    def finish(self) -> tuple[list[float], int]:
        """The lag of each event received, and how many events digests stood for."""
        self.stop.set()
        found: tuple[list[float], int] = self.results.get(timeout=60)
        return found

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(10)


def subscribe(
    hub_port: int,
    sink_port: int,
    n: int,
    mode: str,
    concurrency: int,
    config: dict[str, Any] | None = None,
) -> None:
    body = {
        "sink": f"http://127.0.0.1:{sink_port}/s/{n}",
        "protocol": "HTTP",
        "config": config or {"backoffmin": 0.1, "backoffmax": 0.5, "batchsize": 500},
        "protocolsettings": {
            "mode": mode,
            **({"concurrency": concurrency} if mode != "batched" else {}),
        },
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{hub_port}/api/subscriptions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201


def wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


async def post_all(port: int, total: int, per_post: int, rate: float | None) -> float:
    """Post `total` events, `per_post` per request, paced at `rate` events/s when given."""
    # A connection idle past the server's keep-alive timeout (5 s) is closed: few at low rates.
    count = 8 if rate is None else max(1, min(8, int(rate) // 100))
    conns = [await Connection.open("127.0.0.1", port) for _ in range(count)]
    start = time.perf_counter()
    posts = total // per_post

    async def produce(worker: int) -> None:
        for n in range(worker, posts, len(conns)):
            if rate is not None:
                delay = start + n * per_post / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            events = [
                event(f"{n}-{k}", data={"summary": "bench", "sent": time.time()})
                for k in range(per_post)
            ]
            status, answer = await conns[worker].request(post_request(port, dumps(events), BATCH))
            assert status == 202, answer

    await asyncio.gather(*(produce(w) for w in range(len(conns))))
    for conn in conns:
        conn.close()
    return time.perf_counter() - start


def throughput(subscriptions: int, backlog: int, mode: str, concurrency: int) -> None:
    with hub_process() as hub, Sink() as sink:
        for n in range(subscriptions):
            subscribe(hub.port, sink.port, n, mode, concurrency)
        sink.down.value = 1
        asyncio.run(post_all(hub.port, backlog, 100, None))
        time.sleep(1.0)  # every worker has failed once and is backing off
        expected = backlog * subscriptions
        cpu = hub.cpu_seconds()
        start = time.perf_counter()
        sink.down.value = 0
        wait_for(lambda: sink.count() > 0, 60)
        first = time.perf_counter()  # the workers' backoff ends: delivery starts
        done = wait_for(lambda: sink.count() >= expected, 600)
        end = time.perf_counter()
        cpu = hub.cpu_seconds() - cpu
        got = sink.count()
        sink.lags()
    state = "" if done else f" (timed out: {got} of {expected})"
    elapsed = end - first
    print(
        f"throughput ({mode}, concurrency {concurrency}): {subscriptions} subscriptions x {backlog} backlogged events ="
        f" {got} deliveries in {elapsed:.2f}s from the first = {got / elapsed:,.0f} deliveries/s"
        f"{state} ({end - start:.2f}s from the sink's return, backoff included);"
        f" hub CPU {cpu / (end - start):.0%} of a core"
    )


def lag(subscriptions: int, rate: int, seconds: float, mode: str, concurrency: int) -> None:
    total = int(rate * seconds)
    with hub_process() as hub, Sink() as sink:
        for n in range(subscriptions):
            subscribe(hub.port, sink.port, n, mode, concurrency)
        cpu = hub.cpu_seconds()
        sent_in = asyncio.run(post_all(hub.port, total, 10, rate))
        expected = total * subscriptions
        done = wait_for(lambda: sink.count() >= expected, 120)
        cpu = hub.cpu_seconds() - cpu
        ms = [x * 1000 for x in sink.lags()]
    state = "" if done else f" (timed out: {len(ms)} of {expected})"
    print(
        f"lag ({mode}, concurrency {concurrency}): {total} events at {total / sent_in:,.0f}/s to {subscriptions} subscriptions"
        f" ({len(ms)} deliveries){state}: p50 {percentile(ms, 0.5):.0f} ms,"
        f" p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms;"
        f" hub CPU {cpu / max(sent_in, 1e-9):.0%} of a core while posting"
    )


def outage(seconds: float, rate: int, ratelimit: int) -> None:
    """One subscription with a rate limit; the sink is down for `seconds` while events come
    at `rate`/s; once it is back, every event must be delivered or counted by a digest."""
    total = int(rate * seconds)
    config = {"ratelimit": ratelimit, "backoffmin": 1, "backoffmax": 10}
    with hub_process() as hub, Sink() as sink:
        subscribe(hub.port, sink.port, 0, "batched", 1, config)
        sink.down.value = 1
        asyncio.run(post_all(hub.port, total, 10, rate))
        sink.down.value = 0
        back = time.perf_counter()
        wait_for(lambda: sink.count() > 0, 60)
        took = time.perf_counter() - back
        time.sleep(1.0)
        lags, omitted = sink.finish()
    events = len(lags)
    print(
        f"outage: sink down {seconds:.0f}s while {total} events came; back after"
        f" {took:.1f}s (backoff): {events} events delivered + {omitted} in a digest"
        f" = {events + omitted} of {total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mode", default="batched", choices=("batched", "binary", "structured"))
    parser.add_argument(
        "--concurrency", type=int, default=1, help="binary/structured requests at a time"
    )
    parser.add_argument(
        "--outage", type=float, default=0, help="also: a sink down this many seconds"
    )
    args = parser.parse_args()
    print(cpu_note())
    if args.outage:
        outage(args.outage, 10, 30)
    throughput(args.subscriptions, args.backlog, args.mode, args.concurrency)
    lag(args.subscriptions, args.rate, args.seconds, args.mode, args.concurrency)


if __name__ == "__main__":
    main()
