"""Push a compiled filter down into an SQLite WHERE clause.

CESQL has errors where SQL has NULL, and an error anywhere means "no match" even
under NOT, so a node cannot be translated to one SQL boolean. Each boolean node is
translated into two conditions instead: `t`, "evaluates to true without error", and
`f`, "evaluates to false without error". NOT swaps them, AND/OR/XOR combine them
without SQL's NOT, so a NULL (missing column) can only ever make a condition
not-true, exactly like the CESQL error it stands for. A node that cannot be
translated becomes t = f = "1" (a superset), and the result is then marked inexact:
the caller re-checks each row with `Filter.matches`.

LIKE becomes GLOB, which is case-sensitive like CESQL (SQLite's LIKE is not).

`dialect="postgresql"` writes the same conditions for PostgreSQL: booleans rather than
1 and 0, LIKE (case-sensitive there) rather than GLOB, lower() rather than NOCASE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from typing import Literal as Choice

from notifycenter.model.filters.like import glob_pattern, pg_like_pattern
from notifycenter.model.filters.nodes import (
    EQUALITY_OPS,
    HIDDEN_ATTRIBUTES,
    ORDER_OPS,
    Attribute,
    Binary,
    Exists,
    Guard,
    In,
    Like,
    Literal,
    Node,
    Not,
)
from notifycenter.model.filters.values import CesqlError, TypeName, cast

DEFAULT_TYPES: Mapping[str, str] = {"severitynumber": "int"}
# The decimal text of an integer, as CESQL casts one to a string (at most 10 digits,
# so that int() never meets Python's 4,300-digit limit).
_CANONICAL_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,9})")


@dataclass(frozen=True)
class SqlPushdown:
    where: str
    params: list[Any] = field(default_factory=list)
    exact: bool = True


@dataclass(frozen=True)
class _Cond:
    sql: str
    params: tuple[Any, ...] = ()


TRUE, FALSE = _Cond("1"), _Cond("0")


@dataclass(frozen=True)
class _Pair:
    t: _Cond
    f: _Cond
    exact: bool = True


UNKNOWN = _Pair(TRUE, TRUE, exact=False)
ALWAYS_ERROR = _Pair(FALSE, FALSE)


def _and(a: _Cond, b: _Cond) -> _Cond:
    if a == FALSE or b == FALSE:
        return FALSE
    if a == TRUE:
        return b
    if b == TRUE:
        return a
    return _Cond(f"({a.sql} AND {b.sql})", a.params + b.params)


def _or(a: _Cond, b: _Cond) -> _Cond:
    if a == TRUE or b == TRUE:
        return TRUE
    if a == FALSE:
        return b
    if b == FALSE:
        return a
    return _Cond(f"({a.sql} OR {b.sql})", a.params + b.params)


Dialect = Choice["sqlite", "postgresql"]
_PG_CONSTANTS = {"1": "TRUE", "0": "FALSE"}


def to_sql(
    tree: Node,
    columns: Mapping[str, str],
    types: Mapping[str, str] | None = None,
    dialect: Dialect = "sqlite",
) -> SqlPushdown:
    translator = _Translator(columns, types if types is not None else DEFAULT_TYPES, dialect)
    if isinstance(tree, Literal):
        return translator.done(TRUE if tree.value is True else FALSE, True)
    if tree.static_type in ("int", "str"):  # a number or a string never matches
        return translator.done(FALSE, True)
    cond, exact = translator.whole(tree)
    return translator.done(cond, exact)


_NEGATED = {"=": "<>", "!=": "=", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_MIRRORED = {"=": "=", "!=": "!=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _Translator:
    def __init__(
        self, columns: Mapping[str, str], types: Mapping[str, str], dialect: Dialect = "sqlite"
    ) -> None:
        self.columns = {name: col for name, col in columns.items() if name not in HIDDEN_ATTRIBUTES}
        self.types = types
        self.pg = dialect == "postgresql"

    def constant(self, cond: _Cond) -> str:
        """A condition's SQL; TRUE and FALSE are spelled as booleans on PostgreSQL."""
        return _PG_CONSTANTS.get(cond.sql, cond.sql) if self.pg else cond.sql

    def done(self, cond: _Cond, exact: bool) -> SqlPushdown:
        return SqlPushdown(self.constant(cond), list(cond.params), exact)

    def column(self, node: Node) -> tuple[str, TypeName] | None:
        if isinstance(node, Attribute) and node.name in self.columns:
            kind: TypeName = "int" if self.types.get(node.name) == "int" else "str"
            return self.columns[node.name], kind
        return None

    def pair(self, node: Node) -> _Pair:
        if isinstance(node, Literal):
            probe: list[CesqlError] = []
            value = cast(node.value, "bool", probe)
            return ALWAYS_ERROR if probe else _Pair(TRUE, FALSE) if value else _Pair(FALSE, TRUE)
        if isinstance(node, Not):
            inner = self.pair(node.operand)
            return _Pair(inner.f, inner.t, inner.exact)
        if isinstance(node, Binary) and node.op in ("AND", "OR", "XOR"):
            return self.logic(node)
        if isinstance(node, Binary) and (node.op in EQUALITY_OPS or node.op in ORDER_OPS):
            return self.comparison(node)
        if isinstance(node, Exists) and node.name in self.columns:
            col = self.columns[node.name]
            return _Pair(_Cond(f"{col} IS NOT NULL"), _Cond(f"{col} IS NULL"))
        if isinstance(node, Attribute):
            return self.truth(node)
        if isinstance(node, Like):
            return self.like(node)
        if isinstance(node, In):
            return self.membership(node)
        if isinstance(node, Guard):
            t, exact = self.whole(node.inner)
            if not exact:
                return UNKNOWN
            if self.pg:
                return _Pair(t, _Cond(f"NOT COALESCE({self.constant(t)}, FALSE)", t.params))
            return _Pair(t, _Cond(f"NOT COALESCE({t.sql}, 0)", t.params))
        return UNKNOWN

    def whole(self, node: Node) -> tuple[_Cond, bool]:
        """When a whole filter matches: its value is the boolean true itself, no error.

        Only an attribute's value can be of any type; an operand is cast to a boolean
        (`pair`), a whole filter is not: a column holds text or an integer, so it never
        matches alone, and another attribute is left to Python.
        """
        if isinstance(node, Attribute):
            return (FALSE, True) if self.column(node) else (TRUE, False)
        pair = self.pair(node)
        return pair.t, pair.exact

    def logic(self, node: Binary) -> _Pair:
        x, y = self.pair(node.left), self.pair(node.right)
        exact = x.exact and y.exact
        if node.op == "AND":  # y is evaluated only when x is true
            return _Pair(_and(x.t, y.t), _or(x.f, _and(x.t, y.f)), exact)
        if node.op == "OR":
            return _Pair(_or(x.t, _and(x.f, y.t)), _and(x.f, y.f), exact)
        return _Pair(
            _or(_and(x.t, y.f), _and(x.f, y.t)), _or(_and(x.t, y.t), _and(x.f, y.f)), exact
        )

    def comparison(self, node: Binary) -> _Pair:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and self.column(right):
            op, left, right = _MIRRORED[op], right, left
            # `=` casts the left operand to the right's type: here the column's type.
            target = self.column(left)[1] if node.op in EQUALITY_OPS else "int"  # type: ignore[index]
        elif self.column(left) and isinstance(right, Literal):
            target = right.static_type if op in EQUALITY_OPS else "int"
        else:
            return UNKNOWN
        col, kind = self.column(left)  # type: ignore[misc]
        if kind != target and not (kind == "int" and target == "str"):
            return UNKNOWN  # text cast to a number can fail per row: leave it to Python
        probe: list[CesqlError] = []
        value = cast(right.value, target, probe)  # type: ignore[attr-defined]
        if probe:
            return ALWAYS_ERROR
        if kind == "int" and target == "str":  # compared as the integer's decimal text
            if _CANONICAL_INT.fullmatch(value) and value != "-0":  # type: ignore[arg-type]
                value = int(value)
            elif op in ("!=", "<>"):
                return _Pair(_Cond(f"{col} IS NOT NULL"), FALSE)
            else:
                return _Pair(FALSE, _Cond(f"{col} IS NOT NULL"))
        sql_op = "<>" if op == "!=" else op
        return _Pair(
            _Cond(f"{col} {sql_op} ?", (value,)), _Cond(f"{col} {_NEGATED[op]} ?", (value,))
        )

    def truth(self, node: Attribute) -> _Pair:
        """A text attribute as an operand cast to a boolean: "true" or "false", any case.

        NOCASE folds ASCII letters only, which is exact here: no other character
        lower-cases to a letter of "true" or "false" in Python either.
        """
        found = self.column(node)
        if not found or found[1] != "str":
            return UNKNOWN
        col = found[0]
        if self.pg:  # lower() of a C-collated text folds ASCII letters only, as NOCASE
            return _Pair(_Cond(f"lower({col}) = 'true'"), _Cond(f"lower({col}) = 'false'"))
        return _Pair(
            _Cond(f"{col} = 'true' COLLATE NOCASE"), _Cond(f"{col} = 'false' COLLATE NOCASE")
        )

    def like(self, node: Like) -> _Pair:
        found = self.column(node.operand)
        if not found:
            return UNKNOWN
        col, kind = found
        text = col if kind == "str" else f"CAST({col} AS TEXT)"
        if self.pg:  # PostgreSQL's LIKE is case-sensitive, as CESQL's
            like = pg_like_pattern(node.pattern)
            match = _Cond(f"{text} LIKE ? ESCAPE '\\'", (like,))
            unmatched = _Cond(f"NOT ({text} LIKE ? ESCAPE '\\')", (like,))
            return _Pair(unmatched, match) if node.negated else _Pair(match, unmatched)
        glob = _Cond(f"{text} GLOB ?", (glob_pattern(node.pattern),))
        negated = _Cond(f"NOT ({text} GLOB ?)", (glob_pattern(node.pattern),))
        return _Pair(negated, glob) if node.negated else _Pair(glob, negated)

    def membership(self, node: In) -> _Pair:
        found = self.column(node.operand)
        if not found or not all(isinstance(i, Literal) for i in node.items):
            return UNKNOWN
        col, kind = found
        probe: list[CesqlError] = []
        values = tuple(cast(i.value, kind, probe) for i in node.items)  # type: ignore[attr-defined]
        if probe:
            return ALWAYS_ERROR
        marks = ", ".join("?" for _ in values)
        inside = _Cond(f"{col} IN ({marks})", values)
        outside = _Cond(f"{col} NOT IN ({marks})", values)
        return _Pair(outside, inside) if node.negated else _Pair(inside, outside)
