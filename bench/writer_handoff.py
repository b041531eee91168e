"""The hand-off to the log writer alone: a write's loop and thread CPU with a no-op commit.

    .venv/bin/python bench/writer_handoff.py [--writes 16000] [--rounds 5]

`--clients` writes at a time go through `SqliteLog.write` (future, queue, the writer
task, one executor round trip per group) while `_commit` answers at once, on uvloop as
the hub runs; beside it, a write that returns without suspending (what any hand-off
costs at least: the tasks themselves). CPU per write, the event loop's thread and the
others (the writer's thread), medians of `--rounds`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from hub_common import cpu_note

from notifycenter.hub.sqlite_log import SqliteLog


def no_commit(jobs: list[Any]) -> tuple[list[tuple[bool, Any]], list[Any]]:
    return [(True, None)] * len(jobs), []


async def cost(writes: int, clients: int, real: bool) -> tuple[float, float]:
    """(loop thread, other threads) CPU µs per write."""
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as directory:
        log = SqliteLog(Path(directory) / "hub.sqlite3", [])
        await log.open()
        log._commit = no_commit  # type: ignore[method-assign]

        async def instant(job: Any) -> None:
            return None

        write = log.write if real else instant

        async def rounds(count: int) -> None:
            for _ in range(count // clients):
                await asyncio.gather(*(write(lambda txn: None) for _ in range(clients)))

        await rounds(1600)  # warm-up
        main, process = time.thread_time(), time.process_time()
        await rounds(writes)
        main, process = time.thread_time() - main, time.process_time() - process
        await log.close()
    return main / writes * 1e6, (process - main) / writes * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=16000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(cpu_note())
    for real in (False, True):
        runs = [uvloop.run(cost(args.writes, args.clients, real)) for _ in range(args.rounds)]
        loop = statistics.median(r[0] for r in runs)
        other = statistics.median(r[1] for r in runs)
        name = "log.write, no-op commit" if real else "a write that never suspends"
        print(f"{name}: loop thread {loop:.1f} µs/write, other threads {other:.1f}")


if __name__ == "__main__":
    main()
