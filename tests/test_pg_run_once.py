"""Background work runs once across hub replicas on one PostgreSQL database, and moves.

Replicas here use short leases (term 1.5 s, renewed every 0.3 s), so that work moves in
about two seconds when its holder dies.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import psycopg
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notifycenter.hub.database import Database
from notifycenter.hub.leases import Answer, Leases
from notifycenter.sources import runner
from notifycenter.sources.runner import SourceState
from tests import httpclient, test_subscriptions_delivery
from tests.hubprocess import Hub, HubProcess
from tests.test_subscriptions_delivery import post, subscribe
from tests.waiting import async_wait_until, wait_until
from tests.webhook_receiver import Receiver

HubFactory = Callable[..., Hub]
TERM, RENEW = 1.5, 0.3


@pytest.fixture(autouse=True)
def short_leases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFYCENTER_LEASE_SECONDS", str(TERM))
    monkeypatch.setenv("NOTIFYCENTER_LEASE_RENEW_SECONDS", str(RENEW))


receiver = test_subscriptions_delivery.receiver  # the fixture: a webhook sink


def running_workers(url: str) -> set[str]:
    """The subscriptions whose worker runs on this replica (from its /metrics)."""
    text = httpclient.get(f"{url}/metrics", timeout=10).text
    return set(
        re.findall(r'^notifycenter_subscription_lag_entries\{subscription="([^"]+)"\}', text, re.M)
    )


def metric(url: str, name: str) -> float:
    text = httpclient.get(f"{url}/metrics", timeout=10).text
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found[1]) if found else 0.0


def holder(database: str, lease: str) -> str | None:
    with psycopg.connect(database) as conn:
        if conn.execute("SELECT to_regclass('leases')").fetchone() == (None,):
            return None  # no replica has asked for a lease yet
        row = conn.execute(
            "SELECT holder FROM leases WHERE name = %s AND expires_at > clock_timestamp()",
            (lease,),
        ).fetchone()
    return str(row[0]) if row else None


def received_ids(receiver: Receiver) -> list[str]:
    return [str(event["id"]) for event in receiver.events()]


def test_a_subscription_made_on_one_replica_gets_each_event_once(
    hub_factory: HubFactory, pg_database: str, receiver: Receiver
) -> None:
    a = hub_factory(database=pg_database)
    ident = subscribe(a.url, receiver.url)
    b = hub_factory(database=pg_database)  # started after the subscription exists
    ids = [f"e{n:02}" for n in range(10)]
    for n in range(0, 10, 2):
        post(a.url, ids[n : n + 1])
        post(b.url, ids[n + 1 : n + 2])
    wait_until(lambda: set(ids) <= set(received_ids(receiver)), 8, "every event delivered")
    post(b.url, ["marker"])
    wait_until(lambda: "marker" in received_ids(receiver), 8, "the marker")
    assert sorted(received_ids(receiver)) == sorted([*ids, "marker"])  # each once
    # One replica runs the worker: the other sends nothing.
    assert sorted([running_workers(a.url), running_workers(b.url)], key=len) == [set(), {ident}]


def test_a_subscription_made_on_another_replica_is_delivered_by_the_lease_holder(
    hub_factory: HubFactory, pg_database: str, receiver: Receiver
) -> None:
    a = hub_factory(database=pg_database)
    wait_until(lambda: holder(pg_database, "delivery"), 5, "a delivery lease holder")
    b = hub_factory(database=pg_database)
    ident = subscribe(b.url, receiver.url)
    post(b.url, ["on-b"])
    post(a.url, ["on-a"])
    wait_until(lambda: len(receiver.events()) >= 2, 8, "both events delivered")
    assert sorted(received_ids(receiver)) == ["on-a", "on-b"]
    assert running_workers(a.url) == {ident}  # A holds the lease: B started nothing
    assert running_workers(b.url) == set()


def test_delivery_moves_to_another_replica_when_its_holder_is_killed(
    hub_factory: HubFactory, pg_database: str, receiver: Receiver
) -> None:
    a = hub_factory(database=pg_database, process=True)
    wait_until(lambda: holder(pg_database, "delivery"), 5, "a delivery lease holder")
    b = hub_factory(database=pg_database)  # the survivor may run in this process
    assert isinstance(a, HubProcess) and a.process is not None
    assert str(holder(pg_database, "delivery")).split(":")[-2] == str(a.process.pid)
    subscribe(b.url, receiver.url)
    before = [f"before-{n}" for n in range(10)]
    post(b.url, before)
    wait_until(lambda: set(before) <= set(received_ids(receiver)), 8, "delivery before the kill")
    a.kill()  # kill -9 of the replica delivering
    after = [f"after-{n}" for n in range(10)]
    post(b.url, after)
    wait_until(lambda: set(after) <= set(received_ids(receiver)), 8, "delivery after the kill")
    got = received_ids(receiver)
    # At least once: only what was delivered but not yet recorded may come twice.
    assert [i for i in got if i.startswith("after-")] == after
    assert set(got) == {*before, *after}


def test_retention_prunes_on_one_replica_and_every_replica_refuses_a_pruned_cursor(
    hub_factory: HubFactory, pg_database: str
) -> None:
    plain = hub_factory(database=pg_database)  # no retention: knows of no pruning
    cursors = post(plain.url, [f"info-{n}" for n in range(1005)], severity="INFO")
    pruning = ["--retain-max-events", "1000"]
    a = hub_factory(database=pg_database, extra_args=pruning)
    b = hub_factory(database=pg_database, extra_args=pruning)
    rounds = "notifycenter_retention_rounds_total"
    wait_until(lambda: metric(a.url, rounds) + metric(b.url, rounds) >= 1, 8, "a round")
    assert sorted([metric(a.url, rounds), metric(b.url, rounds)]) == [0.0, 1.0]
    refused = httpclient.get(f"{plain.url}/api/events", params={"after": cursors[2]}, timeout=10)
    assert refused.status_code == 410, refused.text
    body: dict[str, Any] = refused.json()
    assert body["code"] == "notifycenter-2071"
    assert body["log_start"] == cursors[4]  # the 5 oldest were pruned
    kept = httpclient.get(f"{plain.url}/api/events", params={"after": cursors[4]}, timeout=10)
    assert kept.status_code == 200, kept.text


class Follows:
    """A kind that takes one event, then follows, marking read at the origin what the
    hub asks (the origin here is a list: `written_back`)."""

    writeback_prefix: str | None = "urn:follows:"
    runs: ClassVar[list[str]] = []
    written_back: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, config: Any) -> None:
        self.config = config

    async def run(self, ctx: Any) -> None:
        Follows.runs.append(self.config.name)
        ctx.state(SourceState.FOLLOWING)
        ctx.contact()
        await ctx.take([{**FOLLOWED, "id": "f-1"}])
        for _ in range(10_000):  # until cancelled (a bounded loop: 0.05 s each)
            pending = await ctx.pending_writebacks("urn:follows:", 10)
            if pending:
                Follows.written_back.extend(pending)
                await ctx.writebacks_done(pending)
            await asyncio.sleep(0.05)


FOLLOWED = {"specversion": "1.0", "source": "urn:follows:x", "type": "io.x.alert"}


@pytest.fixture
def follows_kind() -> Iterator[None]:
    runner._load_kinds()
    runner.register_kind("follows", Follows)
    Follows.runs, Follows.written_back = [], []
    yield
    runner.KINDS.pop("follows")


@pytest.mark.usefixtures("follows_kind")
def test_a_source_runs_on_one_replica_and_every_replica_shows_it_and_writes_back(
    hub_factory: HubFactory, pg_database: str
) -> None:
    source = ["--source", "follows://origin.example"]
    a = hub_factory(database=pg_database, extra_args=source)
    b = hub_factory(database=pg_database, extra_args=source)

    def following_everywhere() -> bool:
        views = [
            httpclient.get(f"{h.url}/api/sources", timeout=10).json()["sources"] for h in (a, b)
        ]
        return all(v[0]["state"] == "following" and v[0]["events_taken"] == 1 for v in views)

    wait_until(following_everywhere, 8, "both replicas to show the source following")
    assert Follows.runs == ["follows://origin.example"]  # one replica runs it
    for hub in (a, b):  # marked read on either replica: the origin is told
        answer = httpclient.post(f"{hub.url}/api/lifecycle/read", json={"refs": ["1"]}, timeout=10)
        assert answer.status_code == 200 and answer.json()["changed"] == 1, answer.text
        wait_until(lambda: Follows.written_back, 8, "the write-back")
        assert Follows.written_back == [("urn:follows:x", "f-1")]
        Follows.written_back.clear()
        unread = httpclient.post(
            f"{hub.url}/api/lifecycle/unread", json={"refs": ["1"]}, timeout=10
        )
        assert unread.status_code == 200, unread.text


async def test_a_replica_that_cannot_renew_stops_before_another_takes_the_work(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(pg_database)
    first, second = Leases(database, TERM, RENEW), Leases(database, TERM, RENEW)
    running: list[tuple[str, str, float]] = []  # (replica, "start" | "end", loop time)
    loop = asyncio.get_running_loop()

    def work(name: str) -> Callable[[], Any]:
        async def run() -> None:
            running.append((name, "start", loop.time()))
            try:
                await asyncio.Event().wait()
            finally:
                running.append((name, "end", loop.time()))

        return run

    a = first.guard("job", work("a"))
    a.start()
    await async_wait_until(lambda: a.held, 5, "the first replica to take the lease")
    b = second.guard("job", work("b"))
    b.start()
    try:
        monkeypatch.setattr(first, "_take", lambda name: Answer.UNKNOWN)  # the database is away
        await async_wait_until(lambda: b.held, TERM * 3, "the second replica to take over")
        assert [(who, what) for who, what, _ in running] == [
            ("a", "start"),
            ("a", "end"),
            ("b", "start"),
        ]
        # A stopped by itself before its term could end, B started only after it ended.
        assert running[1][2] < running[2][2]
    finally:
        await a.stop()
        await b.stop()


class FakeAlertmanager:
    """Alertmanager's silences API on loopback: records each silence created; answers 503
    while `failing`."""

    def __init__(self) -> None:
        self.failing = True
        self.attempts = 0
        self.created: list[dict[str, Any]] = []
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = Starlette(
            routes=[
                Route("/api/v2/silences", self._silences, methods=["GET", "POST"]),
                Route("/api/v2/silence/{id}", self._silences, methods=["DELETE"]),
            ]
        )
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[sock])), daemon=True
        )
        self.thread.start()
        wait_until(lambda: self.server.started, 5, "the fake Alertmanager")

    async def _silences(self, request: Request) -> Response:
        self.attempts += 1
        if self.failing:
            return Response(status_code=503)
        if request.method == "POST":
            self.created.append(await request.json())
            return JSONResponse({"silenceID": f"s-{len(self.created)}"})
        return JSONResponse([])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def outbox_rows(database: str) -> int:
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*) FROM alertmanager_outbox").fetchone()
    return int(row[0]) if row else 0


def test_a_silence_owed_when_its_replica_stopped_is_made_once_by_the_next_holder(
    hub_factory: HubFactory, pg_database: str
) -> None:
    am = FakeAlertmanager()
    try:
        args = ["--alertmanager-url", am.url]
        a = hub_factory(database=pg_database, extra_args=args)
        alert = {
            "specversion": "1.0",
            "id": "a-1",
            "source": "urn:alertmanager:am.example:9093",
            "type": "io.prometheus.alert",
            "severitytext": "ERROR",
            "data": {"summary": "disk full", "metadata": {"labels": {"alertname": "DiskFull"}}},
        }
        posted = httpclient.post(f"{a.url}/api/events", json=alert, timeout=10,
                            headers={"Content-Type": "application/cloudevents+json"})  # fmt: skip
        assert posted.status_code == 202, posted.text
        ack = {"refs": posted.json()["cursors"], "until": "1h"}
        assert (
            httpclient.post(f"{a.url}/api/lifecycle/ack", json=ack, timeout=10).status_code == 200
        )
        wait_until(lambda: am.attempts >= 1, 8, "a first, refused attempt")
        a.stop()  # the silence is still owed: it stays in the outbox
        am.failing = False
        for _ in range(2):  # two replicas start: both find the row in the outbox
            hub_factory(database=pg_database, extra_args=args)
        wait_until(lambda: am.created and outbox_rows(pg_database) == 0, 8, "the owed silence")
        assert [s["matchers"][0]["value"] for s in am.created] == ["DiskFull"]  # made once
    finally:
        am.stop()
