"""The projections and queries give the same rows and answers on PostgreSQL as on SQLite.

The same entries are appended to a SQLite and a PostgreSQL database through the hub's
projections (index and lifecycle state, summary counts, operations, silences, sources'
outbox), then their tables and the API's answers are compared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from notifycenter.hub import alertmanager_writeback, records, retention_rules, summary_counts
from notifycenter.hub.expiry import next_due
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.operations import (
    OperationQuery,
    OperationsProjection,
    list_operations,
    operation_tree,
)
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.query import EventQuery, parse_query
from notifycenter.hub.silences import SilencesProjection, find_silence, list_silences
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, create_tables
from notifycenter.hub.sqlite_log import LOG_SCHEMA
from notifycenter.hub.sqlrows import insert_rows
from notifycenter.hub.summary_counts import SummaryCounts
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import Verb, format_time, lifecycle_event
from notifycenter.model.silences import Silence, created_event, expired_event
from notifycenter.routing import store
from notifycenter.sources import checkpoints

psycopg = pytest.importorskip("psycopg")

NOW = datetime.now(UTC)
HUB = "urn:notifycenter:hub"
STALL = timedelta(minutes=5)
TABLES = {
    "idx": "seq",
    "summary_counts": "bucket, status",
    "operations": "id",
    "silences": "id",
    "silence_marks": "seq",
    "source_outbox": "source, id",
}


def _at(minutes: float) -> str:
    return format_time(NOW + timedelta(minutes=minutes))


class Side:
    """One database with the hub's projections, appended to as the log's writer does."""

    def __init__(self, conn: SqlConnection) -> None:
        self.conn = conn
        self.projections: list[Any] = [
            EventIndex(),
            SummaryCounts(),
            OperationsProjection(),
            SilencesProjection(),
            checkpoints.SourcesProjection(),
        ]
        self.projections[-1].prefixes = ("urn:meshery:adapter:",)
        create_tables(conn, LOG_SCHEMA)
        for projection in self.projections:
            projection.create(conn)
        self.commit()
        self.next_seq = 1

    def commit(self) -> None:
        if isinstance(self.conn, PgConnection):
            self.conn.commit()

    def append(self, events: Sequence[dict[str, Any]], actor: str = "alice") -> None:
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.execute("BEGIN")
        copies = [orjson.loads(orjson.dumps(event)) for event in events]
        for projection in self.projections:
            if hasattr(projection, "stamp"):
                projection.stamp(self.conn, copies)
        entries = []
        for event in copies:
            seq, self.next_seq = self.next_seq, self.next_seq + 1
            event["cursor"] = format_cursor(seq)
            entries.append(StoredEntry(seq, event["cursor"], event, orjson.dumps(event), actor))
        insert_rows(
            self.conn,
            "INSERT INTO log (seq, source, id, body, actor)",
            [(e.seq, e.event["source"], e.event["id"], e.body, e.actor) for e in entries],
        )
        for projection in self.projections:
            projection.apply(self.conn, entries)
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.execute("COMMIT")
        self.commit()

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        return [
            tuple(r) for r in self.conn.execute(f"SELECT * FROM {table} ORDER BY {TABLES[table]}")
        ]


@pytest.fixture
def sides(pg_database: str, tmp_path: Any) -> Iterator[tuple[Side, Side]]:
    lite = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    raw = psycopg.connect(pg_database)
    try:
        yield Side(lite), Side(PgConnection(raw))
    finally:
        raw.close()
        lite.close()


def _event(n: int, severity: int = 17, **extra: Any) -> dict[str, Any]:
    event = {
        "specversion": "1.0",
        "id": f"e{n}",
        "source": extra.pop("source", "urn:meshery:adapter:istio"),
        "type": extra.pop("type", "io.meshery.provisioning.istio"),
        "time": _at(-60 + n),
        "severitynumber": severity,
        "severitytext": {5: "DEBUG", 9: "INFO", 13: "WARNING", 17: "ERROR", 21: "EMERGENCY"}[
            severity
        ],
        "data": {"summary": f"Event {n} 50% done_", "metadata": {"cluster": "prod"}},
    }
    event.update(extra)
    return event


def _change(n: int, verb: Verb, target: int, **extra: Any) -> dict[str, Any]:
    return lifecycle_event(
        verb,
        "urn:meshery:adapter:istio",
        f"e{target}",
        actor="bob",
        hub_source=HUB,
        event_id=f"c{n}",
        at=_at(-30 + n),
        **extra,
    )


def _operation(
    n: int, op: str, phase: str, parent: str | None = None, **fields: Any
) -> dict[str, Any]:
    trace = "0af7651916cd43dd8448eb211c80319c"
    return {
        "specversion": "1.0",
        "id": f"o{n}",
        "source": "urn:meshery:server:main",
        "type": f"io.meshery.operation.{phase}",
        "time": _at(-20 + n),
        "traceparent": f"00-{trace}-{op}-01",
        "severitynumber": 9,
        "data": {"operation": {"id": op, "parent": parent, "name": f"deploy {op[:4]}", **fields}},
    }


SPAN_A, SPAN_B = "b7ad6b7169203331", "c7ad6b7169203332"
SILENCE = Silence(
    id="5f0c2a3e-1b2c-4d5e-8f90-aabbccddeeff",
    filter="source = 'urn:meshery:adapter:linkerd'",
    starts=_at(-10),
    ends=_at(60),
    author="carol",
    comment="maintenance",
    created_at=_at(-10),
)
SHORT = Silence(
    id="6a0c2a3e-1b2c-4d5e-8f90-aabbccddeeff",
    filter="type = 'io.meshery.provisioning.istio'",
    starts=_at(-10),
    ends=_at(60),
    author="carol",
    comment=None,
    created_at=_at(-10),
)


def _story() -> list[list[dict[str, Any]]]:
    """Batches as a hub would commit them: notifications, changes, operations, silences."""
    first = [_event(n, severity) for n, severity in enumerate([17, 13, 9, 5, 21, 17, 13], 1)]
    first.append(_event(8, 9, category="audit"))
    first.append(_event(9, 13, source="urn:meshery:adapter:linkerd"))
    changes = [
        _change(1, Verb.READ, 1),
        _change(2, Verb.ACK, 2, comment="on it", until=_at(-1)),  # lapsed
        _change(3, Verb.ACK, 5, until="resolved"),
        _change(4, Verb.RESOLVE, 6),
        _change(5, Verb.ARCHIVE, 7),
        _change(6, Verb.ASSIGN, 1, to="dave"),
        _change(7, Verb.READ, 3),
        _change(8, Verb.UNREAD, 3),
        _change(9, Verb.ACK, 9, until=_at(30)),
    ]
    ops = [
        _operation(1, SPAN_A, "started", total=10),
        _operation(2, SPAN_B, "started", parent=SPAN_A),
        _operation(3, SPAN_A, "progress", done=4, total=10, message="4 of 10"),
        _operation(4, SPAN_B, "succeeded"),
    ]
    silence = [
        created_event(SILENCE, hub_source=HUB, event_id="s1"),
        created_event(SHORT, hub_source=HUB, event_id="s2"),
    ]
    silenced = [
        _event(10, 17, source="urn:meshery:adapter:linkerd"),
        _event(11, 17, source="urn:meshery:adapter:linkerd", silence="forged"),
    ]
    later = [
        _event(12, 21, source="urn:meshery:adapter:istio2"),
        _event(1, 17),  # a duplicate is not the projections' business: the log skips it
        expired_event(SHORT.id, actor="carol", at=_at(-1), hub_source=HUB, event_id="s3"),
        _change(10, Verb.RESOLVE, 10),
    ]
    later = [e for e in later if e["id"] != "e1"]
    return [first, changes, ops, silence, silenced, later]


def _applied(sides: tuple[Side, Side], batches: list[list[dict[str, Any]]]) -> None:
    for side in sides:
        for batch in batches:
            side.append(batch)


def test_tables_hold_the_same_rows(sides: tuple[Side, Side]) -> None:
    _applied(sides, _story())
    lite, pg = sides
    for table in TABLES:
        assert pg.rows(table) == lite.rows(table), table
    assert lite.rows("summary_counts")  # the comparison is not of two empty tables
    assert any(row[1] for row in lite.rows("silence_marks"))
    assert lite.rows("source_outbox")


QUERIES = [
    {},
    {"bucket": ["errors"]},
    {"severity": ["warning"]},
    {"status": ["acknowledged"]},
    {"status": ["unacked"]},
    {"status": ["archived"]},
    {"source": ["urn:meshery:adapter:istio"]},
    {"type": ["io.meshery.prov"]},
    {"q": ["50% done_"]},
    {"owner": ["dave"]},
    {"owner": ["none"]},
    {"silenced": ["true"]},
    {"silenced": ["false"]},
    {"operation": [SPAN_A], "operation_tree": ["1"]},
    {"lifecycle": ["1"], "limit": ["5"]},
    {"filter": ["severitytext = 'ERROR' AND source LIKE '%istio%'"]},
    {"filter": ["specversion = '1.0' AND NOT (type LIKE '%.istio')"]},
    {"filter": ["LENGTH(source) > 26"]},  # left to Python
    {"filters": ['[{"prefix": {"source": "urn:meshery:adapter:"}}]']},
]


@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items())
)
def test_lists_answer_the_same(sides: tuple[Side, Side], params: dict[str, list[str]]) -> None:
    _applied(sides, _story())
    query: EventQuery = parse_query(lambda name: params.get(name, []))
    lite, pg = (records.list_events(side.conn, query, NOW) for side in sides)
    assert pg == lite
    full = records.list_events(sides[0].conn, EventQuery(limit=1000), NOW)["items"]
    assert params or len(full) == len(lite["items"])


def test_summaries_and_single_events_answer_the_same(sides: tuple[Side, Side]) -> None:
    _applied(sides, _story())
    lite, pg = (side.conn for side in sides)
    assert summary_counts.summary(pg, NOW, 20) == summary_counts.summary(lite, NOW, 20)
    assert records.summary(pg, NOW, 20) == records.summary(lite, NOW, 20)
    assert summary_counts.summary(lite, NOW, 20) == records.summary(lite, NOW, 20)
    for ref in ("urn:meshery:adapter:istio#e2", "e5", format_cursor(10)):
        assert records.get_event(pg, ref, NOW) == records.get_event(lite, ref, NOW)
    assert next_due(pg) == next_due(lite) is not None


@pytest.mark.parametrize(
    "params",
    [{}, {"state": "active"}, {"root": "1"}, {"filter": "name LIKE 'deploy%'"}, {"since": "3"}],
)
def test_operations_answer_the_same(sides: tuple[Side, Side], params: dict[str, str]) -> None:
    _applied(sides, _story())
    query = OperationQuery.parse(params, NOW)
    lite, pg = (list_operations(side.conn, query, NOW, STALL) for side in sides)
    assert pg == lite
    assert [tree(side.conn) for side in reversed(sides)] == [tree(side.conn) for side in sides]


def tree(conn: SqlConnection) -> Any:
    return operation_tree(conn, SPAN_A, NOW, STALL)


def test_silences_answer_the_same(sides: tuple[Side, Side]) -> None:
    _applied(sides, _story())
    every = frozenset({"active", "pending", "expired"})
    lite, pg = (side.conn for side in sides)
    assert list_silences(pg, every, NOW) == list_silences(lite, every, NOW)
    assert find_silence(pg, "5F0C2A3E") == find_silence(lite, "5F0C2A3E")


def _state_answers(side: Side) -> list[Any]:
    """Sources' checkpoints, subscriptions and the Alertmanager outbox, used as the hub does."""
    conn, seen = side.conn, list[Any]()
    checkpoints.save_checkpoint(conn, "meshery", {"after": 1})
    checkpoints.save_checkpoint(conn, "meshery", {"after": 2, "x": "é"})
    seen.append(checkpoints.load_checkpoint(conn, "meshery"))
    seen.append(checkpoints.outbox(conn, "urn:meshery:adapter:", 10))
    seen.append(checkpoints.in_outbox(conn, "urn:meshery:adapter:istio", "e1"))
    checkpoints.clear_outbox(conn, [("urn:meshery:adapter:istio", "e1")])
    seen.append(checkpoints.outbox(conn, "urn:", 10))
    store.create(conn)
    store.insert(conn, "s1", "alice", {"sink": "https://x"}, {"token": "t"}, _at(0))
    store.insert(conn, "s2", "bob", {"sink": "https://y"}, None, _at(1))
    seen.append(store.replace(conn, "s1", "alice", {"sink": "https://z"}, None, _at(2)))
    store.record_success(conn, "s1", 7, 3, _at(3))
    store.record_passed(conn, "s1", 5)  # a cursor never moves back
    seen.append(store.record_failure(conn, "s2", 1, {"code": "notifycenter-1"}, 1, _at(4)))
    seen.append(store.record_failure(conn, "s2", 9, {"code": "notifycenter-1"}, 1, _at(4)))
    seen.append(store.delete(conn, "nope"))
    seen.append(store.load_all(conn))
    seen.append(store.load_all(conn, "bob"))
    writeback = alertmanager_writeback.WriteBackProjection()
    writeback.create(conn)
    first = alertmanager_writeback._queue(conn, b'["ack"]')
    second = alertmanager_writeback._queue(conn, b'["unack"]')
    alertmanager_writeback.record_done(conn, first, "urn:a#1", "sil-1")
    alertmanager_writeback.record_done(conn, second, "urn:a#1", "sil-2")
    seen.append(second - first)
    seen.append(conn.execute("SELECT ref, silence FROM alertmanager_silences").fetchall())
    side.commit()
    return seen


def test_sources_subscriptions_and_outboxes_answer_the_same(sides: tuple[Side, Side]) -> None:
    _applied(sides, _story())
    lite, pg = (_state_answers(side) for side in sides)
    assert pg == lite
    assert lite[0] == {"after": 2, "x": "é"} and lite[-1] == [("urn:a#1", "sil-2")]


def test_retention_prunes_the_same(sides: tuple[Side, Side]) -> None:
    _applied(sides, _story())
    rules = retention_rules.Retention(retain=timedelta(minutes=50))
    for side in sides:
        create_tables(side.conn, retention_rules.STATE_SCHEMA)
        bounds = retention_rules.round_bounds(side.conn, rules, NOW)
        step = retention_rules.prune_step(side.conn, bounds, 0, rows=100)
        assert step.events > 0 and step.done
        side.commit()
    lite, pg = sides
    assert retention_rules.pruned_through(pg.conn) == retention_rules.pruned_through(lite.conn)
    for table in TABLES:
        assert pg.rows(table) == lite.rows(table), table
    assert summary_counts.summary(pg.conn, NOW, 20) == summary_counts.summary(lite.conn, NOW, 20)


def test_an_event_whose_payload_holds_nul_is_indexed(sides: tuple[Side, Side]) -> None:
    event = _operation(1, SPAN_A, "started", message="half\x00way")
    event["data"]["summary"] = "disk\x00full"
    for side in sides:
        side.append([event])
    lite, pg = (records.list_events(side.conn, EventQuery(), NOW)["items"] for side in sides)
    assert [item["event"] for item in pg] == [item["event"] for item in lite]
    assert pg[0]["event"]["data"]["summary"] == "disk\x00full"  # the log keeps it as posted
    found = records.list_events(sides[1].conn, EventQuery(text="diskfull"), NOW)["items"]
    assert len(found) == 1
    ops = list_operations(sides[1].conn, OperationQuery(), NOW, STALL)["items"]
    assert [op["message"] for op in ops] == ["halfway"]
