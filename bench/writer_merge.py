"""The log writer's CPU per event when the appends of a commit group share one insert,
beside the same appends run one by one (each in its own savepoint), on the same code.

    .venv/bin/python bench/writer_merge.py [--events 2000] [--rounds 5] [--batch 1]

`_commit` of a `SqliteLog` with the hub's projections is fed groups of 8 appends of
`--batch` events each (groups of 4 when `--batch` is over 1, as 4 clients posting
batches), alternating: plain jobs (run alone) and `append_job`s (merged). CPU is the
writer thread's own, synchronous=FULL and OFF (the difference is the fsync's CPU).
Medians of `--rounds`, each round alternating the two.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from hub_common import cpu_note, event

from notifycenter.hub.app import load_plugins
from notifycenter.hub.group_commit import Job, append_job
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.summary_counts import SummaryCounts
from notifycenter.model.event import validate_event


def writer_cost(events: int, batch: int, merged: bool, synchronous: str) -> float:
    """Writer CPU µs per event."""
    group = 8 if batch == 1 else 4

    async def run() -> float:
        projections = [EventIndex(), SummaryCounts(), *(m.projection() for m in load_plugins())]
        with tempfile.TemporaryDirectory(prefix="nc-bench-") as directory:
            log = SqliteLog(Path(directory) / "hub.sqlite3", projections)
            await log.open()
            assert log._conn is not None
            log._conn.execute(f"PRAGMA synchronous={synchronous}")
            valid = [validate_event(event(f"w{n}")) for n in range(events)]
            batches = [valid[s : s + batch] for s in range(0, events, batch)]
            loop = asyncio.get_running_loop()

            def job(part: list[dict[str, Any]]) -> Job[Any]:
                if merged:
                    return append_job(part, "bench", loop.create_future())
                return Job(lambda txn: txn.insert(part, "bench"), loop.create_future())

            cpu = time.thread_time()
            for start in range(0, len(batches), group):
                log._commit([job(part) for part in batches[start : start + group]])
            cpu = time.thread_time() - cpu
            await log.close()
        return cpu / events * 1e6

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    print(cpu_note())
    for synchronous in ("FULL", "OFF"):
        alone: list[float] = []
        merged: list[float] = []
        for _ in range(args.rounds):
            alone.append(writer_cost(args.events, args.batch, False, synchronous))
            merged.append(writer_cost(args.events, args.batch, True, synchronous))
        a, m = statistics.median(alone), statistics.median(merged)
        print(
            f"synchronous={synchronous}, {args.batch} event(s) per append: one by one "
            f"{a:.0f} µs/event, merged {m:.0f} µs/event, merged/one by one {m / a:.2f}"
        )


if __name__ == "__main__":
    main()
