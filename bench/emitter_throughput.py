"""How fast producers are: the cost of `Emitter.emit` to the caller, events per second
into a real hub, and spooling and replay when the hub is down.

    .venv/bin/python bench/emitter_throughput.py [--events 20000]

Prints what it measured; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notifycenter.client import Emitter
from tests.hubprocess import HubProcess


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    count = parser.parse_args().events
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["NOTIFYCENTER_CONFIG"] = str(root / "config.toml")
        hub = HubProcess(root / "hub")
        try:
            hub.start()
            with Emitter(
                hub.url, source="urn:bench:live", data_dir=root / "p1", max_buffer=count
            ) as emitter:
                start = time.perf_counter()
                latencies = emit_many(emitter, count)
                assert emitter.drain(600)
                report("hub up: emit + deliver", count, time.perf_counter() - start, latencies)
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
