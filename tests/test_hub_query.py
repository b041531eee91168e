"""GET /api/events filters and pagination; CESQL results identical with and without push-down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.datastructures import QueryParams

from notifycenter.hub.database import parse_database
from notifycenter.hub.pg_log import PgLog
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.query import parse_query
from notifycenter.hub.records import list_events
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.event import validate_event
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import BATCH, make_event

ROOT, CHILD, OTHER = "a" * 16, "b" * 16, "c" * 16
TRACE = "1" * 32


def corpus() -> list[dict]:
    """A mix of buckets, sources, types, operations and texts."""
    events = []
    for n in range(60):
        severity = ["error", "warning", "info", "debug", "critical", "success"][n % 6]
        source = ["urn:meshery:adapter:istio", "urn:meshery:adapter:linkerd", "urn:meshery:server"][
            n % 3
        ]
        extra: dict = {
            "severitytext": severity,
            "type": f"io.meshery.{['provision', 'deploy'][n % 2]}.x",
        }
        if n % 5 == 0:
            extra["traceparent"] = f"00-{TRACE}-{[ROOT, CHILD, OTHER][n % 3]}-01"
        if n % 7 == 0:
            extra["category"] = "audit"
        if n % 4 == 0:
            extra["subject"] = f"cluster-{n % 3}"
        extra["data"] = {
            "summary": f"Timeout talking to API #{n}" if n % 3 == 0 else f"Deployed {n}",
            "error": {"code": f"meshery-{1000 + n % 4}"},
        }
        events.append(make_event(n, source=source, **extra))
    events.append(
        make_event(
            "op-child",
            traceparent=f"00-{TRACE}-{CHILD}-01",
            type="io.meshery.operation.started",
            data={"operation": {"id": CHILD, "parent": ROOT, "name": "child"}},
        )
    )
    return events


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def client(hub_factory: HubFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpclient.async_client(base_url=hub_factory().url, timeout=10) as http:
        response = await http.post("/api/events", json=corpus(), headers={"content-type": BATCH})
        assert response.status_code == 202
        yield http


async def ids(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/api/events", params=params)
    assert response.status_code == 200, response.text
    return [item["event"]["id"] for item in response.json()["items"]]


def expected(predicate) -> list[str]:
    events = [validate_event(e) for e in corpus()]
    return [e["id"] for e in reversed(events) if predicate(e)]


async def test_simple_filters(client) -> None:
    def sev(e):
        return e["severitynumber"]

    def audit(e):
        return e["severitytext"] == "DEBUG" or e.get("category") == "audit"

    assert await ids(client, bucket="errors", limit="1000") == expected(
        lambda e: sev(e) >= 17 and not audit(e)
    )
    assert await ids(client, bucket="audit,warnings", limit="1000") == expected(
        lambda e: audit(e) or (sev(e) == 13)
    )
    assert await ids(client, severity="warn", limit="1000") == expected(lambda e: sev(e) >= 13)
    assert await ids(client, source="urn:meshery:adapter:", limit="1000") == expected(
        lambda e: e["source"].startswith("urn:meshery:adapter:")
    )
    assert await ids(client, type="io.meshery.deploy", limit="1000") == expected(
        lambda e: e["type"].startswith("io.meshery.deploy")
    )
    assert await ids(client, q="TIMEOUT talking", limit="1000") == expected(
        lambda e: "timeout talking" in e["data"].get("summary", "").lower()
    )
    assert await ids(client, q="meshery-1003", limit="1000") == expected(
        lambda e: e["data"].get("error", {}).get("code") == "meshery-1003"
    )
    assert await ids(client, q="cluster-2", limit="1000") == expected(
        lambda e: e.get("subject") == "cluster-2"
    )


async def test_operation_and_its_tree(client) -> None:
    def span(e):
        return (e.get("traceparent") or "---").split("-")[2]

    assert await ids(client, operation=ROOT, limit="1000") == expected(lambda e: span(e) == ROOT)
    assert await ids(client, operation=ROOT, operation_tree="1", limit="1000") == expected(
        lambda e: span(e) in (ROOT, CHILD)
    )


async def test_pagination_walks_every_event_once_newest_first(client) -> None:
    seen, before = [], None
    for _page in range(len(corpus())):  # bounded: at least one event a page
        page = (
            await client.get(
                "/api/events", params={"limit": "7", **({"before": before} if before else {})}
            )
        ).json()
        seen += [item["cursor"] for item in page["items"]]
        before = page["next"]
        if before is None:
            break
    else:
        raise AssertionError("the pages never ended")
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == len(corpus())
    newer = await ids(client, after="0000000000000058")
    assert newer == ["evt-op-child", "evt-59", "evt-58"][: len(newer)] and len(newer) == 3


async def test_cesql_and_subscription_filters(client) -> None:
    assert await ids(
        client, filter="severitynumber >= 17 AND source LIKE '%linkerd'", limit="1000"
    ) == expected(lambda e: e["severitynumber"] >= 17 and e["source"].endswith("linkerd"))
    assert await ids(
        client, filters='[{"prefix": {"type": "io.meshery.provision"}}]', limit="1000"
    ) == expected(lambda e: e["type"].startswith("io.meshery.provision"))
    bad = await client.get("/api/events", params={"filter": "severitynumber >>= 3"})
    assert bad.status_code == 400 and bad.json()["code"].startswith("notifycenter-")


EXPRESSIONS = [
    "severitynumber >= 17",
    "source LIKE 'urn:meshery:adapter:%' AND NOT (type = 'io.meshery.deploy.x')",
    "subject = 'cluster-1' OR severitytext = 'WARNING'",
    "EXISTS subject AND category = 'audit'",
    "UPPER(source) LIKE '%ISTIO' OR id IN ('evt-3', 'evt-4')",
    "specversion = '1.0' AND severitynumber < 10 AND time LIKE '2026-%'",
    "traceparent LIKE '%bbbbbbbbbbbbbbbb%' XOR severitynumber = 17",
]


async def test_results_are_identical_with_and_without_push_down(
    tmp_path, backend: str, request: pytest.FixtureRequest
) -> None:
    log: SqliteLog | PgLog
    if backend == "postgresql":
        database = parse_database(request.getfixturevalue("pg_database"))
        assert database is not None
        log = PgLog(database, [EventIndex()])
    else:
        log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex()])
    await log.open()
    try:
        events = [validate_event(e) | {"time": "2026-11-28T09:00:00.000Z"} for e in corpus()]
        await log.append(events)
        now = datetime.now(UTC)
        for expression in EXPRESSIONS:
            for limit in ("5", "1000"):
                query = parse_query(QueryParams({"filter": expression, "limit": limit}).getlist)
                pushed = await log.read(
                    lambda conn, q=query: list_events(conn, q, now, pushdown=True)
                )
                python = await log.read(
                    lambda conn, q=query: list_events(conn, q, now, pushdown=False)
                )
                assert pushed == python, expression
                assert pushed["items"] or limit == "5", expression
    finally:
        await log.close()
