"""The log writer's own cost per event, in-process, without HTTP or contention.

    .venv/bin/python bench/hub_writer.py [--events 50000] [--group 8]

Validated batches of 100 events are committed in groups of `--group` requests (what
group commit does under 8 busy connections), with the hub's projections (the index and
the operations plug-in). Prints wall and CPU µs per event of the writer thread's work:
staging (cursor, JSON body), the inserts, the projections and the commit (fsync).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from hub_common import cpu_note, event

from notifycenter.hub.app import load_plugins
from notifycenter.hub.group_commit import append_job
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.event import validate_event


async def run(events: int, group: int) -> None:
    projections = [EventIndex(), *(module.projection() for module in load_plugins())]
    log = SqliteLog(Path(tempfile.mkdtemp(prefix="nc-bench-")) / "hub.sqlite3", projections)
    await log.open()
    batches = [
        [validate_event(event(f"{b}-{k}")) for k in range(100)] for b in range(events // 100)
    ]
    loop = asyncio.get_running_loop()
    wall, cpu = time.perf_counter(), time.thread_time()
    for start in range(0, len(batches), group):
        jobs = [
            append_job(batch, "bench", loop.create_future())
            for batch in batches[start : start + group]
        ]
        log._commit(jobs)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    count = len(batches) * 100
    print(
        f"writer: {count} events in groups of {group}x100: {wall / count * 1e6:.1f} µs/event wall, "
        f"{cpu / count * 1e6:.1f} µs/event CPU"
    )
    await log.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--group", type=int, default=8)
    args = parser.parse_args()
    print(cpu_note())
    asyncio.run(run(args.events, args.group))


if __name__ == "__main__":
    main()
