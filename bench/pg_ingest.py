"""Ingest throughput, SQLite against PostgreSQL with 1, 2 and 3 replicas, in one run.

    .venv/bin/python bench/pg_ingest.py [--events 20000] [--singles 3000]

Starts its own PostgreSQL (Debian's initdb + pg_ctl, fsync on, data on this disk) and
`notifycenter serve` processes. Batched: 100 events per request over 8 connections;
single-event POSTs over 32 connections; with replicas the requests are spread evenly
over them, sent at once. Every 202 means the events were committed durably. The hubs'
CPU per batched event (all replicas together) varies less with other work on the
machine than the rates do: compare it between two versions of the hub.

    .venv/bin/python bench/pg_ingest.py --only postgresql --replicas 1
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from hub_common import (
    ROOT,
    cpu_note,
    dumps,
    event,
    hub_process,
    load_note,
    post_request,
    send_all,
)

from notifycenter.model.protocol import BATCH, STRUCTURED

sys.path.insert(0, str(ROOT))
from tests.pgserver import PgServer, bin_dir  # after the path is set


def pg_binaries() -> Path:
    """Debian's PostgreSQL programs; the benchmark stops, saying so, without them."""
    binaries = bin_dir()
    if binaries is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    return binaries


@contextmanager
def postgres() -> Iterator[PgServer]:
    with tempfile.TemporaryDirectory(prefix="nc-bench-pg-", dir="/var/tmp") as root:
        server = PgServer(Path(root), pg_binaries())
        server.init()
        server.start()
        try:
            yield server
        finally:
            server.stop("fast")


BACKENDS = ("sqlite", "postgresql")


@contextmanager
def backend(name: str) -> Iterator[list[str]]:
    """The `notifycenter serve` arguments for a log on `name`: none for SQLite (a temp data
    dir), `--database URL` of a fresh database on a PostgreSQL server of its own."""
    if name == "sqlite":
        yield []
        return
    with postgres() as server:
        yield ["--database", server.create_database()]


async def spread(ports: list[int], requests: list[bytes], connections: int) -> float:
    """Send the requests split evenly over the replicas at once; the wall time."""
    parts = [requests[i :: len(ports)] for i in range(len(ports))]
    each = max(1, connections // len(ports))
    times = await asyncio.gather(
        *(send_all(port, part, each) for port, part in zip(ports, parts, strict=True))
    )
    return max(times)


def measure(label: str, extra: list[list[str]], events: int, singles: int) -> None:
    with ExitStack() as stack:
        hubs = [stack.enter_context(hub_process(*args)) for args in extra]
        ports = [hub.port for hub in hubs]
        load = load_note()
        batches = [
            post_request(ports[0], dumps([event(f"{label}-{b}-{k}") for k in range(100)]), BATCH)
            for b in range(events // 100)
        ]
        cpu = sum(hub.cpu_seconds() for hub in hubs)
        elapsed = asyncio.run(spread(ports, batches, 8))
        cpu = sum(hub.cpu_seconds() for hub in hubs) - cpu
        one = [
            post_request(ports[0], dumps(event(f"{label}-one-{n}")), STRUCTURED)
            for n in range(singles)
        ]
        single_elapsed = asyncio.run(spread(ports, one, 32))
    print(
        f"{label:<22} batched {events / elapsed:>8,.0f} events/s   "
        f"single POST {singles / single_elapsed:>6,.0f} requests/s   "
        f"hub CPU {cpu / events * 1e6:>4.0f} µs/event batched   ({load})",
        flush=True,
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--singles", type=int, default=3_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--replicas", type=int, nargs="*", default=[1, 2, 3])
    args = parser.parse_args()
    print(cpu_note())
    if args.only != "postgresql":
        measure("SQLite, 1 hub", [[]], args.events, args.singles)
    if args.only == "sqlite":
        return
    with postgres() as server:
        for replicas in args.replicas:
            url = server.create_database()
            measure(
                f"PostgreSQL, {replicas} replica{'s' if replicas > 1 else ''}",
                [["--database", url]] * replicas,
                args.events,
                args.singles,
            )


if __name__ == "__main__":
    main()
