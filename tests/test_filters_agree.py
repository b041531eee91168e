"""The three implementations of the list filters select the same events.

The hub lists with SQL (`hub/query.py`: simple filters as SQL, CESQL pushed down by
`Filter.to_sql`, the rest re-checked in Python), the hub's stream matches each new event
in Python (`hub/stream.py`), and the client store selects over its columns
(`store/select.py`). For random events and random filters, all three must agree.
"""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.hypothesis_profiles import examples
from tests.pgserver import PgServer

with warnings.catch_warnings():  # Starlette's notice about httpx2, at import: not our concern
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from notifycenter.hub.app import create_app
from notifycenter.hub.database import parse_database
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.query import parse_query
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.stream import stream_filter
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql, compile_subscription_filters
from notifycenter.store import EventStore, ViewQuery
from tests.filters_strategies import dialect_filters, events, expressions, predicates

STRUCTURED = {"content-type": "application/cloudevents+json"}
BATCH = {"content-type": "application/cloudevents-batch+json"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """One hub for every example, on SQLite then on PostgreSQL: each example's events
    carry a type prefix of their own."""
    server: PgServer | None = None
    database = None
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        database = parse_database(server.create_database())
    settings = HubSettings(data_dir=tmp_path_factory.mktemp("agree"), database=database)
    with TestClient(create_app(settings)) as client:
        yield client
    if server is not None and database is not None:
        server.drop_database(database.url)


_examples = itertools.count()


def _accepted(hub: TestClient, drawn: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Posts the events under a new type prefix; returns it and the events the hub
    stored (it may refuse some), oldest first.

    Ids are new (the hub drops a repeated source and id as a duplicate), and each event
    gets a summary of its own, so that the store keeps one row per event rather than
    folding repeats; drawn details are kept.
    """
    prefix = f"ex{next(_examples)}."
    batch = [
        {
            **e,
            "id": f"{prefix}{n}",
            "type": prefix + e["type"],
            "data": {**e.get("data", {}), "summary": f"event {n}"},
        }
        for n, e in enumerate(drawn)
    ]
    answer = hub.post("/api/events", content=json.dumps(batch), headers=BATCH)
    if answer.status_code != 202:  # one refused event refuses the batch: post them one by one
        for event in batch:
            hub.post("/api/events", content=json.dumps(event), headers=STRUCTURED)
    items = hub.get("/api/events", params={"type": prefix, "limit": "1000"}).json()["items"]
    return prefix, [item["event"] for item in reversed(items)]


def _cesql() -> st.SearchStrategy[str]:
    def compiles(expression: str) -> bool:
        try:
            compile_cesql(expression, strict=True)
        except NotifyError:
            return False
        return True

    return st.one_of(predicates, predicates, predicates, expressions).filter(compiles)


simple_filters = st.fixed_dictionaries(
    {},
    optional={
        "severity": st.sampled_from(["debug", "info", "notice", "warning", "error", "fatal"]),
        "source": st.sampled_from(["urn:", "urn:a", "urn:a:", "true"]),
        "bucket": st.sampled_from(["errors", "warnings", "infos"]),
        "q": st.sampled_from(
            ["urn:a", "URN:A", "io.x", "event 1", "true", "a", "retried", "failed\nat", "Σ"]
        ),
    },
)

# Details, which the hub's q and the store's text search alike.
_DETAILS = st.sampled_from(
    ["Retried 3 times", "failed\nat urn:a", "TRUE", "ΣΊΣΥΦΟΣ", "event 10 of a"]
)
events_with_details = st.builds(
    lambda event, details: {**event, "data": {"details": details}} if details else event,
    events(),
    st.one_of(st.none(), _DETAILS),
)


def _hub_list(hub: TestClient, params: dict[str, str]) -> list[str]:
    answer = hub.get("/api/events", params={**params, "limit": "1000"})
    assert answer.status_code == 200, answer.text
    return [item["event"]["id"] for item in answer.json()["items"]]


def _stream(params: dict[str, str], stored: list[dict[str, Any]]) -> list[str]:
    query = parse_query(lambda name: [params[name]] if name in params else [])
    accepts = stream_filter(query)
    entries = [StoredEntry(n + 1, e["cursor"], e) for n, e in enumerate(stored)]
    return [e.event["id"] for e in reversed(entries) if accepts is None or accepts(e)]


def _store(params: dict[str, str], stored: list[dict[str, Any]]) -> list[str]:
    store = EventStore()
    store.add(stored)
    expression, dialect = params.get("filter"), params.get("filters")
    checks = [compile_cesql(expression).matches] if expression else []
    checks += [compile_subscription_filters(dialect).matches] if dialect else []
    view = ViewQuery(
        bucket=params.get("bucket"),
        min_severity=params.get("severity"),  # type: ignore[arg-type]
        source=params.get("source"),
        text=params.get("q"),
        predicate=(lambda e: all(check(e) for check in checks)) if checks else None,
    )
    return [store.event(row)["id"] for row in store.select(view)]


_SEARCHED = [
    {"specversion": "1.0", "id": "x", "source": "urn:b", "type": "io.z", **extra}
    for extra in ({"data": {"details": "Retried 3 times"}}, {"subject": "a/Retried"}, {})
]


@given(
    st.lists(events_with_details, min_size=1, max_size=10),
    st.one_of(st.none(), _cesql()),
    simple_filters,
)
@example(_SEARCHED, None, {"q": "retried"})  # the store once searched neither of these
@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_hub_list_stream_and_store_select_the_same_events(
    hub: TestClient,
    drawn: list[dict[str, Any]],
    expression: str | None,
    simple: dict[str, str],
) -> None:
    prefix, stored = _accepted(hub, drawn)
    params = {**simple, **({"filter": expression} if expression else {})}
    listed = _hub_list(hub, {**params, "type": prefix})
    event(f"{'CESQL' if expression else 'simple'}: {'some' if listed else 'no'} events")
    assert listed == _stream({**params, "type": prefix}, stored), params
    assert listed == _store(params, stored), params


_FLAGS = [
    {"specversion": "1.0", "id": "x", "source": "urn:a", "type": "io.x", "flag": flag}
    for flag in (True, False, "true", 1)
]


@given(st.lists(events(), min_size=1, max_size=10), _cesql())
@example(_FLAGS, "flag")  # a bare boolean attribute once matched nothing in lists
@example(_FLAGS, "NOT flag OR source")
@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_cesql_alone_selects_the_same_events_everywhere(
    hub: TestClient, drawn: list[dict[str, Any]], expression: str
) -> None:
    prefix, stored = _accepted(hub, drawn)
    listed = _hub_list(hub, {"filter": expression, "type": prefix})
    event(f"CESQL alone: {'some' if listed else 'no'} events")
    assert listed == _stream({"filter": expression, "type": prefix}, stored), expression
    assert listed == _store({"filter": expression}, stored), expression


def _dialect() -> st.SearchStrategy[str]:
    def compiles(text: str) -> bool:
        try:
            compile_subscription_filters(text)
        except NotifyError:
            return False
        return True

    return dialect_filters.map(json.dumps).filter(compiles)


@given(st.lists(events(), min_size=1, max_size=10), _dialect(), st.one_of(st.none(), _cesql()))
@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_subscription_filters_select_the_same_events_everywhere(
    hub: TestClient, drawn: list[dict[str, Any]], dialect: str, expression: str | None
) -> None:
    prefix, stored = _accepted(hub, drawn)
    params = {"filters": dialect, **({"filter": expression} if expression else {})}
    listed = _hub_list(hub, {**params, "type": prefix})
    event(f"dialect: {'some' if listed else 'no'} events")
    assert listed == _stream({**params, "type": prefix}, stored), params
    assert listed == _store(params, stored), params


_OWNER_CHANGES = st.sampled_from(
    [("assign", "alice"), ("assign", "anonymous"), ("take", None), ("release", None), ("ack", None)]
)


@given(
    st.lists(events(), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 5), _OWNER_CHANGES), max_size=8),
    st.sampled_from(["me", "none", "alice", "anonymous", "bob"]),
)
@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_owner_selects_the_same_notifications_on_the_hub_and_in_the_store(
    hub: TestClient,
    drawn: list[dict[str, Any]],
    changes: list[tuple[int, tuple[str, str | None]]],
    owner: str,
) -> None:
    """`owner=` on the hub and `owner:` in the store (fed by records, or by the events and
    their lifecycle history as the stream sends them); `me` is the open hub's anonymous."""
    prefix, stored = _accepted(hub, drawn)
    for index, (verb, to) in changes:
        if index < len(stored):
            target = stored[index]
            body = {"refs": [target["cursor"]], **({"to": to} if to else {})}
            assert hub.post(f"/api/lifecycle/{verb}", json=body).status_code == 200
    listed = _hub_list(hub, {"type": prefix, "owner": owner})
    event(f"owner {owner}: {'some' if listed else 'no'} events")
    records = hub.get("/api/events", params={"type": prefix, "limit": "1000"}).json()["items"]
    history = [
        change
        for record in reversed(records)
        for change in hub.get(f"/api/events/{record['cursor']}").json()["history"]
    ]
    by_records, by_stream = EventStore(), EventStore()
    by_records.add_records(records)
    by_stream.add(sorted([*stored, *history], key=lambda e: e["cursor"]))
    for store in (by_records, by_stream):
        store.user = "anonymous"
        selected = [store.event(row)["id"] for row in store.select(ViewQuery(owner=owner))]
        assert listed == selected, (owner, changes)
