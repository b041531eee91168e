"""Where a single POST's CPU goes on the hub's side, without sockets: a breakdown.

    .venv/bin/python bench/ingest_request_cost.py [--requests 3000] [--clients 8] [--rounds 3]

The hub's ASGI application is called in-process (no uvicorn, no sockets), `--clients`
requests at a time, as single structured events; CPU is read per thread. Three rows:

- "app code": the writer is replaced by an immediate answer, so the figure is the
  request's own work on the event loop (middleware, routing, auth, body, decoding,
  validation, the answer);
- "app + writer": the real log (WAL, synchronous=FULL); the main thread's extra CPU
  over "app code" is the hand-off to the writer's thread and back, the rest of the
  process's CPU is the writer (inserts, projections, commit and fsync);
- "writer alone, 1 event per job": the log's `_commit` fed groups of one-event jobs
  directly, with synchronous=FULL and OFF (the difference is the fsync's own CPU).

Over real sockets add what `bench/ingest_vs_alertmanager.py` reports for its floor (a
bare Starlette app on the same uvicorn settings). Medians of `--rounds`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub_common import cpu_note, dumps, event

from notifycenter.hub.app import create_app, load_plugins
from notifycenter.hub.group_commit import Job, append_job
from notifycenter.hub.log import AppendResult
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.summary_counts import SummaryCounts
from notifycenter.model.event import validate_event


async def _post(app: Any, body: bytes) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/events",
        "raw_path": b"/api/events",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/cloudevents+json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 202:
        raise RuntimeError(f"answer {sent[0]['status']}: {sent[1].get('body', b'')[:200]!r}")


async def app_cost(requests: int, clients: int, stub_writer: bool) -> tuple[float, float]:
    """(process, main thread) CPU µs per request."""
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as directory:
        return await _app_cost(Path(directory), requests, clients, stub_writer)


async def _app_cost(
    directory: Path, requests: int, clients: int, stub_writer: bool
) -> tuple[float, float]:
    app = create_app(HubSettings(data_dir=directory))
    hub = app.state.hub
    async with app.router.lifespan_context(app):
        if stub_writer:

            async def append(events: list[dict[str, Any]], actor: str | None = None) -> Any:
                return AppendResult(cursors=["1"] * len(events), duplicates=0)

            hub.log.append = append
        bodies = [dumps(event(f"r{n}")) for n in range(requests + 400)]

        async def run(part: list[bytes]) -> None:
            for start in range(0, len(part), clients):
                await asyncio.gather(*(_post(app, b) for b in part[start : start + clients]))

        await run(bodies[:400])  # warm-up
        cpu, main = time.process_time(), time.thread_time()
        await run(bodies[400:])
        return (
            (time.process_time() - cpu) / requests * 1e6,
            (time.thread_time() - main) / requests * 1e6,
        )


def writer_cost(events: int, synchronous: str) -> float:
    """Writer CPU µs per one-event job, in groups of 8 jobs per commit."""

    async def run() -> float:
        projections = [EventIndex(), SummaryCounts(), *(m.projection() for m in load_plugins())]
        directory = tempfile.TemporaryDirectory(prefix="nc-bench-")
        log = SqliteLog(Path(directory.name) / "hub.sqlite3", projections)
        await log.open()
        assert log._conn is not None
        log._conn.execute(f"PRAGMA synchronous={synchronous}")
        validated = [validate_event(event(f"w{n}")) for n in range(events)]
        loop = asyncio.get_running_loop()

        def job(one: dict[str, Any]) -> Job[Any]:  # as `append` queues it (merged in a group)
            return append_job([one], "bench", loop.create_future())

        cpu = time.thread_time()
        for start in range(0, events, 8):
            log._commit([job(one) for one in validated[start : start + 8]])
        cpu = time.thread_time() - cpu
        await log.close()
        directory.cleanup()
        return cpu / events * 1e6

    return asyncio.run(run())


def median_of(rounds: int, measure: Callable[[], Any]) -> Any:
    results = [measure() for _ in range(rounds)]
    if isinstance(results[0], tuple):
        return tuple(statistics.median(column) for column in zip(*results, strict=True))
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(cpu_note())
    try:
        import uvloop

        uvloop.install()  # as the hub runs
    except ImportError:
        pass

    def measure(stub: bool) -> Callable[[], tuple[float, float]]:
        return lambda: asyncio.run(app_cost(args.requests, args.clients, stub))

    app_only = median_of(args.rounds, measure(True))
    full = median_of(args.rounds, measure(False))
    print(f"app code (writer stubbed), {args.clients} at a time: {app_only[1]:.0f} µs/request")
    print(
        f"app + writer: {full[0]:.0f} µs/request in all; main thread {full[1]:.0f} "
        f"(hand-off {full[1] - app_only[1]:.0f}), writer {full[0] - full[1]:.0f}"
    )
    durable = median_of(args.rounds, lambda: writer_cost(2000, "FULL"))
    fast = median_of(args.rounds, lambda: writer_cost(2000, "OFF"))
    print(
        f"writer alone, 1 event per job, 8 jobs per commit: {durable:.0f} µs/event "
        f"(synchronous=OFF: {fast:.0f}; the fsync's own CPU {durable - fast:.0f})"
    )


if __name__ == "__main__":
    main()
