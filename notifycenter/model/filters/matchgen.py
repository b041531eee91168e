"""Syntax tree -> `matches(e)`: straight-line statements that return False at the first
condition that fails, as one would write the test by hand.

`matches` is true only for a boolean true evaluated without error (spec §1.2), so any
error evaluation would report ends it at once: a missing attribute or a failed cast is a
`return False`, no error list is kept, and an AND chain is a run of `if not …: return
False` inside one function, with no wrapper call and no per-call allocation. AND and OR
keep their short-circuit (spec §3.4.2): the right operand's lines run only when the left
one leaves the result open. Parts without a statement form here (arithmetic, functions,
XOR, equality against a value whose type is known only per event) are `codegen`'s
expression code with its error list, checked right after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from notifycenter.model.filters.codegen import Generator
from notifycenter.model.filters.nodes import (
    EQUALITY_OPS,
    HIDDEN_ATTRIBUTES,
    ORDER_OPS,
    Attribute,
    Binary,
    Exists,
    In,
    Like,
    Literal,
    Node,
    Not,
)
from notifycenter.model.filters.values import INT_MAX, INT_MIN, CesqlError, TypeName, cast

Matcher = Callable[[Mapping[str, Any]], bool]

_MAX_NESTING = 40  # blocks inside blocks; Python's parser stops at 100 indentation levels
_FAIL = "return False"
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "=", "<>": "="}


class _Unsupported(Exception):
    """The node has no statement form: its expression code is used instead."""


class _MatchGenerator:
    def __init__(self) -> None:
        self.expressions = Generator(precise=False)
        self.uses_errors = False

    # -- conditions -------------------------------------------------------------------

    def must(self, node: Node, want: bool, cast_operand: bool, nesting: int) -> list[str]:
        """Lines after which `node` has evaluated to `want` without error; otherwise they
        return False. `cast_operand`: `node` is an AND/OR/NOT operand, cast to Boolean."""
        if cast_operand and isinstance(node, Attribute):
            lines, value = self.operand(node, "bool")
            return [*lines, f"if {'not ' if want else ''}{value}: {_FAIL}"]
        try:
            return self._must(node, want, nesting)
        except _Unsupported:
            value = self.expressions.fresh("v")  # a name: `(True) is not True` warns
            code = self.expression(node, cast_operand)
            return [f"{value} = {code}", f"if {value} is not {want} or errs: {_FAIL}"]

    def _must(self, node: Node, want: bool, nesting: int) -> list[str]:
        if node.static_type != "bool":
            raise _Unsupported
        if isinstance(node, Not):
            return self.must(node.operand, not want, True, nesting)
        if isinstance(node, Binary) and node.op in ("AND", "OR"):
            left, right = node.left, node.right
            if (node.op == "AND") is want:  # both operands must be `want`
                return self.must(left, want, True, nesting) + self.must(right, want, True, nesting)
            # AND false: the right operand counts only if the left is true; OR true alike.
            rest = self.must(right, want, True, nesting + 1)
            return (
                self.branch(left, rest, [], nesting)
                if want is False
                else self.branch(left, [], rest, nesting)
            )
        if not want and isinstance(node, Binary) and node.op in _OPPOSITE:
            # `NOT (a = b)` is `a != b`, with the same casts and errors: test it directly.
            node, want = Binary(_OPPOSITE[node.op], node.left, node.right), True
        lines, condition = self.test(node)
        return [*lines, f"if {'not ' if want else ''}{condition}: {_FAIL}"]

    def branch(
        self, node: Node, if_true: list[str], if_false: list[str], nesting: int
    ) -> list[str]:
        """`node` (an AND/OR operand) evaluated without error, then one block or the other."""
        if nesting >= _MAX_NESTING:
            raise _Unsupported
        if isinstance(node, Not) and node.operand.static_type == "bool":
            return self.branch(node.operand, if_false, if_true, nesting)
        try:
            if isinstance(node, Attribute):  # an operand of AND or OR: cast to Boolean
                lines, condition = self.operand(node, "bool")
            else:
                lines, condition = self.test(node)
        except _Unsupported:
            value = self.expressions.fresh("v")
            lines = [f"{value} = {self.expression(node, True)}", f"if errs: {_FAIL}"]
            condition = value
        return [
            *lines,
            f"if {condition}:",
            *_indented(if_true or ["pass"]),
            "else:",
            *_indented(if_false or ["pass"]),
        ]

    def test(self, node: Node) -> tuple[list[str], str]:
        """Lines that load `node`'s operands (returning False on an error) and the
        Boolean condition that is then `node`'s value."""
        if isinstance(node, Exists):
            found = (
                "False" if node.name in HIDDEN_ATTRIBUTES else f"e.get({node.name!r}) is not None"
            )
            return [], f"({found})"
        if isinstance(node, Binary) and node.op in ORDER_OPS:
            lines, left = self.operand(node.left, "int")
            more, right = self.operand(node.right, "int")
            return [*lines, *more], f"({left} {node.op} {right})"
        if isinstance(node, Binary) and node.op in EQUALITY_OPS:
            target = node.right.static_type  # `=` casts the left operand to the right's type
            if target is None:
                raise _Unsupported
            lines, left = self.operand(node.left, target)
            more, right = self.operand(node.right, target)
            operator = "==" if node.op == "=" else "!="
            return [*lines, *more], f"({left} {operator} {right})"
        if isinstance(node, Like):
            lines, value = self.operand(node.operand, "str")
            found = self.expressions.like_test(node.pattern, value)
            return lines, f"(not {found})" if node.negated else found
        if isinstance(node, In) and all(isinstance(i, Literal) for i in node.items):
            return self.membership(node)
        raise _Unsupported

    def membership(self, node: In) -> tuple[list[str], str]:
        """IN over literals: members are cast to the operand's type (spec §3.7), which for
        a text value against text members is plain set membership."""
        target = node.operand.static_type
        items = tuple(i.value for i in node.items if isinstance(i, Literal))
        lines, value = self.operand(node.operand, target)
        found = self.expressions.fresh("m")
        if target is not None:
            members = _cast_all(items, target)
            if members is None:
                raise _Unsupported
            lines.append(f"{found} = {value} in {self.expressions.constant(members)}")
        else:
            texts = frozenset(i for i in items if type(i) is str)
            general = f"_min({value}, {self.expressions.constant(items)})"
            if len(texts) == len(items):
                text_test = f"{value} in {self.expressions.constant(texts)}"
                lines.append(f"{found} = {text_test} if type({value}) is str else {general}")
            else:
                lines.append(f"{found} = {general}")
            lines.append(f"if {found} is None: {_FAIL}")
        return lines, f"(not {found})" if node.negated else found

    # -- operands ---------------------------------------------------------------------

    def operand(self, node: Node, want: TypeName | None) -> tuple[list[str], str]:
        """Lines that load `node` cast to `want` (returning False on an error) and the
        name or literal that then holds it."""
        if isinstance(node, Attribute):
            if node.name in HIDDEN_ATTRIBUTES:
                return [_FAIL], "None"
            name = self.expressions.fresh("a")
            lines = [f"{name} = e.get({node.name!r})", f"if {name} is None: {_FAIL}"]
            if want == "int":  # an integer beyond 32 bits is a String (spec §3.2)
                lines.append(
                    f"if not (type({name}) is int and {INT_MIN} <= {name} <= {INT_MAX})"
                    f" and ({name} := _mint({name})) is None: {_FAIL}"
                )
            elif want == "str":
                lines.append(f"if type({name}) is not str: {name} = _str({name})")
            elif want == "bool":
                lines.append(
                    f"if type({name}) is not bool and ({name} := _mbool({name})) is None: {_FAIL}"
                )
            else:
                lines.append(f"{name} = _norm({name})")
            return lines, name
        if isinstance(node, Literal):
            if want is None:
                return [], repr(node.value)
            converted = _cast_all((node.value,), want)
            if converted is None:  # the cast fails on every event
                return [_FAIL], "None"
            return [], repr(next(iter(converted)))
        raise _Unsupported

    def expression(self, node: Node, cast_operand: bool) -> str:
        """`codegen`'s expression for `node`, errors appended to `errs`."""
        self.uses_errors = True
        code = self.expressions.expr(node)
        if cast_operand and node.static_type != "bool":
            code = self.expressions.cast_static(code, "bool")
        return f"({code})"


def _cast_all(values: tuple[Any, ...], target: TypeName) -> frozenset[Any] | None:
    """The values cast to `target`, or None when a cast fails."""
    errors: list[CesqlError] = []
    members = frozenset(cast(value, target, errors) for value in values)
    return None if errors else members


def _return_last(lines: list[str]) -> list[str]:
    """The last test returns its verdict instead of falling through to `return True`.

    Every condition the generator writes after `if not` is a Boolean.
    """
    suffix = f": {_FAIL}"
    last = lines[-1] if lines else ""
    if last.startswith("if not ") and last.endswith(suffix):
        return [*lines[:-1], f"return {last[len('if not ') : -len(suffix)]}"]
    if last.startswith("if ") and last.endswith(suffix):
        return [*lines[:-1], f"return not ({last[len('if ') : -len(suffix)]})"]
    return lines


def _indented(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def build_matches(tree: Node) -> Matcher:
    """`matches(e)` for a (folded) tree: true only for a boolean true without errors."""
    generator = _MatchGenerator()
    body = _return_last(generator.must(tree, True, False, 0))
    lines = ["def _matches(e):"]
    if generator.uses_errors:
        lines.append("    errs = []")
    lines += ["    try:", *_indented(_indented(body)), "    except Exception:"]
    lines += ["        return False  # a filter must never fail its caller", "    return True"]
    source = "\n".join(lines) + "\n"
    namespace = generator.expressions.namespace
    exec(compile(source, "<cesql-matches>", "exec"), namespace)
    function = namespace.pop("_matches")
    function.source = source  # kept for debugging and the docs
    matcher: Matcher = function
    return matcher
