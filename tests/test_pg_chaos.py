"""Replicas under chaos: three hub processes on one PostgreSQL database, four producers and
twelve subscribers that know all three, while replicas are killed (-9) and restarted six
times and PostgreSQL restarts once, all under load.

What must hold afterwards: every event a producer was answered for is in the log, once;
every subscriber saw one gap-free, duplicate-free sequence across its fail-overs; every
acknowledgement answered during the chaos shows, identically, on every replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from functools import partial
from typing import Any

import psycopg
import pytest

from notifycenter.client import HubClient
from notifycenter.model.errors import NotifyError
from tests.conftest import HubFactory
from tests.hubprocess import HubProcess, make_event
from tests.pgserver import PgServer
from tests.waiting import async_wait_until

REPLICAS = 3
PRODUCERS = 4
SUBSCRIBERS = 12
KILLS = 6  # each kill restarts a hub process: ~1 s of CPU
BATCH = 4
PACE = 0.12  # seconds between a producer's batches: ~130 events/s in all
# Each chaos step waits for this many more answered events: the kills happen under load.
PROGRESS = 20
SOURCE = "urn:meshery:adapter:chaos"


def rotated(urls: list[str], first: int) -> list[str]:
    """The servers, preferring the `first`-th: clients spread over the replicas."""
    first %= len(urls)
    return urls[first:] + urls[:first]


class Load:
    """What the producers and the acker were answered, and when to stop."""

    def __init__(self) -> None:
        self.answered: set[str] = set()  # ids whose POST was answered 202
        self.acked: set[str] = set()  # ids whose ack was answered 200
        self.refused = 0  # requests no server took (they are retried or given up)
        self.stop = asyncio.Event()
        self.ids = itertools.count()


async def produce(servers: list[str], load: Load) -> None:
    """Post batches until told to stop; a batch no server took is sent again, same ids."""
    async with HubClient(servers, timeout=5) as client:
        for _ in range(10_000):  # bounded; stopped long before
            if load.stop.is_set():
                return
            batch = [
                make_event(f"c-{next(load.ids)}", source=SOURCE, severitytext="ERROR")
                for _ in range(BATCH)
            ]
            for _attempt in range(50):  # bounded: a replica restarts in about a second
                try:
                    await client.emit_batch(batch)
                except NotifyError:
                    load.refused += 1
                    await asyncio.sleep(0.2)
                    continue
                load.answered.update(event["id"] for event in batch)
                break
            await asyncio.sleep(PACE)


async def acknowledge(servers: list[str], load: Load, seed: int) -> None:
    """Acknowledge some answered events, one by one, on whichever replica answers."""
    chooser = random.Random(seed)
    async with HubClient(servers, timeout=5) as client:
        for _ in range(10_000):  # bounded; stopped long before
            if load.stop.is_set():
                return
            candidates = sorted(load.answered - load.acked)
            if candidates:
                ident = chooser.choice(candidates)
                with contextlib.suppress(NotifyError):  # not answered: not counted
                    await client.lifecycle("ack", refs=[f"{SOURCE}#{ident}"], comment="chaos")
                    load.acked.add(ident)
            await asyncio.sleep(0.05)


async def subscribe(servers: list[str], seen: list[int], used: set[str]) -> None:
    """Every entry of the log from the start, resuming on another replica when one dies;
    notes each replica it streamed from; runs until cancelled."""
    async with HubClient(servers, timeout=5) as client:
        subscription = client.subscribe(since="0")
        async for entry in subscription:
            seen.append(int(entry["cursor"]))
            used.add(str(subscription.state.server))


def stored_counts(database: str) -> tuple[int, dict[str, int]]:
    """The log's head and how often each chaos id is stored."""
    with psycopg.connect(database) as conn:
        head = conn.execute("SELECT seq FROM log_head").fetchone()
        rows = conn.execute(
            "SELECT id, count(*) FROM log WHERE source = %s GROUP BY id", (SOURCE,)
        ).fetchall()
    return (int(head[0]) if head else 0), {ident: count for ident, count in rows}


def more_than(answered: set[str], wanted: int) -> bool:
    return len(answered) >= wanted


async def chaos(replicas: list[HubProcess], pg_server: PgServer, load: Load) -> list[str]:
    """Kill a running replica at random and start it again, KILLS times, PostgreSQL
    restarting once halfway. Each step first waits for more events answered, so it strikes
    under load; a replica restarts while the next steps go on, with one always running."""
    chooser = random.Random(14)
    steps: list[str] = []
    restarting: dict[int, asyncio.Task[HubProcess]] = {}
    for step in range(KILLS):
        wanted = len(load.answered) + PROGRESS
        await async_wait_until(
            partial(more_than, load.answered, wanted),
            timeout=20,
            what=f"{PROGRESS} more events answered before chaos step {step}",
        )
        for n in [n for n, task in restarting.items() if task.done()]:
            await restarting.pop(n)  # raises when the replica did not come back
        if len(restarting) == len(replicas) - 1:
            await restarting.pop(next(iter(restarting)))
        victim = chooser.choice([n for n in range(len(replicas)) if n not in restarting])
        await asyncio.to_thread(replicas[victim].kill)
        steps.append(f"kill -9 {replicas[victim].url}")
        if step == KILLS // 2:
            for n in list(restarting):  # a hub starting while the database is down exits
                await restarting.pop(n)
            await asyncio.to_thread(pg_server.restart)
            steps.append("PostgreSQL restarted")
        restarting[victim] = asyncio.create_task(asyncio.to_thread(replicas[victim].start))
    for n in list(restarting):
        await restarting.pop(n)
    return steps


async def acknowledged_on(server: str) -> list[tuple[Any, ...]]:
    """What a replica lists as acknowledged for the chaos source, and by whom."""
    async with HubClient(server, timeout=10) as client:
        page = await client.list(source=SOURCE, status="acknowledged", limit=1000)
    assert page.next is None, "more acknowledged events than one page"
    return sorted(
        (r["event"]["id"], r["read"], r["acknowledged_by"], r["acknowledged_at"], r["comment"])
        for r in page.items
    )


async def summary_of(server: str) -> Any:
    async with HubClient(server, timeout=10) as client:
        return await client.summary()


@pytest.mark.timeout(120)
async def test_replicas_under_kill_9_and_a_database_restart_lose_nothing_and_agree(
    hub_factory: HubFactory, pg_server: PgServer, pg_database: str
) -> None:
    replicas = [hub_factory(database=pg_database, process=True) for _ in range(REPLICAS)]
    assert all(isinstance(r, HubProcess) for r in replicas)
    processes = [r for r in replicas if isinstance(r, HubProcess)]
    urls = [r.url for r in processes]
    load = Load()
    seen: list[list[int]] = [[] for _ in range(SUBSCRIBERS)]
    used: list[set[str]] = [set() for _ in range(SUBSCRIBERS)]
    subscribers = [
        asyncio.create_task(subscribe(rotated(urls, n), seen[n], used[n]))
        for n in range(SUBSCRIBERS)
    ]
    workers = [asyncio.create_task(produce(rotated(urls, n), load)) for n in range(PRODUCERS)] + [
        asyncio.create_task(acknowledge(rotated(urls, 1), load, seed=7))
    ]
    try:
        steps = await chaos(processes, pg_server, load)
        load.stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), 30)
        head, counts = await asyncio.to_thread(stored_counts, pg_database)
        await async_wait_until(
            lambda: all(cursors and cursors[-1] >= head for cursors in seen),
            timeout=30,
            what="every subscriber at the log's head",
        )
    finally:
        for task in [*workers, *subscribers]:
            task.cancel()
        await asyncio.gather(*workers, *subscribers, return_exceptions=True)

    assert len(steps) == KILLS + 1
    assert load.answered and load.acked
    lost = load.answered - counts.keys()
    assert not lost, f"{len(lost)} answered events are not in the log: {sorted(lost)[:5]}"
    assert all(count == 1 for count in counts.values()), "an event is stored twice"
    for n, cursors in enumerate(seen):
        assert cursors == list(range(1, head + 1)), f"subscriber {n}: a gap or a duplicate"
    moved = sum(len(servers) > 1 for servers in used)
    assert moved >= SUBSCRIBERS // 3, f"only {moved} subscribers failed over"
    states = [await acknowledged_on(url) for url in urls]
    assert states[0] == states[1] == states[2]
    assert load.acked <= {row[0] for row in states[0]}
    summaries = [await summary_of(url) for url in urls]
    assert summaries[0] == summaries[1] == summaries[2]
