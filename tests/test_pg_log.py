"""The hub on a real PostgreSQL: one database, several hubs (replicas), one order.

Every test gets a fresh database (tests/pgserver.py); hubs A and B on it are replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import websockets
from websockets.typing import Subprotocol

from tests import httpclient as http
from tests.hubprocess import Hub, HubProcess, make_event, post_batch
from tests.pgserver import PgServer
from tests.waiting import async_wait_until, wait_until

SUB = [Subprotocol("cloudevents.json")]
HubFactory = Callable[..., Hub]


def stored(database: str) -> list[tuple[int, str]]:
    """(seq, id) of every event in the database's log, in seq order."""
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT seq, id FROM log ORDER BY seq").fetchall()


async def receive(
    ws: websockets.ClientConnection, count: int, timeout: float
) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(ws.recv(), timeout)) for _ in range(count)]


def test_a_duplicate_posted_on_another_replica_is_stored_once(
    hub_factory: HubFactory, pg_database: str
) -> None:
    a = hub_factory(database=pg_database)
    b = hub_factory(database=pg_database)
    first = post_batch(a.url, [make_event(1), make_event(2)]).json()
    again = post_batch(b.url, [make_event(2), make_event(3), make_event(3)]).json()
    assert first == {"accepted": 2, "duplicates": 0, "cursors": [f"{n:016d}" for n in (1, 2)]}
    assert again["accepted"] == 1
    assert again["duplicates"] == 2
    assert again["cursors"] == [f"{n:016d}" for n in (2, 3, 3)]
    assert stored(pg_database) == [(1, "evt-1"), (2, "evt-2"), (3, "evt-3")]
    listed = http.get(a.url + "/api/events", params={"limit": 10}).json()["items"]
    assert sorted(item["event"]["id"] for item in listed) == ["evt-1", "evt-2", "evt-3"]


def test_answered_events_survive_kill_9_of_the_hub(
    hub_factory: HubFactory, pg_database: str
) -> None:
    hub = hub_factory(database=pg_database, process=True)
    assert isinstance(hub, HubProcess)
    answered = []
    for batch in range(20):
        events = [make_event(f"{batch}-{k}") for k in range(10)]
        assert post_batch(hub.url, events).status_code == 202
        answered += [e["id"] for e in events]
    hub.kill()
    assert [ident for _, ident in stored(pg_database)] == answered
    again = hub_factory(database=pg_database)
    response = post_batch(again.url, [make_event("after")]).json()
    assert response["cursors"] == [f"{len(answered) + 1:016d}"]


async def test_an_event_posted_on_one_replica_is_in_the_other_replicas_stream_within_a_second(
    hub_factory: HubFactory, pg_database: str
) -> None:
    a = hub_factory(database=pg_database)
    b = hub_factory(database=pg_database)
    async with websockets.connect(f"{b.ws_url}/api/stream", subprotocols=SUB) as ws:
        await asyncio.to_thread(post_batch, a.url, [make_event("from-a")])
        (event,) = await receive(ws, 1, timeout=1.0)
    assert event["id"] == "evt-from-a"
    assert event["cursor"] == f"{1:016d}"


async def test_a_client_resumes_on_another_replica_from_its_cursor_while_both_are_written(
    hub_factory: HubFactory, pg_database: str
) -> None:
    a = hub_factory(database=pg_database)
    b = hub_factory(database=pg_database)
    stop = threading.Event()

    def write(hub: Hub, name: str) -> None:
        n = 0
        while not stop.is_set() and n < 400:  # bounded
            assert (
                post_batch(hub.url, [make_event(f"{name}-{n}-{k}") for k in range(5)]).status_code
                == 202
            )
            n += 1

    writers = [
        threading.Thread(target=write, args=(hub, name), daemon=True)
        for hub, name in ((a, "a"), (b, "b"))
    ]
    for writer in writers:
        writer.start()
    try:
        async with websockets.connect(f"{a.ws_url}/api/stream?since=0", subprotocols=SUB) as ws:
            first = await receive(ws, 100, timeout=10)
        cursor = first[-1]["cursor"]
        async with websockets.connect(
            f"{b.ws_url}/api/stream?since={cursor}", subprotocols=SUB
        ) as ws:
            second = await receive(ws, 300, timeout=10)
    finally:
        stop.set()
        for writer in writers:
            await asyncio.to_thread(writer.join, 30)
    seen = [int(e["cursor"]) for e in first + second]
    assert seen == list(range(1, 401))
    log = dict(await asyncio.to_thread(stored, pg_database))
    assert [e["id"] for e in first + second] == [log[seq] for seq in seen]
    assert {e["id"].split("-")[1] for e in second} == {"a", "b"}


def test_concurrent_writers_on_two_replicas_give_one_gap_free_sequence(
    hub_factory: HubFactory, pg_database: str
) -> None:
    a = hub_factory(database=pg_database)
    b = hub_factory(database=pg_database)
    answers: dict[str, str] = {}
    lock = threading.Lock()

    def write(hub: Hub, name: str) -> None:
        with http.sync_client(base_url=hub.url, timeout=30) as client:
            for n in range(40):
                events = [make_event(f"{name}-{n}-{k}") for k in range(3)]
                # The same event on both replicas at once: stored once, one cursor for both.
                events.append(make_event(f"shared-{n}"))
                response = client.post(
                    "/api/events", json=events,
                    headers={"content-type": "application/cloudevents-batch+json"},
                )  # fmt: skip
                assert response.status_code == 202, response.text
                with lock:
                    for event, cursor in zip(events, response.json()["cursors"], strict=True):
                        assert answers.setdefault(event["id"], cursor) == cursor

    threads = [
        threading.Thread(target=write, args=(hub, f"{name}{i}"))
        for hub, name in ((a, "a"), (b, "b"))
        for i in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    log = stored(pg_database)
    assert [seq for seq, _ in log] == list(range(1, len(log) + 1))
    assert len(log) == len(answers) == 6 * 40 * 3 + 40
    assert {ident: f"{seq:016d}" for seq, ident in log} == answers


async def test_both_replicas_stream_every_event_in_log_order(
    hub_factory: HubFactory, pg_database: str
) -> None:
    a = hub_factory(database=pg_database)
    b = hub_factory(database=pg_database)
    total = 2 * 30 * 4
    received_a: list[dict[str, Any]] = []
    received_b: list[dict[str, Any]] = []
    async with (
        websockets.connect(f"{a.ws_url}/api/stream", subprotocols=SUB) as on_a,
        websockets.connect(f"{b.ws_url}/api/stream", subprotocols=SUB) as on_b,
    ):

        def write(hub: Hub, name: str) -> None:
            for n in range(30):
                post_batch(hub.url, [make_event(f"{name}-{n}-{k}") for k in range(4)])

        await asyncio.gather(
            asyncio.to_thread(write, a, "a"),
            asyncio.to_thread(write, b, "b"),
            receive_into(on_a, total, received_a),
            receive_into(on_b, total, received_b),
        )
    expected = [f"{n:016d}" for n in range(1, total + 1)]
    assert [e["cursor"] for e in received_a] == expected
    assert [e["cursor"] for e in received_b] == expected


async def receive_into(ws: websockets.ClientConnection, count: int, into: list[Any]) -> None:
    into.extend(await receive(ws, count, timeout=10))


def test_a_postgresql_restart_loses_nothing_answered_and_the_hub_recovers(
    hub_factory: HubFactory, pg_database: str, pg_server: PgServer
) -> None:
    hub = hub_factory(database=pg_database)
    answered: list[str] = []
    refusals: list[dict[str, Any]] = []
    stop = threading.Event()

    def write() -> None:
        with http.sync_client(base_url=hub.url, timeout=30) as client:
            for n in range(2000):  # bounded; stopped well before
                if stop.is_set():
                    return
                event = make_event(f"r-{n}")
                response = client.post(
                    "/api/events", json=[event],
                    headers={"content-type": "application/cloudevents-batch+json"},
                )  # fmt: skip
                if response.status_code == 202:
                    answered.append(event["id"])
                else:
                    refusals.append({"status": response.status_code, **response.json()})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_until(lambda: len(answered) >= 20, timeout=10, what="ingest before the restart")
        pg_server.restart()
        mark = len(answered)
        wait_until(lambda: len(answered) >= mark + 20, timeout=10, what="ingest after it")
    finally:
        stop.set()
        writer.join(30)
    kept = {ident for _, ident in stored(pg_database)}
    assert set(answered) <= kept
    assert all(r["status"] == 503 and r["code"] == "notifycenter-2121" for r in refusals), refusals
    assert wait_until(
        lambda: http.get(hub.url + "/healthz").status_code == 200, timeout=5, what="healthy"
    )


async def test_a_replica_catches_up_on_events_written_while_its_listener_was_away(
    hub_factory: HubFactory, pg_database: str, pg_server: PgServer
) -> None:
    a = hub_factory(database=pg_database)
    async with websockets.connect(f"{a.ws_url}/api/stream", subprotocols=SUB) as ws:
        # Another writer (here the database itself) commits without a notification.
        await asyncio.to_thread(pg_server.restart)
        with psycopg.connect(pg_database) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (0x6E6F7469,))
            body = json.dumps({**make_event("silent"), "cursor": f"{1:016d}"}).encode()
            conn.execute(
                "INSERT INTO log (seq, source, id, body) VALUES (1, %s, %s, %s)",
                ("urn:meshery:adapter:istio", "evt-silent", body),
            )
            conn.execute("UPDATE log_head SET seq = 1")
        (event,) = await receive(ws, 1, timeout=5)
    assert event["id"] == "evt-silent"
    await async_wait_until(
        lambda: http.get(a.url + "/healthz").json().get("last_cursor") == f"{1:016d}",
        timeout=5,
        what="the replica's head",
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("mysql://root@localhost/db", "notifycenter-2120"),
        ("postgresql://user:hunter2@127.0.0.1:1/db", "notifycenter-2121"),
    ],
)
def test_serve_on_a_bad_database_fails_with_its_code_and_never_prints_the_password(
    url: str, code: str
) -> None:
    from tests.clirun import notifycenter

    result = notifycenter("serve", "--bind", "127.0.0.1:0", "--database", url)
    assert result.returncode != 0
    assert code in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_the_first_requests_after_a_postgresql_restart_are_answered(
    hub_factory: HubFactory, pg_database: str, pg_server: PgServer
) -> None:
    hub = hub_factory(database=pg_database)
    assert post_batch(hub.url, [make_event("before")]).status_code == 202
    assert http.get(hub.url + "/api/events").status_code == 200
    pg_server.restart()  # the hub's kept connections are all dead now
    assert post_batch(hub.url, [make_event("after")]).status_code == 202
    listed = http.get(hub.url + "/api/events")
    assert listed.status_code == 200, listed.text
    assert [item["event"]["id"] for item in listed.json()["items"]] == ["evt-after", "evt-before"]


def test_a_hub_refuses_a_database_written_by_a_newer_hub(
    hub_factory: HubFactory, pg_database: str
) -> None:
    hub = hub_factory(database=pg_database)
    assert post_batch(hub.url, [make_event(1)]).status_code == 202
    with psycopg.connect(pg_database) as conn:
        versions = "SELECT version FROM schema_version WHERE component = 'log'"
        assert conn.execute(versions).fetchall() == [(1,)]
        conn.execute("UPDATE schema_version SET version = 99 WHERE component = 'log'")
    with pytest.raises(RuntimeError) as failed:
        hub_factory(database=pg_database, process=True)
    assert "notifycenter-2124" in str(failed.value)
    assert stored(pg_database) == [(1, "evt-1")]


async def test_a_retention_round_prunes_the_postgresql_log(
    pg_database: str, tmp_path: Path
) -> None:
    from notifycenter.hub.database import parse_database
    from notifycenter.hub.hubstate import Hub as HubState
    from notifycenter.hub.projection import EventIndex
    from notifycenter.hub.retention import Pruner, RetentionProjection
    from notifycenter.hub.retention_rules import Retention
    from notifycenter.hub.settings import HubSettings

    settings = HubSettings(data_dir=tmp_path, database=parse_database(pg_database))
    hub = HubState(settings, [EventIndex(), RetentionProjection()])
    await hub.start()
    try:
        infos = [
            {**make_event(n), "severitytext": "INFO", "severitynumber": 9} for n in range(1100)
        ]
        for event in infos:
            event["time"] = "2026-01-01T00:00:00Z"
        await hub.log.append(infos, "producer")
        result = await Pruner(hub, Retention(max_events=1000), 60).prune_round()
    finally:
        await hub.stop()
    assert result.events == 100
    assert [ident for _, ident in await asyncio.to_thread(stored, pg_database)] == [
        f"evt-{n}" for n in range(100, 1100)
    ]


async def test_a_subscriber_fails_over_from_a_killed_replica_with_no_gap_and_no_duplicate(
    hub_factory: HubFactory, pg_database: str
) -> None:
    from notifycenter.client import HubClient

    a = hub_factory(database=pg_database, process=True)
    b = hub_factory(database=pg_database)
    assert isinstance(a, HubProcess)
    stop = threading.Event()

    def write() -> None:
        for n in range(300):  # bounded; stopped well before
            if stop.is_set():
                return
            target = a if n % 2 and a.process is not None else b
            with contextlib.suppress(httpx.HTTPError):
                post_batch(target.url, [make_event(f"w-{n}-{k}") for k in range(3)])

    # The writer starts once the subscriber is live: a replay of everything written so far
    # could come in one batch frame from A, leaving nothing to fail over for.
    post_batch(b.url, [make_event("first")])
    writer = threading.Thread(target=write)
    cursors: list[int] = []
    servers: set[str] = set()
    try:
        async with HubClient([a.url, b.url]) as client:
            subscription = client.subscribe(since="0")
            async with asyncio.timeout(20):
                async for event in subscription:
                    cursors.append(int(event["cursor"]))
                    servers.add(subscription.state.server)
                    if len(cursors) == 1:
                        writer.start()
                    if len(cursors) == 30:
                        await asyncio.to_thread(a.kill)
                    if len(cursors) >= 150 and len(servers) == 2:
                        break
    finally:
        stop.set()
        if writer.ident is not None:
            await asyncio.to_thread(writer.join, 30)
    assert cursors == list(range(1, len(cursors) + 1))
    assert servers == {a.url, b.url}
