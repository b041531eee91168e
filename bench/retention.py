"""Retention on a log of 1,000,000 events: pruning time, ingest latency meanwhile, and a
check that the kept set is exactly what the rules say.

    .venv/bin/python bench/retention.py [--events 1000000]

1. Builds the log in a temp dir through the hub's write path (in-process, the hub's own
   projections): half the events 31-60 days old, half 0-29 days; 5 % errors and 5 %
   warnings, of which a third are resolved, a third acknowledged, a third left open;
   1 % audit; an operation every 1,000 events, every other one still running.
2. Starts `notifycenter serve --retain 30d` on it (a real process): its first round
   prunes. A producer posts single events all the while and times each answer.
3. Stops the hub and compares the events left with the rules, computed here in Python
   from what was written (an old event goes unless it is an unhandled error or warning
   or belongs to a running operation; a lifecycle event goes with its notification).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from hub_common import ROOT, Connection, free_port, post_request

from notifycenter.hub.app import load_plugins
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.settings import HubSettings
from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import Verb, format_time

BATCH = 5000
AFTER_SECONDS = 10.0
DAY = timedelta(days=1)
SOURCE = "urn:meshery:adapter:istio"


class Plan:
    """What is written, and what the rules keep of it."""

    def __init__(self, events: int, now: datetime) -> None:
        self.events, self.now = events, now
        self.kept: set[str] = set()
        self.pruned_events = 0

    def old(self, i: int) -> bool:
        return i < self.events // 2

    def time(self, i: int) -> str:
        half = self.events // 2
        if self.old(i):  # 60 .. 31 days ago
            return format_time(self.now - 60 * DAY + (29 * DAY) * (i / half))
        return format_time(self.now - 29 * DAY + (29 * DAY) * ((i - half) / half))

    def event(self, i: int) -> dict[str, object]:
        body: dict[str, object] = {
            "specversion": "1.0",
            "id": f"e{i}",
            "source": SOURCE,
            "type": "io.meshery.bench",
            "time": self.time(i),
            "severitytext": "INFO",
            "data": {"summary": f"event {i}"},
        }
        if i % 1000 in (3, 4):  # operation k: started at 3, ended at 4 when k is odd
            k = i // 1000
            if i % 1000 == 4 and k % 2 == 0:
                return body
            state = "started" if i % 1000 == 3 else "succeeded"
            body["type"] = f"io.meshery.operation.{state}"
            body["traceparent"] = f"00-{'1' * 32}-{k + 1:016x}-01"
            body["data"] = {"operation": {"id": f"{k + 1:016x}", "name": f"op {k}"}}
        elif i % 20 in (0, 1):
            body["severitytext"] = "ERROR" if i % 20 == 0 else "WARNING"
        elif i % 100 == 2:
            body["severitytext"], body["category"] = "DEBUG", "audit"
        return body

    def verb(self, i: int) -> Verb | None:
        """What happens to error or warning i: resolved, acked, or nothing."""
        if i % 20 not in (0, 1) or i % 1000 in (3, 4):
            return None
        return (Verb.RESOLVE, Verb.ACK, None)[(i // 20) % 3]

    def keeps(self, i: int) -> bool:
        if not self.old(i):
            return True
        if i % 1000 == 3 and (i // 1000) % 2 == 0:
            return True  # a running operation's event
        return i % 20 in (0, 1) and i % 1000 not in (3, 4) and self.verb(i) is None


async def build(directory: Path, plan: Plan) -> int:
    """Write the log; returns the lifecycle events written."""
    projections = [EventIndex(), *(module.projection() for module in load_plugins())]
    hub = Hub(HubSettings(data_dir=directory), projections)
    await hub.start()
    changes = 0
    try:
        for start in range(0, plan.events, BATCH):
            chunk = range(start, min(start + BATCH, plan.events))
            await hub.log.append([validate_event(plan.event(i)) for i in chunk], "bench")
            for i in chunk:
                if plan.keeps(i):
                    plan.kept.add(f"e{i}")
                else:
                    plan.pruned_events += 1
            for verb in (Verb.RESOLVE, Verb.ACK):
                refs = tuple(f"{SOURCE}#e{i}" for i in chunk if plan.verb(i) is verb)
                request = LifecycleRequest(verb=verb, actor="bench", refs=refs)
                outcome = await hub.log.write(
                    lambda txn, r=request: apply_request(txn, r, hub.settings.hub_source)
                )
                changes += outcome["changed"]
    finally:
        await hub.stop()
    return changes


def lifecycle_kept(path: Path, plan: Plan) -> set[str]:
    """Ids of the lifecycle events whose notification the rules keep."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT l.id, t.id FROM idx i JOIN log l ON l.seq = i.seq"
            " JOIN log t ON t.seq = i.target WHERE i.lifecycle = 1"
        ).fetchall()
    finally:
        conn.close()
    return {lc for lc, target in rows if target in plan.kept}


def metric(port: int, name: str) -> float | None:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def produce(port: int, stop: asyncio.Event, latencies: list[float], sent: list[str]) -> None:
    connection = await Connection.open("127.0.0.1", port)
    n = 0
    try:
        while not stop.is_set():
            event = {"specversion": "1.0", "id": f"live-{n}", "source": SOURCE, "type": "t.live"}
            body = orjson.dumps(event)
            started = time.perf_counter()
            status, _ = await connection.request(
                post_request(port, body, "application/cloudevents+json")
            )
            latencies.append(time.perf_counter() - started)
            if status == 202:
                sent.append(f"live-{n}")
            n += 1
            await asyncio.sleep(0.005)
    finally:
        connection.close()


async def prune(directory: Path, after: list[float]) -> tuple[float, float, list[float], list[str]]:
    port = free_port()
    env = {**os.environ, "NOTIFYCENTER_CONFIG": str(directory / "none.toml")}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "notifycenter", "serve", "--bind", f"127.0.0.1:{port}",
         "--data-dir", str(directory), "--retain", "30d"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    latencies: list[float] = []
    sent: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the hub did not start") from None
                await asyncio.sleep(0.05)
        stop = asyncio.Event()
        producer = asyncio.create_task(produce(port, stop, latencies, sent))
        deadline = time.monotonic() + 900
        while (metric(port, "notifycenter_retention_rounds_total") or 0) < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("no pruning round finished in 15 minutes")
            await asyncio.sleep(0.2)
        wall = time.perf_counter() - started
        during = len(latencies)
        await asyncio.sleep(AFTER_SECONDS)  # the same producer with no pruning: a baseline
        stop.set()
        await producer
        after.extend(latencies[during:])
        del latencies[during:]
        round_seconds = metric(port, "notifycenter_retention_last_round_seconds") or 0.0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    return round_seconds, wall, latencies, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="nc-bench-retention-"))
    plan = Plan(args.events, datetime.now(UTC))
    began = time.perf_counter()
    changes = asyncio.run(build(directory, plan))
    db = directory / "hub.sqlite3"
    print(f"built {args.events:,} events + {changes:,} lifecycle events in"
          f" {time.perf_counter() - began:.1f} s; {db.stat().st_size / 1e6:.0f} MB")  # fmt: skip
    expected = plan.kept | lifecycle_kept(db, plan)
    after: list[float] = []
    round_seconds, wall, latencies, sent = asyncio.run(prune(directory, after))
    conn = sqlite3.connect(db)
    left = {row[0] for row in conn.execute("SELECT id FROM log")}
    conn.close()
    expected |= set(sent)
    print(f"pruning round: {round_seconds:.1f} s for {plan.pruned_events:,} events"
          f" (hub start to round done {wall:.1f} s)")  # fmt: skip
    for label, sample in (("during the round", latencies), ("after it (baseline)", after)):
        if sample:
            ordered = sorted(sample)
            p99 = ordered[int(len(ordered) * 0.99) - 1] if len(ordered) > 100 else ordered[-1]
            print(f"single POSTs {label}: {len(ordered)}, p50"
                  f" {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms,"
                  f" max {ordered[-1] * 1000:.1f} ms")  # fmt: skip
    wal = directory / "hub.sqlite3-wal"
    print(
        f"database {db.stat().st_size / 1e6:.0f} MB, WAL {wal.stat().st_size / 1e6 if wal.exists() else 0:.1f} MB after the round"
    )
    missing, extra = expected - left, left - expected
    print(f"kept {len(left):,} events: {'exactly the rules' if not (missing or extra) else 'MISMATCH'}"
          f" (missing {len(missing)}, not pruned {len(extra)})")  # fmt: skip
    shutil.rmtree(directory, ignore_errors=True)
    if missing or extra:
        print("  e.g. missing", sorted(missing)[:5], "not pruned", sorted(extra)[:5])
        sys.exit(1)


if __name__ == "__main__":
    main()
