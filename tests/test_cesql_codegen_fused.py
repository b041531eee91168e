"""The compiled `matches` tests an attribute against literals on the type it usually has
(the 32-bit range folded into the comparison) and runs an AND chain's checks cheapest
first. Neither may change a verdict: on values of every type, at the 32-bit edges,
absent or null, `matches` is true exactly when evaluation gives true without errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.model.filters import compile_cesql
from tests.hypothesis_profiles import examples

_NAMES = ("n", "s", "flag", "missing", "data")
_EDGE_VALUES: tuple[Any, ...] = (
    None,  # present but null: the same as absent
    0,
    1,
    13,
    -1,
    2**31 - 1,
    -(2**31),
    2**31,  # beyond 32 bits: a String that casts to no Integer
    -(2**31) - 1,
    10**5000,
    True,
    False,
    13.0,
    "13",
    " 13",
    "+13",
    "-0",
    "2147483648",
    "true",
    "FALSE",
    "audit",
    "Audit",
    "urn:a:b",
    "",
    "x%_y",
    [13],
    {"k": 1},
)
_LITERALS = (
    "0",
    "1",
    "13",
    "-1",
    "2147483647",
    "-2147483648",
    "TRUE",
    "FALSE",
    "'13'",
    "'x'",
    "'true'",
    "'audit'",
    "''",
    "'2147483648'",
)
_COMPARISONS = ("=", "!=", "<>", "<", "<=", ">", ">=")

# Every event: each attribute drawn from the edge values, a few at a time.
CORPUS: list[dict[str, Any]] = [
    {"specversion": "1.0", "id": "1", "source": "urn:a", "type": "t", name: value}
    for name in _NAMES
    for value in _EDGE_VALUES
] + [
    {"specversion": "1.0", "id": "1", "source": "urn:a", "type": "t", "n": n, "s": s, "flag": f}
    for n in _EDGE_VALUES[::3]
    for s in _EDGE_VALUES[1::4]
    for f in _EDGE_VALUES[2::5]
]

_name = st.sampled_from(_NAMES)
_literal = st.sampled_from(_LITERALS)
_atom = st.one_of(
    st.tuples(_name, st.sampled_from(_COMPARISONS), _literal).map(" ".join),
    st.tuples(_literal, st.sampled_from(_COMPARISONS), _name).map(" ".join),  # literal first
    st.tuples(_name, st.sampled_from(["", "NOT "]), st.sampled_from(["'1%'", "'%3'", "'%u%'"])).map(
        lambda t: f"{t[0]} {t[1]}LIKE {t[2]}"
    ),
    st.tuples(_name, st.sampled_from(["", "NOT "]), st.lists(_literal, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} {t[1]}IN ({', '.join(t[2])})"
    ),
    _name.map(lambda n: f"EXISTS {n}"),
    # Alternatives of one attribute, which `matches` tests as one set membership.
    st.tuples(_name, st.lists(_literal, min_size=2, max_size=4)).map(
        lambda t: "(" + " OR ".join(f"{t[0]} = {literal}" for literal in t[1]) + ")"
    ),
    _name,  # cast to Boolean as an operand of AND, OR or NOT
)
_expressions = st.recursive(
    _atom,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"NOT ({x})"),
    ),
    max_leaves=5,
)


def _disagreements(expression: str) -> Iterator[tuple[dict[str, Any], bool]]:
    compiled = compile_cesql(expression)
    for event in CORPUS:
        value, errors = compiled.evaluate(event)
        if compiled.matches(event) is not (value is True and not errors):
            yield event, compiled.matches(event)


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions)
def test_matches_agrees_with_evaluation_on_every_edge_value(expression: str) -> None:
    assert next(_disagreements(expression), None) is None, compile_cesql(expression).matches.source  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        # Beyond 32 bits an integer is a String whose cast to Integer fails: never true.
        ("n > 5", 2**31, False),
        ("n >= -2147483648", -(2**31) - 1, False),
        ("n != 5", 2**31, False),
        ("NOT (n = 5)", 2**31, False),
        ("n <= 2147483647", 2**31 - 1, True),
        ("-2147483648 <= n", -(2**31), True),
        ("13 < n", 14, True),
        ("13 < n", 13, False),
        ("n < 13", -(2**31), True),
        # Other types take the cast: text and Booleans cast, a float's text does not.
        ("n >= 13", "13", True),
        ("n >= 13", " 13", False),
        ("n >= 1", True, True),
        ("n = 1", True, True),
        ("n >= 13", 13.0, False),
        ("n = 13", None, False),
        ("n != 13", None, False),
        # Text: other values are compared as their text; IN casts members to the value's type.
        ("n = '13'", 13, True),
        ("n != 'true'", True, False),
        ("n IN ('13', 'x')", 13, False),  # 'x' casts to no Integer: an error
        ("n IN ('13', 2)", "2", True),
        ("n NOT IN ('a', 'b')", "a", False),
        ("NOT (n IN ('a', 'b'))", "c", True),
        ("n LIKE '1%'", 13, True),
        ("NOT (n LIKE '1%')", 13, False),
        ("n NOT LIKE '1%'", None, False),
        ("n AND TRUE", "TRUE", True),
        ("NOT n", 0, False),  # an Integer is no Boolean
        ("NOT EXISTS n", None, True),
        # IN over integers: set membership for an int, the members cast for the rest.
        ("n IN (1, 2)", 2**31, False),
        ("n NOT IN (1, 2)", 2**31, True),
        ("n IN (1, 2)", "2", True),
        ("n IN (1, 2)", True, False),  # 1 is no Boolean: an error
        # Several tests of one attribute: read once, each still applies.
        ("n >= 9 AND n < 17 AND n NOT IN (10, 11)", 12, True),
        ("n >= 9 AND n < 17 AND n NOT IN (10, 11)", "12", True),
        ("n >= 9 AND n < 17 AND n NOT IN (10, 11)", 11, False),
        ("n >= 9 AND n < 17 AND n NOT IN (10, 11)", 17, False),
        ("n LIKE '1%' AND n IN ('12', 'x') AND n <> '13'", "12", True),
        ("n LIKE '1%' AND n IN ('12', 'x') AND n <> '13'", "13", False),
        ("n LIKE '1%' AND n IN ('12', 'x') AND n <> '13'", 12, False),  # 'x' is no Integer
        # Alternatives cast the value to the literal's type, unlike IN.
        ("n = 'x' OR n = '12'", 12, True),
        ("n = 1 OR n = 12", "12", True),
        ("n = 1 OR n = 12", "x", False),  # 'x' casts to no Integer: an error
        ("n = 1 OR n = 12", 2**31, False),
        ("NOT (n = 'a' OR n = 'b')", None, False),
        ("NOT (n = 'a' OR n = 'b')", "c", True),
        ("(n = 'a' OR n = 'b') XOR n = 'a'", "b", True),
    ],
)
def test_edge_values_are_judged_as_evaluation_judges_them(
    expression: str, value: Any, expected: bool
) -> None:
    event = {"specversion": "1.0", "id": "1", "source": "urn:a", "type": "t", "n": value}
    compiled = compile_cesql(expression)
    assert compiled.matches(event) is expected, compiled.matches.source  # type: ignore[attr-defined]
    result, errors = compiled.evaluate(event)
    assert (result is True and not errors) is expected


class _Recording(Mapping[str, Any]):
    """An event that notes which attributes a filter reads."""

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return self.attributes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)


def test_an_and_chain_stops_at_its_cheapest_failing_check() -> None:
    compiled = compile_cesql("subject LIKE '%design%42%' AND category = 'audit' AND EXISTS type")
    event = _Recording({"subject": "design/42", "category": "system", "type": "t"})
    assert compiled.matches(event) is False
    # The equality and EXISTS cost less than the general LIKE: it is never reached.
    assert "subject" not in event.read
    assert compiled.matches(_Recording({**event.attributes, "category": "audit"})) is True


def test_an_attribute_that_an_and_chain_tests_twice_is_read_once() -> None:
    compiled = compile_cesql("severitynumber >= 9 AND type LIKE 'io.%' AND severitynumber < 17")
    event = _Recording({"severitynumber": 12, "type": "io.x"})
    assert compiled.matches(event) is True
    assert sorted(event.read) == ["severitynumber", "type"]
    assert compiled.matches(_Recording({"severitynumber": 17, "type": "io.x"})) is False


@pytest.mark.parametrize(
    ("spec", "event", "expected"),
    [
        # An error inside a `sql` filter makes that filter alone false, under `not` too.
        ([{"any": [{"sql": "n > 1"}, {"exact": {"s": "x"}}]}], {"n": "one", "s": "x"}, True),
        ([{"not": {"sql": "n > 1"}}], {"n": "one"}, True),
        ([{"not": {"sql": "n > 1"}}], {"n": 2}, False),
        ([{"sql": "n > 1 OR s = 'x' OR flag"}], {"n": 0, "s": "y", "flag": "true"}, True),
        ([{"sql": "n > 1 OR s = 'x' OR flag"}], {"n": 0, "s": "y", "flag": "no"}, False),
        ([{"sql": "n > 1 OR s = 'x' OR flag"}], {"n": 0, "flag": True}, False),  # s missing
        # An AND inside an OR: false when an operand is false, an error ends it all.
        ([{"sql": "(n > 1 AND s = 'x') OR flag"}], {"n": 0, "flag": True}, True),
        ([{"sql": "(n > 1 AND s = 'x') OR flag"}], {"n": 2, "flag": True}, False),  # no s
        ([{"sql": "(n > 1 AND s = 'x') OR flag"}], {"n": 2, "s": "x"}, True),  # flag unread
        ([{"sql": "(n > 1 AND s = 'x') OR flag"}], {"n": "two", "s": "x", "flag": True}, False),
        ([{"any": [{"exact": {"s": "x", "n": "2"}}, {"prefix": {"s": "y"}}]}], {"s": "y"}, True),
        ([{"any": [{"exact": {"s": "x", "n": "2"}}, {"prefix": {"s": "y"}}]}], {"s": "x"}, False),
    ],
)
def test_dialect_filters_and_or_chains_keep_their_error_rules(
    spec: Any, event: dict[str, Any], expected: bool
) -> None:
    from notifycenter.model.filters import compile_subscription_filters

    compiled = compile_subscription_filters(spec)
    event = {"specversion": "1.0", "id": "1", "source": "urn:a", "type": "t", **event}
    assert compiled.matches(event) is expected
    value, errors = compiled.evaluate(event)
    assert (value is True and not errors) is expected


def test_or_chains_and_sql_filters_compile_to_statements_without_an_error_list() -> None:
    """The fast form: no expression code that collects errors (a list per event)."""
    from notifycenter.model.filters import compile_subscription_filters

    chain = compile_cesql("n > 1 OR s = 'x' OR flag OR type LIKE 'io.%'")
    nested = compile_cesql("(n > 1 AND s = 'x') OR (flag AND NOT (s = 'y')) OR type = 'z'")
    dialect = compile_subscription_filters(
        [
            {"any": [{"sql": "n > 1"}, {"exact": {"s": "x", "type": "t"}}]},
            {"not": {"sql": "s LIKE 'a%'"}},
        ]
    )
    for compiled in (chain, nested, dialect):
        assert "errs" not in compiled.matches.source  # type: ignore[attr-defined]


def test_alternatives_of_one_attribute_read_it_once() -> None:
    compiled = compile_cesql("type = 'a' OR type = 'b' OR type = 'c' OR severitynumber > 5")
    event = _Recording({"type": "c", "severitynumber": 1})
    assert compiled.matches(event) is True
    assert event.read == ["type"]
    assert compiled.matches(_Recording({"type": "d", "severitynumber": 1})) is False
