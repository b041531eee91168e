"""`Filter`: a compiled CESQL expression, and `compile_cesql`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from notifycenter.catalogue.filters import CESQL_UNKNOWN_FUNCTION
from notifycenter.model.filters import functions, limits
from notifycenter.model.filters.codegen import Evaluator, build, unexpected
from notifycenter.model.filters.fold import fold
from notifycenter.model.filters.matchgen import build_matches
from notifycenter.model.filters.nodes import Call, Node, children
from notifycenter.model.filters.parser import parse
from notifycenter.model.filters.shape import balance
from notifycenter.model.filters.sql import Dialect, SqlPushdown, to_sql
from notifycenter.model.filters.values import CesqlError, Value


class Filter:
    """A predicate over CloudEvents in their JSON form, compiled once, evaluated many times.

    `matches(event)` is the Subscriptions API answer: true only when the expression
    evaluates to the boolean true without any error. `evaluate(event)` returns the
    value and the errors, as the CESQL TCK expects.
    """

    __slots__ = ("_evaluate", "expression", "matches", "tree", "unknown_functions")
    expression: str  # CESQL text (for dialect and quick filters, an equivalent rendering)
    tree: Node
    matches: Callable[[Mapping[str, Any]], bool]
    unknown_functions: tuple[str, ...]  # "NAME/arity" of calls that will report missingFunction

    def __init__(self, expression: str, tree: Node) -> None:
        self.expression = expression
        balanced = balance(tree)
        limits.check(balanced, expression)
        self.tree = fold(balanced)
        self._evaluate: Evaluator | None = None  # built on first use: hubs only match
        self.matches = build_matches(self.tree)
        self.unknown_functions = tuple(sorted(unknown_functions(tree)))

    def evaluate(self, event: Mapping[str, Any]) -> tuple[Value, list[CesqlError]]:
        errors: list[CesqlError] = []
        if self._evaluate is None:
            self._evaluate = build(self.tree, precise=True)
        try:
            value = self._evaluate(event, errors)
        except Exception as exc:  # a filter must never fail its caller
            errors.append(unexpected(exc))
            return False, errors
        return value, errors

    def to_sql(
        self,
        columns: Mapping[str, str],
        types: Mapping[str, str] | None = None,
        dialect: Dialect = "sqlite",
    ) -> SqlPushdown:
        """An SQLite WHERE clause deciding as much of the filter as the columns allow.

        `columns` maps attribute names to SQL column expressions holding the attribute's
        value or NULL when absent; `types` says which of them hold integers ("int"), by
        default only `severitynumber`; the others hold text with BINARY collation.
        When `exact` is false the caller re-checks each row with `matches`. `dialect`
        "postgresql" writes it for PostgreSQL, its text columns collated "C".
        """
        return to_sql(self.tree, columns, types, dialect)

    def __repr__(self) -> str:
        return f"Filter({self.expression!r})"


def compile_cesql(expression: str, *, strict: bool = False) -> Filter:
    """Compile CESQL text. A parse error raises a catalogued `NotifyError` with its column.

    A call to an unknown function is, per the spec, an evaluation error (the call is
    false); with `strict=True` it is refused at compile time instead, as a hub should.
    """
    compiled = Filter(expression, parse(expression))
    if strict and compiled.unknown_functions:
        names = ", ".join(compiled.unknown_functions)
        raise CESQL_UNKNOWN_FUNCTION.error(
            f"unknown function or wrong number of arguments: {names}", expression=expression
        )
    return compiled


def unknown_functions(node: Node) -> set[str]:
    """ "NAME/arity" of every call in `node` that matches no built-in function."""
    found: set[str] = set()
    if isinstance(node, Call) and functions.lookup(node.name, len(node.args)) is None:
        found.add(f"{node.name}/{len(node.args)}")
    for child in children(node):
        found |= unknown_functions(child)
    return found
