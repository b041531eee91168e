"""How fast producers are, each figure named for whose rate it is:

- `emit()` to the caller: the time `Emitter.emit` takes (it only buffers; a background
  thread sends), per call and as calls per second;
- delivered through the emitter: from the first `emit()` until the hub has answered for
  every event (`drain`), into a real hub process;
- the peer, in the same run: the same number of events, built in advance, posted by one
  plain HTTP client in batches of the emitter's size to a fresh hub — the hub's own
  ingest rate, so the ratio says what the emitter costs on top of it;
- spooling when the hub is down (each batch fsynced) and replaying the spool once it is back.

    .venv/bin/python bench/emitter_throughput.py [--events 20000]

Prints what it measured, with the load average; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import orjson

from notifycenter.client import Emitter, build_event
from notifycenter.model.protocol import BATCH
from tests.hubprocess import HubProcess

BATCH_SIZE = 100  # the Emitter's default batch


def emit_many(emitter: Emitter, count: int) -> list[float]:
    latencies = []
    for n in range(count):
        start = time.perf_counter()
        emitter.emit(type="io.meshery.bench", severity="info", summary=f"event {n}", data={"n": n})
        latencies.append(time.perf_counter() - start)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(label: str, count: int, seconds: float, latencies: list[float] | None = None) -> None:
    line = f"{label:<34} {count:>7} events in {seconds:6.2f} s = {count / seconds:>8.0f} events/s"
    if latencies:
        line += (
            f"   emit() p50 {percentile(latencies, 0.5) * 1e6:.0f} µs,"
            f" p99 {percentile(latencies, 0.99) * 1e6:.0f} µs"
        )
    print(line)


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def post_directly(url: str, count: int) -> float:
    """Seconds for one plain client to post `count` prepared events in emitter-sized batches."""
    events = [
        build_event(type="io.meshery.bench", severity="info", summary=f"event {n}", source="urn:b")
        for n in range(count)
    ]
    bodies = [orjson.dumps(events[i : i + BATCH_SIZE]) for i in range(0, len(events), BATCH_SIZE)]
    with httpx.Client(timeout=60, headers={"Content-Type": BATCH}) as client:
        start = time.perf_counter()
        for body in bodies:
            client.post(f"{url}/api/events", content=body).raise_for_status()
        return time.perf_counter() - start


def live(root: Path, count: int) -> None:
    """The emitter and the peer, each into a fresh hub process, one after the other."""
    hub = HubProcess(root / "hub-peer")
    try:
        hub.start()
        peer = post_directly(hub.url, count)
    finally:
        hub.stop()
    hub = HubProcess(root / "hub-live")
    try:
        hub.start()
        with Emitter(
            hub.url, source="urn:bench:live", data_dir=root / "p1", max_buffer=count
        ) as emitter:
            start = time.perf_counter()
            latencies = emit_many(emitter, count)
            emitted = time.perf_counter() - start
            assert emitter.drain(600)
            delivered = time.perf_counter() - start
    finally:
        hub.stop()
    report("emit() to the caller", count, emitted, latencies)
    report("delivered through the emitter", count, delivered)
    report("peer: plain client, same batches", count, peer)
    print(f"delivered through the emitter / peer: {peer / delivered:.2f}x   ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    count = parser.parse_args().events
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["NOTIFYCENTER_CONFIG"] = str(root / "config.toml")
        live(root, count)
        hub = HubProcess(root / "hub")
        try:
            hub.start()  # for its address: the emitter then starts with the hub down
            hub.stop()
            with Emitter(
                hub.url,
                source="urn:bench:spool",
                data_dir=root / "p2",
                max_buffer=count,
                max_retry_interval=0.2,
            ) as emitter:
                start = time.perf_counter()
                latencies = emit_many(emitter, count)
                assert emitter.flush(600)
                report(
                    "hub down: emit + spool (fsync)", count, time.perf_counter() - start, latencies
                )
                hub.start()
                start = time.perf_counter()
                assert emitter.drain(600)
                report("hub back: replay the spool", count, time.perf_counter() - start)
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
