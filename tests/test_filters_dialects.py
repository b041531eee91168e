"""Subscriptions API filter dialects: meaning, CESQL rendering and rejection of bad filters."""

from __future__ import annotations

import json

import pytest

from notifycenter.catalogue.filters import (
    CESQL_PARSE,
    INVALID_SUBSCRIPTION_FILTER,
    UNKNOWN_FILTER_DIALECT,
)
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql, compile_subscription_filters

EVENT = {
    "specversion": "1.0",
    "id": "e1",
    "source": "urn:meshery:adapter:istio",
    "type": "io.meshery.provisioning.istio",
    "subject": "design/42",
    "severitynumber": 17,
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"exact": {"type": "io.meshery.provisioning.istio"}}, True),
        ({"exact": {"type": "io.meshery.provisioning.ISTIO"}}, False),  # case-sensitive
        (
            {"exact": {"type": "io.meshery.provisioning.istio", "subject": "design/1"}},
            False,
        ),  # all keys
        ({"exact": {"severitynumber": "17"}}, True),  # compared as text
        ({"prefix": {"source": "urn:meshery:"}}, True),
        ({"prefix": {"source": "urn:meshery:adapter:istio:"}}, False),
        ({"prefix": {"source": "urn%"}}, False),  # no wildcards in values
        ({"suffix": {"type": ".istio"}}, True),
        ({"suffix": {"type": "_istio"}}, False),
        ({"all": [{"prefix": {"type": "io."}}, {"suffix": {"type": ".istio"}}]}, True),
        ({"any": [{"exact": {"id": "x"}}, {"exact": {"id": "e1"}}]}, True),
        ({"not": {"exact": {"id": "e1"}}}, False),
        ({"sql": "severitynumber >= 17 AND subject LIKE 'design/%'"}, True),
        ([{"exact": {"id": "e1"}}, {"sql": "severitynumber < 10"}], False),  # an array is AND
        ([], True),
    ],
)
def test_dialects_match_as_specified(filters: object, expected: bool) -> None:
    assert compile_subscription_filters(filters).matches(EVENT) is expected


def test_filter_text_is_accepted() -> None:
    text = json.dumps([{"prefix": {"type": "io.meshery."}}])
    assert compile_subscription_filters(text).matches(EVENT)


def test_absent_attribute_is_false_not_an_error() -> None:
    # Plain CESQL would report a missing attribute and `NOT` would not match either.
    assert compile_subscription_filters({"not": {"exact": {"category": "audit"}}}).matches(EVENT)
    assert not compile_subscription_filters({"exact": {"category": "audit"}}).matches(EVENT)
    assert not compile_cesql("NOT (category = 'audit')").matches(EVENT)


def test_an_sql_filter_failing_alone_is_just_false() -> None:
    compiled = compile_subscription_filters({"not": {"sql": "traceparent = 'x'"}})
    assert compiled.matches(EVENT)
    assert compiled.evaluate(EVENT) == (True, [])


def test_backslash_before_the_end_of_a_prefix_is_literal() -> None:
    event = {**EVENT, "subject": "C:\\dir\\file"}
    assert compile_subscription_filters({"prefix": {"subject": "C:\\dir\\"}}).matches(event)
    assert not compile_subscription_filters({"prefix": {"subject": "C:\\dir%"}}).matches(event)


@pytest.mark.parametrize(
    "filters",
    [
        [
            {"exact": {"type": "io.meshery.provisioning.istio"}},
            {"not": {"prefix": {"subject": "x_"}}},
        ],
        {"any": [{"suffix": {"source": "%istio"}}, {"sql": "severitynumber >= 17"}]},
        {"all": [{"exact": {"subject": "it's"}}]},
    ],
)
def test_expression_is_equivalent_cesql(filters: object) -> None:
    compiled = compile_subscription_filters(filters)
    again = compile_cesql(compiled.expression)
    for event in (EVENT, {**EVENT, "subject": "it's"}, {**EVENT, "source": "x%istio"}):
        assert again.matches(event) is compiled.matches(event)


@pytest.mark.parametrize(
    ("filters", "code", "where"),
    [
        ({"exakt": {"type": "x"}}, UNKNOWN_FILTER_DIALECT.code, "filters"),
        (
            {"exact": {"type": "x"}, "prefix": {"type": "y"}},
            INVALID_SUBSCRIPTION_FILTER.code,
            "filters",
        ),
        ({"exact": {}}, INVALID_SUBSCRIPTION_FILTER.code, "filters.exact"),
        ({"exact": {"type": ""}}, INVALID_SUBSCRIPTION_FILTER.code, "filters.exact.type"),
        ({"prefix": {"": "x"}}, INVALID_SUBSCRIPTION_FILTER.code, "filters.prefix"),
        ({"suffix": {"Type": "x"}}, INVALID_SUBSCRIPTION_FILTER.code, "filters.suffix"),
        (
            {"exact": {"severitynumber": 17}},
            INVALID_SUBSCRIPTION_FILTER.code,
            "filters.exact.severitynumber",
        ),
        ({"all": []}, INVALID_SUBSCRIPTION_FILTER.code, "filters.all"),
        ({"any": {"exact": {"type": "x"}}}, INVALID_SUBSCRIPTION_FILTER.code, "filters.any"),
        ({"not": [{"exact": {"type": "x"}}]}, INVALID_SUBSCRIPTION_FILTER.code, "filters.not"),
        ([{"exact": {"id": "1"}}, {"sql": "type LIKE"}], CESQL_PARSE.code, "filters[1].sql"),
        ([{"any": [{"sql": 5}]}], INVALID_SUBSCRIPTION_FILTER.code, "filters[0].any[0].sql"),
        ('[{"exact":', INVALID_SUBSCRIPTION_FILTER.code, None),
        (42, INVALID_SUBSCRIPTION_FILTER.code, "filters"),
    ],
)
def test_malformed_filters_are_rejected_with_where(
    filters: object, code: str, where: str | None
) -> None:
    with pytest.raises(NotifyError) as raised:
        compile_subscription_filters(filters)  # type: ignore[arg-type]
    assert raised.value.code == code
    if where is not None:
        assert raised.value.extra["path"] == where
        assert raised.value.message.count(where) >= 1


def test_deep_nesting_is_refused() -> None:
    filters: dict = {"exact": {"id": "e1"}}
    for _ in range(40):
        filters = {"not": filters}
    with pytest.raises(NotifyError) as raised:
        compile_subscription_filters(filters)
    assert raised.value.code == INVALID_SUBSCRIPTION_FILTER.code and "deep" in raised.value.message


def test_many_alternatives_are_fine() -> None:
    compiled = compile_subscription_filters(
        {"any": [{"exact": {"id": f"x{n}"}} for n in range(500)]}
    )
    assert compiled.matches({**EVENT, "id": "x499"}) and not compiled.matches(EVENT)
