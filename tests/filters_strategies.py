"""Hypothesis strategies for filter tests: CESQL expressions as text, and events.

Expressions are built as text from the whole grammar (every operator, LIKE patterns
with wildcards and escapes, IN lists, EXISTS, known and unknown functions, literals at
the 32-bit edges) so that parse errors are generated too. Attribute names come from a
small pool shared with the events, so that expressions read attributes that exist.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from notifycenter.model.filters.functions import NAMES
from notifycenter.model.filters.render import quote

ATTRIBUTES = ("subject", "source", "type", "severitynumber", "category", "flag", "n", "missing")
BINARY_OPS = ("AND", "OR", "XOR", "=", "!=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%")

# Text that exercises casts: digits, signs, true/false, wildcard characters, quotes.
_PIECES = ("0", "1", "7", "-", "+", "true", "FALSE", "a", "b", "%", "_", "\\", "'", " ", "é", "ß")
# No control characters: a hub refuses them in attributes (hostile events add them).
text_values = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join) | st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=6
)
int_values = st.sampled_from([0, 1, -1, 7, 13, 2**31 - 1, -(2**31)]) | st.integers(-50, 50)
like_patterns = st.lists(
    st.sampled_from(("a", "b", "%", "_", "\\%", "\\_", "\\", "ab")), max_size=8
).map("".join)


def _literal() -> st.SearchStrategy[str]:
    return st.one_of(
        int_values.map(str),
        text_values.map(quote),
        st.sampled_from(["TRUE", "FALSE", "2147483648", "-2147483648", "00012", "9" * 5000]),
        st.sampled_from(["1" * 5000, "0" * 5000 + "1", "-0", "017"]).map(quote),
    )


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    function_names = st.sampled_from([*NAMES, "NOPE"])
    return st.one_of(
        st.tuples(inner, st.sampled_from(BINARY_OPS), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"NOT ({x})"),
        inner.map(lambda x: f"-({x})"),
        st.tuples(inner, st.booleans(), like_patterns).map(
            lambda t: f"({t[0]}) {'NOT ' if t[1] else ''}LIKE {quote(t[2])}"
        ),
        st.tuples(inner, st.booleans(), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"({t[0]}) {'NOT ' if t[1] else ''}IN ({', '.join(t[2])})"
        ),
        st.tuples(function_names, st.lists(inner, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
    )


expressions: st.SearchStrategy[str] = st.recursive(
    st.one_of(
        st.sampled_from(ATTRIBUTES),
        st.sampled_from(ATTRIBUTES).map(lambda a: f"EXISTS {a}"),
        _literal(),
    ),
    _compound,
    max_leaves=12,
)


def _event_value() -> st.SearchStrategy[Any]:
    return st.one_of(text_values, int_values, st.booleans())


@st.composite
def events(draw: st.DrawFn, hostile: bool = False) -> dict[str, Any]:
    """A valid CloudEvent; `hostile` adds values no hub accepts but a caller might pass."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": draw(st.text("abc123", min_size=1, max_size=6)),
        "source": draw(st.sampled_from(["urn:a", "urn:a:b", "urn:b", "true", "17"])),
        "type": draw(st.sampled_from(["io.x", "io.x.y", "io.z"])),
    }
    if draw(st.booleans()):
        event["severitynumber"] = draw(st.integers(1, 24))
    for name in ("category", "flag", "n"):
        if draw(st.booleans()):
            event[name] = draw(st.booleans() if name == "flag" else _event_value())
    if draw(st.booleans()):
        event["subject"] = draw(text_values.filter(bool))
    if hostile:
        for name in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3)):
            event[name] = draw(
                st.one_of(
                    st.integers(),
                    st.just(10**5000),
                    st.just("9" * 5000),
                    st.just("0" * 5000 + "1"),
                    st.floats(),
                    st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                    st.text(),
                )
            )
    return event


# Filters as people write them: comparisons of attributes with values events hold, so
# that random filters select some events and leave others.
_ATTRIBUTE_LITERALS = st.one_of(
    st.sampled_from(["'urn:a'", "'urn:a:b'", "'true'", "'io.x'", "'17'", "'a'", "''"]),
    st.sampled_from(["1", "7", "9", "13", "17", "21", "TRUE", "FALSE"]),
    text_values.map(quote),
)
_COMPARISONS = ("=", "<>", "<", ">=")


def _predicate_atom() -> st.SearchStrategy[str]:
    attribute = st.sampled_from(ATTRIBUTES)
    return st.one_of(
        st.tuples(attribute, st.sampled_from(_COMPARISONS), _ATTRIBUTE_LITERALS).map(" ".join),
        st.tuples(attribute, st.sampled_from(["urn:%", "%a", "_rn%", "ex%x%", "%", "io._"])).map(
            lambda t: f"{t[0]} LIKE {quote(t[1])}"
        ),
        st.tuples(attribute, st.lists(_ATTRIBUTE_LITERALS, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} IN ({', '.join(t[1])})"
        ),
        attribute.map(lambda a: f"EXISTS {a}"),
        attribute,
        st.just("flag"),  # a boolean attribute alone is a whole filter
    )


predicates: st.SearchStrategy[str] = st.recursive(
    _predicate_atom(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR", "XOR"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"NOT ({x})"),
    ),
    max_leaves=4,
)


# Subscriptions API filters (exact, prefix, suffix, all, any, not, sql) over the same pool.
_DIALECT_VALUES = st.sampled_from(
    ["urn:a", "urn:", "io.x", "ex", ".x", "true", "a", "%", "_", "\\"]
)
_dialect_leaf = st.one_of(
    st.tuples(
        st.sampled_from(["exact", "prefix", "suffix"]),
        st.dictionaries(st.sampled_from(ATTRIBUTES), _DIALECT_VALUES, min_size=1, max_size=2),
    ).map(lambda t: {t[0]: t[1]}),
    predicates.map(lambda p: {"sql": p}),
)
dialect_filters: st.SearchStrategy[Any] = st.recursive(
    _dialect_leaf,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=4,
) | st.lists(_dialect_leaf, max_size=2)
