"""SQL push-down: SQLite's answer, re-checked where inexact, equals pure Python evaluation."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.model.filters import (
    Filter,
    compile_cesql,
    compile_subscription_filters,
    quick_filter,
)
from tests.hypothesis_profiles import examples

COLUMNS = {
    "source": "source",
    "type": "type",
    "severitynumber": "severitynumber",
    "subject": "subject",
    "category": "category",
    "id": "id",
    "time": "time",
}

SOURCES = [
    "urn:meshery:adapter:istio",
    "urn:meshery:adapter:Istio",
    "urn:meshery:adapter:linkerd",
    "urn:meshery:server:main",
    "URN:MESHERY:ADAPTER:ISTIO",
    "https://example.ca",
    "a_b%c*d[e]?",
    "abc",
    "ab\ncd",
    "überwachung:日本",
]
TYPES = [
    "io.meshery.provisioning.istio",
    "io.meshery.operation.started",
    "io.meshery.notification.ack",
    "com.github.push",
    "io.meshery.provisioning",
]


def _events() -> list[dict]:
    rnd = random.Random(20261128)
    events = []
    for n in range(400):
        event = {
            "specversion": "1.0",
            "id": f"id{n}",
            "source": rnd.choice(SOURCES),
            "type": rnd.choice(TYPES),
            "time": f"2026-11-{1 + n % 28:02d}T09:00:00Z",
        }
        if rnd.random() < 0.85:
            event["severitynumber"] = rnd.choice([5, 9, 10, 11, 13, 17, 18, 19, 21])
        if rnd.random() < 0.7:
            event["category"] = rnd.choice(["system", "audit", "user", "Audit", "operation"])
        if rnd.random() < 0.5:
            event["subject"] = rnd.choice(["design/42", "cluster/prod", "", "13", "x'y"])
        events.append(event)
    return events


EVENTS = _events()


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE events (n INTEGER PRIMARY KEY, id TEXT, source TEXT, type TEXT, time TEXT, "
        "severitynumber INTEGER, category TEXT, subject TEXT)"
    )
    insert_events(conn)
    yield conn
    conn.close()


def insert_events(conn: Any) -> None:
    """EVENTS into an `events` table (a sqlite3 connection or the hub's PostgreSQL one)."""
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                n,
                e["id"],
                e["source"],
                e["type"],
                e["time"],
                e.get("severitynumber"),
                e.get("category"),
                e.get("subject"),
            )
            for n, e in enumerate(EVENTS)
        ],
    )


def _check(db: sqlite3.Connection, compiled: Filter) -> bool:
    pushdown = compiled.to_sql(COLUMNS)
    rows = [
        n
        for (n,) in db.execute(
            f"SELECT n FROM events WHERE {pushdown.where} ORDER BY n", pushdown.params
        )
    ]
    expected = [n for n, e in enumerate(EVENTS) if compiled.matches(e)]
    assert [n for n in rows if compiled.matches(EVENTS[n])] == expected
    if pushdown.exact:
        assert rows == expected
    return pushdown.exact


EXACT = [
    "severitynumber >= 13 AND source LIKE 'urn:meshery:adapter:%' AND NOT (category = 'audit')",
    "source LIKE '%Istio%'",  # SQLite's LIKE would also return istio and ISTIO
    "source LIKE 'a\\_b\\%c*d[e]?'",
    "source LIKE 'ab_cd'",
    "source LIKE '%日本'",
    "source NOT LIKE 'urn:%'",
    "NOT (category = 'audit')",
    "NOT (category <> 'audit') OR subject = 'design/42'",
    "category = 'audit' XOR severitynumber > 10",
    "NOT (category = 'audit' AND severitynumber > 100)",  # a missing category must not match
    "NOT (severitynumber > 100 OR category = 'audit')",
    "NOT (subject = 'design/42' XOR category = 'user')",
    "subject = 'design/42' OR category = 'audit'",  # a missing subject must not match
    "category = 'audit' OR subject = 'design/42'",
    "EXISTS subject AND subject = ''",
    "NOT EXISTS category OR category IN ('user', 'system')",
    "category NOT IN ('user', 'system')",
    "severitynumber IN (13, '17', TRUE)",
    "severitynumber NOT IN (5, 9)",
    "17 <= severitynumber",
    "'13' = severitynumber",
    "severitynumber = '13'",
    "severitynumber = 'x13'",
    "severitynumber <> '017'",
    "severitynumber = 'x'  OR TRUE",
    "severitynumber > 'abc'",
    "subject = 'x\\'y'",
    "type LIKE '%.istio' OR (type LIKE 'io.meshery.%' AND severitynumber < 10)",
    "TRUE",
    "FALSE AND source = 'x'",
    "source",
    "1 + 1",
]

INEXACT = [
    "LOWER(source) LIKE '%istio%'",
    "subject = 13",
    "traceparent = 'x' OR severitynumber > 17",
    "NOT (LENGTH(source) > 20) AND category = 'system'",
    "severitynumber + 1 > 14 OR category = 'user'",
    "subject < 20",
]


@pytest.mark.parametrize("expression", EXACT)
def test_exact_pushdown_equals_python(db: sqlite3.Connection, expression: str) -> None:
    assert _check(db, compile_cesql(expression))


@pytest.mark.parametrize("expression", INEXACT)
def test_prefilter_plus_recheck_equals_python(db: sqlite3.Connection, expression: str) -> None:
    assert not _check(db, compile_cesql(expression))


def test_inexact_parts_still_narrow_the_rows() -> None:
    pushdown = compile_cesql("category = 'system' AND LENGTH(source) > 20").to_sql(COLUMNS)
    assert pushdown.where == "category = ?" and pushdown.params == ["system"] and not pushdown.exact


def test_nothing_pushable_gives_one() -> None:
    pushdown = compile_cesql("LENGTH(source) > 3").to_sql(COLUMNS)
    assert (pushdown.where, pushdown.params, pushdown.exact) == ("1", [], False)


def test_unmapped_attributes_are_not_pushed() -> None:
    assert not compile_cesql("source = 'abc'").to_sql({"type": "type"}).exact


@pytest.mark.parametrize(
    "filters",
    [
        [{"exact": {"type": "com.github.push"}}],
        [{"prefix": {"source": "urn:meshery:"}}, {"not": {"exact": {"category": "audit"}}}],
        {"any": [{"suffix": {"source": ".ca"}}, {"sql": "severitynumber >= 18"}]},
        {"not": {"sql": "subject = 'design/42'"}},
        {"all": [{"exact": {"subject": "13", "type": "io.meshery.provisioning"}}]},
    ],
)
def test_dialect_pushdown_equals_python(db: sqlite3.Connection, filters: object) -> None:
    assert _check(db, compile_subscription_filters(filters))


@pytest.mark.parametrize(
    "text",
    [
        "sev>=warning src:istio",
        "sev:error -type:io.meshery.notification",
        "src:adapter src:server sev<notice",
    ],
)
def test_quick_filter_pushdown_equals_python(db: sqlite3.Connection, text: str) -> None:
    compiled = quick_filter(text).filter
    assert compiled is not None and _check(db, compiled)


def _boolean_expressions() -> st.SearchStrategy[str]:
    attribute = st.sampled_from(["severitynumber", "source", "category", "subject", "traceparent"])
    literal = st.sampled_from(
        ["13", "17", "'13'", "'audit'", "'system'", "''", "TRUE", "'x'", "'design/42'"]
    )
    operand = st.one_of(attribute, literal)
    comparison = st.tuples(operand, st.sampled_from(["=", "<>", "!=", "<", ">="]), operand).map(
        " ".join
    )
    like = st.tuples(
        attribute,
        st.sampled_from(["", "NOT "]),
        st.sampled_from(["'urn:%'", "'%Istio%'", "'%_'", "'a\\_b%'", "'13'"]),
    ).map(lambda t: f"{t[0]} {t[1]}LIKE {t[2]}")
    member = st.tuples(
        attribute, st.sampled_from(["", "NOT "]), st.lists(literal, min_size=1, max_size=3)
    ).map(lambda t: f"{t[0]} {t[1]}IN ({', '.join(t[2])})")
    exists = attribute.map(lambda a: f"EXISTS {a}")
    leaf = st.one_of(comparison, like, member, exists)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["AND", "OR", "XOR"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        return st.one_of(binary, inner.map(lambda x: f"NOT ({x})"))

    return st.recursive(leaf, extend, max_leaves=6)


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(_boolean_expressions())
def test_random_filters_pushdown_equals_python(db: sqlite3.Connection, expression: str) -> None:
    _check(db, compile_cesql(expression))
