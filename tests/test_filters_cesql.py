"""CESQL behaviour beyond the TCK: errors an operator sees, precedence, limits, agreement
between the fast matcher and the full evaluation."""

from __future__ import annotations

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from notifycenter.catalogue.filters import CESQL_PARSE, CESQL_TOO_COSTLY, CESQL_UNKNOWN_FUNCTION
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import CesqlError, compile_cesql
from notifycenter.model.filters.parser import parse
from notifycenter.model.filters.render import render
from notifycenter.model.filters.values import to_bool
from tests.hypothesis_profiles import examples

EVENT = {
    "specversion": "1.0",
    "id": "e1",
    "source": "urn:meshery:adapter:istio",
    "type": "io.meshery.provisioning.istio",
    "severitynumber": 17,
    "severitytext": "ERROR",
    "category": "system",
    "subject": "design/42",
    "data": {"summary": "not visible to CESQL"},
}


def kinds(expression: str, event: dict = EVENT) -> list[str]:
    return [e.kind for e in compile_cesql(expression).evaluate(event)[1]]


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("severitynumber >= ", 19),
        ("source LIKE 'abc", 13),
        ("a = = b", 5),
        ("x LIKE 5", 8),
        ("(TRUE", 6),
        ("2147483648 = x", 1),
        ("a & b", 3),
    ],
)
def test_parse_errors_name_the_column(expression: str, column: int) -> None:
    with pytest.raises(NotifyError) as raised:
        compile_cesql(expression)
    error = raised.value
    assert error.code == CESQL_PARSE.code
    assert error.extra["column"] == column
    assert f"column {column}" in error.message
    assert error.to_dict()["code"] == CESQL_PARSE.code


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("x LIKE 5", "expected a quoted string"),
        ("source = 'abc", "string starting here is not closed"),
        ("LOWER(source", "ends too early"),
        ("x = 99999999999", "outside the 32-bit range"),
    ],
)
def test_parse_errors_say_why(expression: str, why: str) -> None:
    with pytest.raises(NotifyError) as raised:
        compile_cesql(expression)
    assert why in raised.value.message


def test_keywords_functions_and_attribute_names_ignore_case() -> None:
    assert compile_cesql("Exists SUBJECT and lower(SOURCE) like 'urn:%'").matches(EVENT)


def test_data_is_not_an_attribute() -> None:
    assert compile_cesql("EXISTS data").evaluate(EVENT) == (False, [])
    assert kinds("data = 'x'") == ["missingAttribute"]
    assert compile_cesql("NOT EXISTS summary").matches(EVENT)


def test_missing_attribute_is_reported_and_does_not_match() -> None:
    f = compile_cesql("traceparent = 'x' OR severitynumber > 1")
    value, errors = f.evaluate(EVENT)
    assert (value, [e.kind for e in errors]) == (False, ["missingAttribute"])
    assert "traceparent" in errors[0].message
    assert not f.matches(EVENT)


def test_errors_convert_to_catalogued_errors() -> None:
    error = compile_cesql("1 / 0").evaluate(EVENT)[1][0]
    assert isinstance(error, CesqlError)
    body = error.to_error().to_dict()
    assert body["code"].startswith("notifycenter-13") and body["kind"] == "math"


def test_short_circuit_skips_the_right_operand() -> None:
    assert kinds("EXISTS traceparent AND traceparent = 'x'") == []
    assert compile_cesql("NOT EXISTS traceparent OR traceparent = 'x'").matches(EVENT)


def test_and_or_xor_share_one_level_left_to_right() -> None:
    # spec §3.6: (TRUE OR FALSE) AND FALSE, not TRUE OR (FALSE AND FALSE)
    assert compile_cesql("TRUE OR FALSE AND FALSE").evaluate(EVENT) == (False, [])


def test_not_binds_tighter_than_comparison() -> None:
    _value, errors = compile_cesql("NOT category = 'system'").evaluate(EVENT)
    assert [e.kind for e in errors] == ["cast"]  # (NOT category) = 'system'
    assert compile_cesql("NOT (category = 'audit')").matches(EVENT)


@pytest.mark.parametrize(
    ("expression", "value", "error_kinds"),
    [
        ("2147483647 + 1", 2147483647, ["math"]),
        ("-2147483648 - 1", -2147483648, ["math"]),
        ("-7 / 2", -3, []),
        ("-7 % 2", -1, []),
        ("7 % -2", 1, []),
        ("'12' * 2", 24, []),
        ("' 12' * 2", 0, ["cast"]),
        ("'1_000' = 1000", False, ["cast"]),
        ("'99999999999' = 1", False, ["cast"]),
        ("TRIM(CONCAT('\u3000 a', '\x1f'))", "a\x1f", []),  # str.strip() would drop \x1f
        ("LOWER('ÄB')", "äb", []),
        ("LENGTH('日本')", 2, []),
        ("SUBSTRING('abc', 3, 5)", "c", []),
        ("SUBSTRING('abc', 1, -1)", "", ["functionEvaluation"]),
        ("IS_INT('-12') AND NOT IS_INT('1.5') AND IS_BOOL('False')", True, []),
        ("BOOL(0) = FALSE AND BOOL(7)", True, []),
        ("NOPE(1)", False, ["missingFunction"]),
        ("LENGTH(1, 2)", False, ["missingFunction"]),
        ("'a%c' LIKE 'a\\%c' AND 'aXc' NOT LIKE 'a\\%c'", True, []),
        ("'a\nb' LIKE 'a_b' AND 'x\ny' LIKE 'x%'", True, []),
        ("'ABC' LIKE 'abc'", False, []),
        ("severitynumber IN ('17', 'x')", True, ["cast"]),
        ("severitynumber IN (source, 17)", True, ["cast"]),
    ],
)
def test_evaluation(expression: str, value: object, error_kinds: list[str]) -> None:
    result, errors = compile_cesql(expression).evaluate(EVENT)
    assert (type(result), result) == (type(value), value)
    assert [e.kind for e in errors] == error_kinds


@pytest.mark.parametrize(
    ("attributes", "expression", "expected"),
    [
        ({"flag": True}, "flag", True),
        ({"flag": True}, "flag = 'true'", True),
        ({"count": 3}, "count = '3' AND count + 1 = 4", True),
        ({"count": 3.5}, "count = '3.5'", True),  # not a CESQL type: a String
        ({"hop": "5", "ttl": "10"}, "hop < ttl", True),
        ({"hop": "5", "ttl": "10"}, "hop = ttl", False),
        ({"a": "x", "b": "x"}, "a IN (b)", True),
    ],
)
def test_attribute_types(attributes: dict, expression: str, expected: bool) -> None:
    assert compile_cesql(expression).matches({**EVENT, **attributes}) is expected


def test_a_value_that_is_not_a_boolean_never_matches() -> None:
    assert compile_cesql("source").evaluate(EVENT) == (EVENT["source"], [])
    assert not compile_cesql("source").matches(EVENT)
    assert not compile_cesql("1").matches(EVENT)


def test_strict_compile_refuses_unknown_functions() -> None:
    assert compile_cesql("LEN(source) > 1").unknown_functions == ("LEN/1",)
    with pytest.raises(NotifyError) as raised:
        compile_cesql("LEN(source) > 1", strict=True)
    assert raised.value.code == CESQL_UNKNOWN_FUNCTION.code and "LEN/1" in raised.value.message


def test_constant_parts_are_folded_but_keep_their_errors() -> None:
    assert compile_cesql("severitynumber > 2 * 5").tree == compile_cesql("severitynumber > 10").tree
    assert kinds("severitynumber > 1 / 0") == ["math"]


# -- properties: the fast matcher agrees with full evaluation; rendering round-trips ----

ATTRIBUTES = ["severitynumber", "source", "category", "subject", "missing", "flag", "count"]
LITERALS = ["13", "0", "-5", "'audit'", "'urn:meshery:adapter:%'", "TRUE", "false", "'13'", "''"]


def _expressions() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(ATTRIBUTES + LITERALS + ["EXISTS subject", "EXISTS missing"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(
            inner,
            st.sampled_from(["AND", "OR", "XOR", "=", "<>", "<", ">=", "+", "-", "*", "/", "%"]),
            inner,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(["NOT ", "-"]), inner).map(lambda t: f"{t[0]}({t[1]})")
        like = st.tuples(inner, st.sampled_from(["'urn:%'", "'%a%'", "'s_stem'", "'%'"])).map(
            lambda t: f"({t[0]} LIKE {t[1]})"
        )
        member = st.tuples(inner, st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"({t[0]} IN ({', '.join(t[1])}))"
        )
        call = st.tuples(
            st.sampled_from(["LENGTH", "LOWER", "INT", "BOOL", "ABS", "STRING"]), inner
        ).map(lambda t: f"{t[0]}({t[1]})")
        return st.one_of(binary, unary, like, member, call)

    return st.recursive(atoms, extend, max_leaves=8)


EVENTS = [
    EVENT,
    {**EVENT, "severitynumber": 13, "category": "audit", "flag": False, "count": 0},
    {
        "specversion": "1.0",
        "id": "2",
        "source": "https://x",
        "type": "t",
        "severitynumber": "13",
        "flag": "TRUE",
    },
]


@settings(max_examples=examples(300), deadline=None)
@given(_expressions())
def test_matches_agrees_with_evaluate(expression: str) -> None:
    try:
        compiled = compile_cesql(expression)
    except NotifyError as refused:  # e.g. LOWER(LOWER(LOWER(x))): beyond the cost bound
        assert refused.code == CESQL_TOO_COSTLY.code, refused
        reject()
    for event in EVENTS:
        value, errors = compiled.evaluate(event)
        assert compiled.matches(event) is (value is True and not errors)


@settings(max_examples=examples(200), deadline=None)
@given(_expressions())
def test_rendering_parses_back_to_the_same_tree(expression: str) -> None:
    tree = parse(expression)
    assert parse(render(tree)) == tree


def test_long_chains_compile_and_evaluate() -> None:
    terms = [f"subject <> 'cluster/{n}'" for n in range(300)]
    compiled = compile_cesql(" AND ".join(terms))
    assert compiled.matches(EVENT)
    assert not compile_cesql(" AND ".join([*terms, "subject = 'x'"])).matches(EVENT)
    assert compile_cesql(" OR ".join(reversed(terms)) + " OR missing = 1").evaluate(EVENT) == (
        True,
        [],
    )


@pytest.mark.parametrize(
    "expression", ["NOT " * 100 + "TRUE", "+".join(["1"] * 200), "x = '" + "a" * 20000 + "'"]
)
def test_too_deep_or_too_long_is_a_parse_error(expression: str) -> None:
    with pytest.raises(NotifyError) as raised:
        compile_cesql(expression)
    assert raised.value.code == CESQL_PARSE.code


def test_parse_error_in_a_multi_line_expression_names_the_line() -> None:
    with pytest.raises(NotifyError) as raised:
        compile_cesql("severitynumber >= 13\nAND source LIKE 'urn:%'\nAND NOT (category = )")
    assert (raised.value.extra["line"], raised.value.extra["column"]) == (3, 21)
    assert "line 3, column 21" in raised.value.message


def _nested_reference(op: str, leaves: list[str], event: dict) -> tuple[object, list[str]]:
    """((l1 op l2) op l3) … evaluated node by node as spec §3.3 says, as an oracle."""

    def node(k: int) -> tuple[object, list[str]]:
        if k == 1:
            value, errors = compile_cesql(leaves[0]).evaluate(event)
            return value, [e.kind for e in errors]
        left, errors = node(k - 1)
        if errors:  # an operand reported an error: this operator returns false
            return False, errors
        own: list[CesqlError] = []
        left = to_bool(left, own)
        errors = [e.kind for e in own]
        if (op == "AND" and not left) or (op == "OR" and left):
            return left, errors
        right, right_errors = compile_cesql(leaves[k - 1]).evaluate(event)
        if right_errors:
            return False, errors + [e.kind for e in right_errors]
        right = to_bool(right, own)
        errors = [e.kind for e in own]
        return (left != right if op == "XOR" else right), errors

    return node(len(leaves))


@settings(max_examples=examples(200), deadline=None)
@given(
    st.sampled_from(["AND", "OR", "XOR"]),
    st.lists(
        st.sampled_from(
            [
                "TRUE",
                "FALSE",
                "missing = 1",
                "flag",
                "1 / 0 = 0",
                "severitynumber > 13",
                "category = 'system'",
                "NOT 10",
                "count",
                "'x'",
            ]
        ),
        min_size=2,
        max_size=7,
    ),
)
def test_logic_chains_evaluate_as_left_to_right_nesting(op: str, leaves: list[str]) -> None:
    compiled = compile_cesql(f" {op} ".join(leaves))
    for event in EVENTS:
        value, errors = compiled.evaluate(event)
        assert (value, [e.kind for e in errors]) == _nested_reference(op, leaves, event)
        assert compiled.matches(event) is (value is True and not errors)


@pytest.mark.parametrize(
    ("expression", "value", "error_kinds"),
    [
        ("'x' OR TRUE OR TRUE", False, ["cast"]),  # balanced, 'x' OR (TRUE OR TRUE) would be true
        ("TRUE XOR TRUE XOR TRUE XOR 0", True, ["cast"]),
        ("TRUE XOR 0 XOR TRUE", False, ["cast"]),
    ],
)
def test_chain_errors_follow_the_left_to_right_nesting(
    expression: str, value: bool, error_kinds: list[str]
) -> None:
    result, errors = compile_cesql(expression).evaluate(EVENT)
    assert (result, [e.kind for e in errors]) == (value, error_kinds)


_PIECES = [
    *list("ab1 ()'\"\\%_-+*/=<>!,"),
    " AND ",
    " OR ",
    "NOT ",
    " IN ",
    " LIKE ",
    "EXISTS ",
    "TRUE",
    "LEFT",
    "2147483648",
    "severitynumber",
]


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_any_text_compiles_or_raises_a_catalogued_error(text: str) -> None:
    try:
        compiled = compile_cesql(text)
    except NotifyError as error:
        assert error.code == CESQL_PARSE.code
        return
    for event in EVENTS:
        compiled.evaluate(event)
        compiled.matches(event)
