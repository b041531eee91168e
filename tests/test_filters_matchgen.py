"""The compiled `matches` (statements returning at the first failing condition) says what
full evaluation says: true exactly when the expression is the boolean true without any
error, for any expression and any event, hostile values included."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql, compile_subscription_filters
from tests.filters_strategies import dialect_filters, events, expressions, predicates
from tests.hypothesis_profiles import examples

EVENT = {"specversion": "1.0", "id": "1", "source": "urn:a", "type": "io.x"}


def agrees(expression: str, event: dict[str, Any]) -> None:
    try:
        compiled = compile_cesql(expression)
    except NotifyError:
        return  # text that does not parse: nothing to match
    value, errors = compiled.evaluate(event)
    assert compiled.matches(event) is (value is True and not errors), getattr(
        compiled.matches, "source", ""
    )


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(expressions, predicates), st.lists(events(hostile=True), min_size=1, max_size=4))
def test_matches_is_true_exactly_when_evaluation_is_true_without_errors(
    expression: str, batch: list[dict[str, Any]]
) -> None:
    for event in batch:
        agrees(expression, event)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialect_filters, st.lists(events(), min_size=1, max_size=4))
def test_dialect_filters_match_as_their_cesql_evaluates(
    spec: Any, batch: list[dict[str, Any]]
) -> None:
    try:
        compiled = compile_subscription_filters(spec)
    except NotifyError:
        return
    for event in batch:
        value, errors = compiled.evaluate(event)
        assert compiled.matches(event) is (value is True and not errors)


@pytest.mark.parametrize(
    ("expression", "event", "expected"),
    [
        # A missing attribute is an error: the whole filter is false, even under NOT.
        ("NOT (category = 'audit')", EVENT, False),
        ("severitynumber >= 13 OR source = 'urn:a'", EVENT, False),
        ("source = 'urn:a' OR severitynumber >= 13", EVENT, True),  # never read
        ("source = 'urn:b' AND severitynumber >= 13", EVENT, False),
        ("NOT (source = 'urn:a' AND type = 'io.x')", EVENT, False),
        ("NOT (source = 'urn:b' AND severitynumber >= 13)", EVENT, True),  # never read
        # Text that casts is cast; text that does not is an error; 2^31 is text.
        ("severitynumber >= 13", {**EVENT, "severitynumber": "13"}, True),
        ("severitynumber >= 13", {**EVENT, "severitynumber": "x"}, False),
        ("NOT (severitynumber < 13)", {**EVENT, "severitynumber": 2**31}, False),
        ("severitynumber = 1", {**EVENT, "severitynumber": True}, True),
        # IN casts every member to the value's type: one that cannot be cast is an error.
        ("type IN ('io.x', 'io.y')", EVENT, True),
        ("severitynumber IN (13, 'x')", {**EVENT, "severitynumber": 13}, False),
        ("flag OR severitynumber > 1", {**EVENT, "flag": "true"}, True),
        ("flag OR source = 'urn:b'", {**EVENT, "flag": False}, False),
        ("flag OR source = 'urn:a'", {**EVENT, "flag": "false"}, True),
        ("NOT (flag AND source = 'urn:b')", {**EVENT, "flag": "FALSE"}, True),
        ("NOT (flag AND source = 'urn:a')", {**EVENT, "flag": 1}, False),  # 1 is no Boolean
        ("flag AND source LIKE 'urn:%'", {**EVENT, "flag": "yes"}, False),
        ("data = 'x' OR TRUE", {**EVENT, "data": "x"}, False),  # the payload is no attribute
    ],
)
def test_matches_follows_the_error_rules(
    expression: str, event: dict[str, Any], expected: bool
) -> None:
    assert compile_cesql(expression).matches(event) is expected
    agrees(expression, event)


def test_a_deep_chain_of_alternatives_compiles() -> None:
    expression = " OR ".join(
        f"(severitynumber = {n} AND NOT (type = 'io.{n}'))" for n in range(200)
    )
    compiled = compile_cesql(expression)
    assert compiled.matches({**EVENT, "severitynumber": 199})
    assert not compiled.matches({**EVENT, "severitynumber": 199, "type": "io.199"})
