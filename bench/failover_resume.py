"""How long a stream takes to resume on the next server when its server is killed.

Two `notifycenter serve` processes (A preferred, B second, separate data dirs); a
`HubClient([A, B]).subscribe(since="0")` receives A's event, then A gets SIGKILL. The
figure is the time from the kill to the first event streamed by B (after the cursor
reached on A), over several rounds, each with a fresh A.

    .venv/bin/python bench/failover_resume.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time

import httpx
from hub_common import cpu_note, dumps, event, hub_process, percentile

from notifycenter.client import HubClient
from notifycenter.client.stream import ConnectionState
from notifycenter.model.protocol import BATCH


def post(port: int, events: list[dict]) -> None:
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/events",
        content=dumps(events),
        headers={"Content-Type": BATCH},
        timeout=30,
    )
    response.raise_for_status()


async def one_round(
    a_port: int, a_pid: int, b_port: int, since: str | None = None
) -> tuple[float, float]:
    """Subscribe to [A, B], kill A once its event arrives: (kill -> live on B, kill ->
    first event from B), in seconds."""
    a, b = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
    killed_at, live_at = 0.0, 0.0

    def on_state(state: ConnectionState) -> None:
        nonlocal live_at
        if killed_at and not live_at and state.status == "live" and state.server == b:
            live_at = time.perf_counter()

    async with HubClient([a, b]) as client:
        subscription = client.subscribe(since=since, on_state=on_state)
        async with asyncio.timeout(30):
            async for _ in subscription:
                if subscription.state.server == a and not killed_at:
                    killed_at = time.perf_counter()
                    os.kill(a_pid, signal.SIGKILL)
                elif subscription.state.server == b and killed_at:
                    first = time.perf_counter() - killed_at
                    return (live_at - killed_at if live_at else first), first
    raise RuntimeError("the stream ended")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    times = []
    with hub_process() as second:
        post(second.port, [event(f"b{n}") for n in range(3)])
        for _ in range(rounds):
            with hub_process() as first:
                post(first.port, [event("a")])
                resumed = one_round(first.port, first.process.pid, second.port, since="0")
                times.append(asyncio.run(resumed)[1])  # the first event from B
                first.process.wait(10)
    ms = [t * 1000 for t in times]
    print(f"stream resume after kill -9 of its server, {rounds} rounds ({cpu_note()}):")
    print(
        f"  median {percentile(ms, 0.5):.0f} ms, p90 {percentile(ms, 0.9):.0f} ms,"
        f" max {max(ms):.0f} ms"
    )


if __name__ == "__main__":
    main()
