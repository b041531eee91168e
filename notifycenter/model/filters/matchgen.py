"""Syntax tree -> `matches(e)`: straight-line statements that return False at the first
condition that fails, as one would write the test by hand, then what compiling adds.

`matches` is true only for a boolean true evaluated without error (spec §1.2), so any
error evaluation would report ends it at once: a missing attribute or a failed cast is a
`return False`, no error list is kept, and an AND chain is a run of checks inside one
function, with no wrapper call and no per-call allocation. The verdict of such a run
does not depend on its order, so the checks run cheapest first (`_Check.cost`) and an
attribute the run tests several times is read once. An attribute compared with literals
is tested on the type it usually has (an `int`, a `str`) with the 32-bit range folded
into the comparison and IN as set membership; other values take the cast.
AND and OR keep their short-circuit (spec §3.4.2) where it decides the verdict: the right
operand's lines of `a OR b` run only when `a` is false. Parts without a statement form
here (arithmetic, functions, XOR, equality against a value whose type is known only per
event) are `codegen`'s expression code with its error list, checked right after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from notifycenter.model.filters.alternatives import AnyOf, merged, restored
from notifycenter.model.filters.codegen import Generator
from notifycenter.model.filters.like import classify_like
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
    children,
)
from notifycenter.model.filters.values import INT_MAX, INT_MIN, CesqlError, TypeName, cast

Matcher = Callable[[Mapping[str, Any]], bool]

_MAX_NESTING = 40  # blocks inside blocks; Python's parser stops at 100 indentation levels
_FAIL = "return False"
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "=", "<>": "="}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # `k < a` is `a > k`

# Rough cost of each step, in units of about one bytecode; only their order matters.
_READ = 4.0  # e.get(name) and its None or type test
_LIKE_COST = {"exact": 1.0, "prefix": 3.0, "suffix": 3.0, "contains": 2.0, "general": 12.0}
_EXPRESSION = 30.0  # codegen's expression code: calls and an error list


@dataclass(frozen=True)
class _Check:
    """Statements after which one condition holds; they `return False` where it does not.

    `final` is the same test as the function's last statements, returning the verdict
    instead of falling through to `return True` (None: fall through).
    """

    lines: list[str]
    cost: float
    final: list[str] | None = None
    read: _Read | None = None  # the check is this one attribute read


@dataclass(frozen=True)
class _Read:
    """One attribute read and what must hold of its value: the `quick` conditions when
    its Python type is `kind`, else the `slow` ones after the `convert` lines cast it."""

    attribute: str
    value: str  # the Python variable holding it
    kind: TypeName
    quick: tuple[str, ...]
    convert: tuple[str, ...]
    slow: tuple[str, ...]
    cost: float

    def check(self) -> _Check:
        value, quick, slow = self.value, _all(self.quick), _all(self.slow)
        read = f"{value} = e.get({self.attribute!r})"
        lines = [
            read,
            f"if type({value}) is {self.kind}:",
            f"    if not {quick}: {_FAIL}",
            "else:",
            *_indented([*self.convert, f"if not {slow}: {_FAIL}"]),
        ]
        final = [read, f"if type({value}) is {self.kind}:", f"    return {quick}"]
        return _Check(lines, self.cost, [*final, *self.convert, f"return {slow}"], self)

    def joined(self, other: _Read) -> _Read:
        """Both reads' conditions on one read and cast."""
        return replace(
            self,
            quick=self.quick + other.quick,
            # Every cast must succeed and every condition hold, in any order: each cast
            # once, then the conditions.
            convert=self.convert + tuple(c for c in other.convert if c not in self.convert),
            slow=self.slow + other.slow,
            cost=self.cost + other.cost - _READ,
        )


def _all(conditions: tuple[str, ...]) -> str:
    if len(conditions) == 1:
        return conditions[0]
    return "(" + " and ".join(f"({condition})" for condition in conditions) + ")"


def _cheapest_first(checks: list[_Check]) -> list[_Check]:
    """The checks of an AND, reordered and each attribute read once: a run of checks
    that must all hold has the same verdict in any order."""
    joined: list[_Check] = []
    places: dict[tuple[str, str], int] = {}
    for check in sorted(checks, key=lambda check: check.cost):
        read = check.read
        if read is None:
            joined.append(check)
            continue
        key = (read.attribute, read.kind)
        if key in places:
            place = places[key]
            earlier = joined[place].read
            assert earlier is not None
            joined[place] = earlier.joined(read).check()
        else:
            places[key] = len(joined)
            joined.append(check)
    # Stable: checks of equal cost keep the expression's order.
    return sorted(joined, key=lambda check: check.cost)


def _condition_check(lines: list[str], condition: str, cost: float) -> _Check:
    """`lines` then `condition` (a Boolean) must hold."""
    return _Check([*lines, f"if not {condition}: {_FAIL}"], cost, [*lines, f"return {condition}"])


class _MatchGenerator:
    def __init__(self) -> None:
        self.expressions = Generator(precise=False)
        self.uses_errors = False
        self.values: dict[str, str] = {}  # attribute -> the variable its checks read it into

    # -- conditions -------------------------------------------------------------------

    def must(self, node: Node, want: bool, cast_operand: bool, nesting: int) -> list[_Check]:
        """Checks after which `node` has evaluated to `want` without error; otherwise
        they return False. `cast_operand`: `node` is an AND/OR/NOT operand, cast to
        Boolean."""
        if cast_operand and isinstance(node, Attribute):
            return [self.typed(node, "bool", lambda v: v if want else f"(not {v})", 0.5)]
        try:
            return self._must(node, want, nesting)
        except _Unsupported:
            value = self.expressions.fresh("v")  # a name: `(True) is not True` warns
            code = self.expression(node, cast_operand)
            line = f"if {value} is not {want} or errs: {_FAIL}"
            return [_Check([f"{value} = {code}", line], _EXPRESSION * _size(node))]

    def _must(self, node: Node, want: bool, nesting: int) -> list[_Check]:
        if node.static_type != "bool":
            raise _Unsupported
        node = merged(node)  # `a = 1 OR a = 2` is one test
        if isinstance(node, Not):
            return self.must(node.operand, not want, True, nesting)
        if isinstance(node, Guard) and want:
            # A filter of its own is true only if true without errors: so is `matches`.
            return self.must(node.inner, True, False, nesting)
        if isinstance(node, Binary) and node.op in ("AND", "OR"):
            left, right = node.left, node.right
            if (node.op == "AND") is want:  # both operands must be `want`, in any order
                both = self.must(left, want, True, nesting) + self.must(right, want, True, nesting)
                return _cheapest_first(both)
            # AND false: the right operand counts only if the left is true; OR true alike.
            rest = self.must(right, want, True, nesting + 1)
            return [
                self.branch(left, rest, [], nesting)
                if want is False
                else self.branch(left, [], rest, nesting)
            ]
        if isinstance(node, Exists):
            if node.name in HIDDEN_ATTRIBUTES:  # never exists, without an error
                return [_Check([], 0.0, ["return True"]) if not want else _Check([_FAIL], 0.0)]
            found = f"(e.get({node.name!r}) is {'not ' if want else ''}None)"
            return [_condition_check([], found, _READ - 0.5)]
        if not want and isinstance(node, Binary) and node.op in _OPPOSITE:
            # `NOT (a = b)` is `a != b`, with the same casts and errors: test it directly.
            node, want = Binary(_OPPOSITE[node.op], node.left, node.right), True
        if not want and isinstance(node, (Like, In)):
            # `NOT (a LIKE p)` is `a NOT LIKE p`, errors included; IN alike.
            node, want = _negated(node), True
        if want:
            fused = self.fused(node)
            if fused is not None:
                return [fused]
        lines, condition = self.test(node)
        cost = _EXPRESSION if isinstance(node, Guard) else _READ + 2
        return [_condition_check(lines, condition if want else f"(not {condition})", cost)]

    def branch(
        self, node: Node, if_true: list[_Check], if_false: list[_Check], nesting: int
    ) -> _Check:
        """`node` (an AND/OR operand) evaluated without error, then one block or the other."""
        if nesting >= _MAX_NESTING or _depth([*if_true, *if_false]) >= _MAX_NESTING:
            raise _Unsupported
        node = merged(node)
        if isinstance(node, Not) and node.operand.static_type == "bool":
            return self.branch(node.operand, if_false, if_true, nesting)
        if isinstance(node, Binary) and node.op in ("AND", "OR"):
            try:
                return self.logic_branch(node, if_true, if_false, nesting)
            except _Unsupported:
                pass  # too deep: the expression code below
        cost = _EXPRESSION if isinstance(node, Guard) else _READ + 2
        try:
            if isinstance(node, Attribute):  # an operand of AND or OR: cast to Boolean
                lines, condition = self.operand(node, "bool")
            else:
                lines, condition = self.test(node)
        except _Unsupported:
            value = self.expressions.fresh("v")
            lines = [f"{value} = {self.expression(node, True)}", f"if errs: {_FAIL}"]
            condition, cost = value, _EXPRESSION * _size(node)
        return _Check(
            [
                *lines,
                f"if {condition}:",
                *_indented(_lines(if_true) or ["pass"]),
                "else:",
                *_indented(_lines(if_false) or ["pass"]),
            ],
            cost + sum(check.cost for check in (*if_true, *if_false)),
        )

    def logic_branch(
        self, node: Binary, if_true: list[_Check], if_false: list[_Check], nesting: int
    ) -> _Check:
        """`branch` for an AND or OR, short-circuit kept: `a OR b` is true if `a` is,
        else `b` decides; AND alike."""
        is_or = node.op == "OR"
        if not (if_true if is_or else if_false):  # the side both operands share is empty
            if is_or:
                return self.branch(
                    node.left, [], [self.branch(node.right, [], if_false, nesting + 1)], nesting
                )
            return self.branch(
                node.left, [self.branch(node.right, if_true, [], nesting + 1)], [], nesting
            )
        # Both blocks: a flag records the verdict, so that neither block is written twice.
        flag = self.expressions.fresh("t")
        verdict = [_Check([f"{flag} = True"], 0.0)]
        if is_or:
            decided = self.branch(
                node.left, verdict, [self.branch(node.right, verdict, [], nesting + 1)], nesting
            )
        else:
            decided = self.branch(
                node.left, [self.branch(node.right, verdict, [], nesting + 1)], [], nesting
            )
        lines = [f"{flag} = False", *decided.lines, f"if {flag}:"]
        lines += [*_indented(_lines(if_true) or ["pass"]), "else:"]
        lines += _indented(_lines(if_false) or ["pass"])
        return _Check(lines, decided.cost + sum(c.cost for c in (*if_true, *if_false)))

    def fused(self, node: Node) -> _Check | None:
        """An attribute compared with literals, tested on its usual type in one step."""
        if isinstance(node, AnyOf):
            members = self.expressions.constant(node.values)
            return self.typed(node.attribute, node.kind, lambda v: f"({v} in {members})", 1.5)
        if isinstance(node, Binary) and node.op in ORDER_OPS:
            op, left, right = node.op, node.left, node.right
            if isinstance(left, Literal) and isinstance(right, Attribute):
                op, left, right = _FLIPPED[op], right, left
            if not (isinstance(left, Attribute) and isinstance(right, Literal)):
                return None
            return self.against_int(left, op, right.value)
        if isinstance(node, Binary) and node.op in EQUALITY_OPS:
            left, right, target = node.left, node.right, node.right.static_type
            if not (isinstance(left, Attribute) and isinstance(right, Literal)):
                return None
            if target == "int":
                return self.against_int(left, "=" if node.op == "=" else "!=", right.value)
            constant = _cast_all((right.value,), target)  # type: ignore[arg-type]
            if constant is None:
                return _Check([_FAIL], 0.0)
            operator = "==" if node.op == "=" else "!="
            literal = repr(next(iter(constant)))
            return self.typed(left, target, lambda v: f"({v} {operator} {literal})", 1.0)  # type: ignore[arg-type]
        if isinstance(node, Like) and isinstance(node.operand, Attribute):
            kind = classify_like(node.pattern)[0]

            def like(value: str) -> str:
                found = self.expressions.like_test(node.pattern, value)
                return f"(not {found})" if node.negated else found

            return self.typed(node.operand, "str", like, _LIKE_COST[kind])
        if (
            isinstance(node, In)
            and isinstance(node.operand, Attribute)
            and all(isinstance(item, Literal) for item in node.items)
        ):
            return self.membership_check(node)
        return None

    def against_int(self, attribute: Attribute, op: str, value: Any) -> _Check:
        """`attribute op value` cast to Integer; for an `int` event value the 32-bit range
        and the comparison are one chained comparison."""
        constant = _cast_all((value,), "int")
        if constant is None:  # the literal's cast fails on every event
            return _Check([_FAIL], 0.0)
        (number,) = constant
        python_op = {"=": "==", "<>": "!="}.get(op, op)

        def compared(value: str) -> str:
            return f"({value} {python_op} {number})"

        fast = _int_test(op, number)

        def general(value: str) -> tuple[list[str], str]:
            cast_to = self.values.setdefault(f"{attribute.name}/int", self.expressions.fresh("c"))
            return _conversion("int", value, cast_to), compared(cast_to)

        return self.typed(attribute, "int", fast, 1.5, general)

    def membership_check(self, node: In) -> _Check:
        """IN over literals: members are cast to the value's type (spec §3.7), so a value
        of the members' own type is tested by set membership (an integer beyond 32 bits
        equals none of them: its text is no member's text)."""
        assert isinstance(node.operand, Attribute)
        items = tuple(i.value for i in node.items if isinstance(i, Literal))
        integers = all(type(i) is int and INT_MIN <= i <= INT_MAX for i in items)
        kind: TypeName = "int" if integers else "str"
        members = self.expressions.constant(_cast_all(items, kind) or frozenset())
        negation = "not " if node.negated else ""
        found = self.expressions.fresh("m")

        def general(value: str) -> tuple[list[str], str]:
            general = f"_min(_norm({value}), {self.expressions.constant(items)})"
            fail = f"if {value} is None or ({found} := {general}) is None: {_FAIL}"
            return [fail], f"({negation}{found})"

        return self.typed(
            node.operand, kind, lambda v: f"({v} {negation}in {members})", 1.5, general
        )

    def typed(
        self,
        attribute: Attribute,
        kind: TypeName,
        condition: Callable[[str], str],
        cost: float,
        general: Callable[[str], tuple[list[str], str]] | None = None,
    ) -> _Check:
        """Read `attribute`; if its Python type is `kind`, `condition` must hold of it.
        A value of another type is cast to `kind` (failing on None and on a cast error)
        and `condition` must hold of the result, or, given `general`, its lines run on
        the value and its condition must hold."""
        if attribute.name in HIDDEN_ATTRIBUTES:
            return _Check([_FAIL], 0.0)
        value = self.values.setdefault(attribute.name, self.expressions.fresh("a"))
        if general is not None:
            convert, slow = general(value)
        else:
            cast_to = self.values.setdefault(
                f"{attribute.name}/{kind}", self.expressions.fresh("c")
            )
            convert, slow = _conversion(kind, value, cast_to), condition(cast_to)
        read = _Read(
            attribute.name,
            value,
            kind,
            quick=(condition(value),),
            convert=tuple(convert),
            slow=(slow,),
            cost=_READ + cost,
        )
        return read.check()

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
        if isinstance(node, AnyOf):
            lines, value = self.operand(node.attribute, node.kind)
            return lines, f"({value} in {self.expressions.constant(node.values)})"
        if isinstance(node, Guard):  # a filter of its own: its errors make it false
            return [], f"{self.expressions.constant(build_matches(node.inner))}(e)"
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
            texts = _cast_all(items, "str") or frozenset()  # a cast to String never fails
            general = f"_min({value}, {self.expressions.constant(items)})"
            text_test = f"{value} in {self.expressions.constant(texts)}"
            lines.append(f"{found} = {text_test} if type({value}) is str else {general}")
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
            lines = [f"{name} = e.get({node.name!r})"]
            if want == "int":  # an integer beyond 32 bits is a String (spec §3.2)
                lines.append(
                    f"if not (type({name}) is int and {INT_MIN} <= {name} <= {INT_MAX})"
                    f" and ({name} is None or ({name} := _mint({name})) is None): {_FAIL}"
                )
            elif want == "str":
                lines += [
                    f"if type({name}) is not str:",
                    *_indented(_conversion("str", name, name)),
                ]
            elif want == "bool":
                lines.append(
                    f"if type({name}) is not bool and ({name} := _mbool({name})) is None: {_FAIL}"
                )
            else:
                lines += [f"if {name} is None: {_FAIL}", f"{name} = _norm({name})"]
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
        node = restored(node)
        code = self.expressions.expr(node)
        if cast_operand and node.static_type != "bool":
            code = self.expressions.cast_static(code, "bool")
        return f"({code})"


class _Unsupported(Exception):
    """The node has no statement form: its expression code is used instead."""


def _conversion(kind: TypeName, value: str, cast_to: str) -> list[str]:
    """Lines casting `value`, which is not of Python type `kind`, into `cast_to`,
    returning False where the cast reports an error."""
    if kind == "str":  # to String: only a missing attribute fails
        return [f"if {value} is None: {_FAIL}", f"{cast_to} = _str({value})"]
    helper = "_mint" if kind == "int" else "_mbool"
    return [f"if {value} is None or ({cast_to} := {helper}({value})) is None: {_FAIL}"]


def _int_test(op: str, number: int) -> Callable[[str], str]:
    """`v op number` for a Python int `v`, false outside the 32-bit range (such a value
    is a String whose cast to Integer fails)."""
    if op == "=":
        return lambda v: f"({v} == {number})"  # `number` is a 32-bit integer
    if op in ("!=", "<>"):
        return lambda v: f"({v} != {number} and {INT_MIN} <= {v} <= {INT_MAX})"
    low = {">=": number, ">": number + 1}.get(op, INT_MIN)
    high = {"<=": number, "<": number - 1}.get(op, INT_MAX)
    return lambda v: f"({max(low, INT_MIN)} <= {v} <= {min(high, INT_MAX)})"


def _negated(node: Like | In) -> Node:
    if isinstance(node, Like):
        return Like(node.operand, node.pattern, not node.negated)
    return In(node.operand, node.items, not node.negated)


def _size(node: Node) -> int:
    return 1 + sum(_size(child) for child in children(node))


def _cast_all(values: tuple[Any, ...], target: TypeName) -> frozenset[Any] | None:
    """The values cast to `target`, or None when a cast fails."""
    errors: list[CesqlError] = []
    members = frozenset(cast(value, target, errors) for value in values)
    return None if errors else members


def _depth(checks: list[_Check]) -> int:
    """How many blocks deep the checks' lines go."""
    lines = _lines(checks)
    return max((len(line) - len(line.lstrip(" "))) // 4 for line in lines) if lines else 0


def _lines(checks: list[_Check]) -> list[str]:
    return [line for check in checks for line in check.lines]


def _indented(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def build_matches(tree: Node) -> Matcher:
    """`matches(e)` for a (folded) tree: true only for a boolean true without errors."""
    generator = _MatchGenerator()
    checks = generator.must(tree, True, False, 0)
    last = checks[-1]
    body = _lines(checks[:-1]) + (last.final if last.final is not None else last.lines)
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
