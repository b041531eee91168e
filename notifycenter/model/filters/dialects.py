"""The Subscriptions API filter dialects (exact, prefix, suffix, all, any, not, sql) as a Filter.

Each dialect becomes a CESQL syntax tree, so one code generator and one SQL push-down
serve both. Two points keep the Subscriptions API's meaning rather than plain CESQL's:
exact/prefix/suffix on an absent attribute are simply false (CESQL would report a
missing-attribute error, which would make a surrounding `not` fail too), and each
`sql` filter is judged alone, its errors making only that filter false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from notifycenter.catalogue.filters import (
    CESQL_UNKNOWN_FUNCTION,
    INVALID_SUBSCRIPTION_FILTER,
    UNKNOWN_FILTER_DIALECT,
)
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters.filter import Filter, unknown_functions
from notifycenter.model.filters.nodes import (
    Attribute,
    Binary,
    Call,
    Exists,
    Guard,
    Like,
    Literal,
    Node,
    Not,
)
from notifycenter.model.filters.parser import parse
from notifycenter.model.filters.render import render
from notifycenter.model.filters.shape import combine

# Always present on a valid CloudEvent, so they need no EXISTS guard.
REQUIRED_ATTRIBUTES = frozenset({"specversion", "id", "source", "type"})
_ATTRIBUTE_NAME = re.compile(r"[a-z0-9]+")
MAX_NESTING = 32


def compile_subscription_filters(filters: list[Any] | dict[str, Any] | str) -> Filter:
    """A Filter from Subscriptions API filters: the JSON value or its text.

    A top-level array means all of its filters must match; an empty array matches
    everything. Malformed filters raise a catalogued `NotifyError` naming where.
    """
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except (ValueError, RecursionError) as exc:
            raise INVALID_SUBSCRIPTION_FILTER.error(
                f"the filter is not valid JSON: {exc}"
            ) from None
    tree = _all(filters, "filters") if isinstance(filters, list) else _one(filters, "filters")
    return Filter(render(tree), tree)


def _one(spec: Any, where: str) -> Node:
    if where.count(".") > MAX_NESTING:
        raise INVALID_SUBSCRIPTION_FILTER.error(
            f"{where[:60]}...: filters nest more than {MAX_NESTING} levels deep", path=where
        )
    if not isinstance(spec, dict) or len(spec) != 1:
        raise INVALID_SUBSCRIPTION_FILTER.error(
            f"{where}: a filter is an object with exactly one dialect key, got {_show(spec)}",
            path=where,
        )
    ((dialect, body),) = spec.items()
    build = _DIALECTS.get(dialect)
    if build is None:
        raise UNKNOWN_FILTER_DIALECT.error(
            f"{where}: unknown filter dialect {dialect!r}", path=where
        )
    return build(body, f"{where}.{dialect}")


def _all(items: Any, where: str, allow_empty: bool = True) -> Node:
    nodes = _list(items, where, allow_empty)
    return combine("AND", nodes) if nodes else Literal(True)


def _any(items: Any, where: str) -> Node:
    return combine("OR", _list(items, where, allow_empty=False))


def _list(items: Any, where: str, allow_empty: bool) -> list[Node]:
    if not isinstance(items, list) or (not items and not allow_empty):
        raise INVALID_SUBSCRIPTION_FILTER.error(
            f"{where}: expected a non-empty array of filters, got {_show(items)}", path=where
        )
    return [_one(item, f"{where}[{index}]") for index, item in enumerate(items)]


def _attribute_tests(body: Any, where: str, test: Callable[[Attribute, str], Node]) -> Node:
    if not isinstance(body, dict) or not body:
        raise INVALID_SUBSCRIPTION_FILTER.error(
            f"{where}: expected an object of attribute names and strings, got {_show(body)}",
            path=where,
        )
    nodes = []
    for name, value in body.items():
        if not isinstance(name, str) or not _ATTRIBUTE_NAME.fullmatch(name):
            raise INVALID_SUBSCRIPTION_FILTER.error(
                f"{where}: {name!r} is not a CloudEvents attribute name (lower-case a-z, 0-9)",
                path=where,
            )
        if not isinstance(value, str) or not value:
            raise INVALID_SUBSCRIPTION_FILTER.error(
                f"{where}.{name}: expected a non-empty string, got {_show(value)}",
                path=f"{where}.{name}",
            )
        node = test(Attribute(name), value)
        nodes.append(node if name in REQUIRED_ATTRIBUTES else Binary("AND", Exists(name), node))
    return combine("AND", nodes)


def escape_like(text: str) -> str:
    return text.replace("%", "\\%").replace("_", "\\_")


def starts_with(attribute: Attribute, value: str) -> Node:
    """`attribute` starts with `value`, case-sensitively."""
    if value.endswith("\\"):
        # LIKE cannot say "a backslash, then any text": \% would be a literal %.
        left = Call("LEFT", (attribute, Literal(len(value))), "str")
        return Binary("=", left, Literal(value))
    return Like(attribute, escape_like(value) + "%")


def _sql(body: Any, where: str) -> Node:
    if not isinstance(body, str) or not body.strip():
        raise INVALID_SUBSCRIPTION_FILTER.error(
            f"{where}: expected a CESQL expression string, got {_show(body)}", path=where
        )
    try:
        tree = parse(body)
        unknown = unknown_functions(tree)
        if unknown:  # refused as `filter=` refuses it: the call could never be true
            raise CESQL_UNKNOWN_FUNCTION.error(
                f"unknown function or wrong number of arguments: {', '.join(sorted(unknown))}",
                expression=body,
            )
        return Guard(tree)
    except NotifyError as exc:
        exc.long_description = [f"{where}: {d}" for d in exc.long_description]
        exc.extra["path"] = where
        raise


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_DIALECTS: dict[str, Callable[[Any, str], Node]] = {
    "exact": lambda body, where: _attribute_tests(
        body, where, lambda a, v: Binary("=", a, Literal(v))
    ),
    "prefix": lambda body, where: _attribute_tests(body, where, starts_with),
    "suffix": lambda body, where: _attribute_tests(
        body, where, lambda a, v: Like(a, "%" + escape_like(v))
    ),
    "all": lambda body, where: _all(body, where, allow_empty=False),
    "any": _any,
    "not": lambda body, where: Not(_one(body, where)),
    "sql": _sql,
}
