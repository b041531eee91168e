"""Syntax tree -> one Python function per expression, built with `compile()`.

Evaluating a filter is then a single call of straight-line Python: no parsing, no
tree walk and no type dispatch per event, since CESQL fixes every operator's types
and only attribute reads need a run-time type check (inlined for the common case).
This is `evaluate`'s code; `matches` has its own, statements that stop at the first
failing condition (`matchgen`), which borrows this generator for the parts it cannot
inline. `python bench/filters.py` measures both against hand-written Python.

A generated function is `fn(e, errs)`: `e` is the event mapping, `errs` the list the
evaluation appends `CesqlError`s to. A missing attribute makes the operator that reads
it return its zero value (spec §3.2); AND and OR short-circuit (spec §3.4.2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from notifycenter.model.filters import functions, runtime
from notifycenter.model.filters.like import classify_like, like_matcher
from notifycenter.model.filters.nodes import (
    ARITHMETIC_OPS,
    EQUALITY_OPS,
    HIDDEN_ATTRIBUTES,
    Attribute,
    Binary,
    Call,
    Exists,
    Guard,
    In,
    Like,
    Literal,
    Negate,
    Node,
    Not,
    children,
)
from notifycenter.model.filters.shape import chain_operands
from notifycenter.model.filters.values import INT_MAX, INT_MIN, ZERO, CesqlError, TypeName, cast

Evaluator = Callable[[Mapping[str, Any], list[CesqlError]], Any]

_SPLIT_DEPTH = 8  # syntax levels per generated function
_ARITHMETIC_HELPERS = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}


class _Checks(list[str]):
    """Conditions under which an operator returns its zero value instead of applying itself."""

    snapshot: str | None = None  # name holding len(errs) before the operands ran


class Generator:
    """Expression code for one tree; `matchgen` borrows it for the parts it cannot inline."""

    def __init__(self, precise: bool) -> None:
        self.namespace: dict[str, Any] = dict(runtime.HELPERS)
        self.precise = precise
        self.depth = 0
        self._counter = 0

    def fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"_{prefix}{self._counter}"

    def constant(self, value: Any) -> str:
        name = self.fresh("k")
        self.namespace[name] = value
        return name

    # -- operands -------------------------------------------------------------

    def operand(self, node: Node, want: TypeName | None, checks: _Checks) -> str:
        """Code for `node` cast to `want`; an attribute adds its missing check to `checks`."""
        if isinstance(node, Attribute) and node.name in HIDDEN_ATTRIBUTES:
            checks.append(f"_miss(errs, {node.name!r})")
            return repr(ZERO[want or "bool"])
        if isinstance(node, Attribute):
            temp = self.fresh("a")
            checks.append(
                f"(({temp} := e.get({node.name!r})) is None and _miss(errs, {node.name!r}))"
            )
            return self.cast_dynamic(temp, want)
        if isinstance(node, Literal) and want is not None:
            return self.literal(node.value, want)
        code = self.expr(node)
        if self.precise and can_error(node):
            # An operand that reported an error makes this operator return its zero value.
            if checks.snapshot is None:
                checks.snapshot = self.fresh("s")
                checks.append(f"(({checks.snapshot} := len(errs)) is None)")
            temp = self.fresh("c")
            checks.append(f"(({temp} := {code}) is None)")
            code = temp
        return code if want is None or node.static_type == want else self.cast_static(code, want)

    def literal(self, value: Any, want: TypeName) -> str:
        probe: list[CesqlError] = []
        converted = cast(value, want, probe)
        if probe:  # the cast fails on every event: keep reporting it
            return self.cast_static(repr(value), want)
        return repr(converted)

    @staticmethod
    def cast_dynamic(temp: str, want: TypeName | None) -> str:
        if want == "int":  # an event's integer beyond 32 bits is a String (spec §3.2)
            return f"({temp} if type({temp}) is int and {INT_MIN} <= {temp} <= {INT_MAX} else _int({temp}, errs))"
        if want == "str":
            return f"({temp} if type({temp}) is str else _str({temp}))"
        if want == "bool":
            return f"({temp} if type({temp}) is bool else _bool({temp}, errs))"
        return f"_norm({temp})"

    @staticmethod
    def cast_static(code: str, want: TypeName) -> str:
        return {
            "int": f"_int({code}, errs)",
            "str": f"_str({code})",
            "bool": f"_bool({code}, errs)",
        }[want]

    @staticmethod
    def guarded(checks: _Checks, zero: TypeName, body: str) -> str:
        if checks.snapshot is not None:
            checks.append(f"(len(errs) != {checks.snapshot})")
        if not checks:
            return body
        return f"({ZERO[zero]!r} if ({' or '.join(checks)}) else {body})"

    # -- nodes ------------------------------------------------------------------

    def expr(self, node: Node) -> str:
        if self.depth >= _SPLIT_DEPTH and children(node):
            # Python's compiler refuses about 200 nested parentheses: deep parts get
            # a function of their own.
            return f"{self.constant(build(node, precise=self.precise))}(e, errs)"
        self.depth += 1
        try:
            method: Callable[[Node], str] = getattr(self, f"gen_{type(node).__name__.lower()}")
            return method(node)
        finally:
            self.depth -= 1

    def gen_literal(self, node: Literal) -> str:
        return repr(node.value)

    def gen_attribute(self, node: Attribute) -> str:
        checks = _Checks()
        value = self.operand(node, None, checks)
        return self.guarded(checks, "bool", value)

    def gen_exists(self, node: Exists) -> str:
        if node.name in HIDDEN_ATTRIBUTES:
            return "False"
        return f"(e.get({node.name!r}) is not None)"

    def gen_not(self, node: Not) -> str:
        checks = _Checks()
        value = self.operand(node.operand, "bool", checks)
        return self.guarded(checks, "bool", f"(not {value})")

    def gen_negate(self, node: Negate) -> str:
        checks = _Checks()
        value = self.operand(node.operand, "int", checks)
        return self.guarded(checks, "int", f"_neg({value}, errs)")

    def gen_binary(self, node: Binary) -> str:
        if self.precise and node.op in ("AND", "OR", "XOR"):
            return self.logic_chain(node)
        if node.op in ("AND", "OR"):
            return self.short_circuit(node)
        checks = _Checks()
        if node.op == "XOR":
            body = f"({self.operand(node.left, 'bool', checks)} != {self.operand(node.right, 'bool', checks)})"
        elif node.op in EQUALITY_OPS:
            body = self.equality(node, checks)
        elif node.op in ARITHMETIC_OPS:
            left, right = (
                self.operand(node.left, "int", checks),
                self.operand(node.right, "int", checks),
            )
            body = f"{_ARITHMETIC_HELPERS[node.op]}({left}, {right}, errs)"
        else:
            body = f"({self.operand(node.left, 'int', checks)} {node.op} {self.operand(node.right, 'int', checks)})"
        return self.guarded(checks, node.static_type, body)

    def logic_chain(self, node: Binary) -> str:
        """AND/OR/XOR for `evaluate`, with the errors of the left-to-right nesting.

        Chains are balanced for speed, which keeps values and errors for `matches`, but
        `evaluate` must report what `((a OR b) OR c)` reports, so each operand becomes
        a function and `_chain` walks them as that nesting would.
        """
        operands = tuple(build(operand, precise=True) for operand in chain_operands(node))
        return f"_chain({node.op!r}, {self.constant(operands)}, e, errs)"

    def short_circuit(self, node: Binary) -> str:
        left_checks = _Checks()
        left = self.operand(node.left, "bool", left_checks)
        right_checks = _Checks()
        right = self.guarded(right_checks, "bool", self.operand(node.right, "bool", right_checks))
        body = (
            f"({right} if {left} else False)"
            if node.op == "AND"
            else f"(True if {left} else {right})"
        )
        return self.guarded(left_checks, "bool", body)

    def equality(self, node: Binary, checks: _Checks) -> str:
        # `=` is ambiguous: the right operand's type decides what the left is cast to.
        target = node.right.static_type
        negate = "not " if node.op != "=" else ""
        if target is None:
            left = self.operand(node.left, None, checks)
            right = self.operand(node.right, None, checks)
            return f"({negate}_eq({left}, {right}, errs))"
        left = self.operand(node.left, target, checks)
        right = self.operand(node.right, target, checks)
        return f"({left} {'!=' if negate else '=='} {right})"

    def gen_like(self, node: Like) -> str:
        checks = _Checks()
        value = self.operand(node.operand, "str", checks)
        test = self.like_test(node.pattern, value)
        return self.guarded(checks, "bool", f"(not {test})" if node.negated else test)

    def like_test(self, pattern: str, value: str) -> str:
        kind, literal = classify_like(pattern)
        if kind == "exact":
            return f"({value} == {literal!r})"
        if kind == "prefix":
            return f"{value}.startswith({literal!r})"
        if kind == "suffix":
            return f"{value}.endswith({literal!r})"
        if kind == "contains":
            return f"({literal!r} in {value})"
        return f"{self.constant(like_matcher(pattern))}({value})"

    def gen_in(self, node: In) -> str:
        checks = _Checks()
        target = node.operand.static_type
        value = self.operand(node.operand, target, checks)
        if target is not None and all(isinstance(i, Literal) for i in node.items):
            probe: list[CesqlError] = []
            members = frozenset(cast(i.value, target, probe) for i in node.items)  # type: ignore[attr-defined]
            if not probe:  # same type on both sides, so set membership is CESQL equality
                test = f"({value} in {self.constant(members)})"
                return self.guarded(checks, "bool", f"(not {test})" if node.negated else test)
        items = ", ".join(self.operand(i, None, checks) for i in node.items)
        test = f"_in({value}, ({items},), errs)"
        return self.guarded(checks, "bool", f"(not {test})" if node.negated else test)

    def gen_call(self, node: Call) -> str:
        function = functions.lookup(node.name, len(node.args))
        if function is None:
            return f"_nofn(errs, {node.name!r}, {len(node.args)})"
        checks = _Checks()
        args = []
        for index, arg in enumerate(node.args):
            param = function.param_type(index)
            args.append(self.operand(arg, None if param == "any" else param, checks))  # type: ignore[arg-type]
        impl = self.constant(function.impl)
        return self.guarded(
            checks, function.result, f"{impl}(errs{''.join(', ' + a for a in args)})"
        )

    def gen_guard(self, node: Guard) -> str:
        inner = self.constant(build(node.inner, precise=self.precise))
        return f"_guard({inner}, e)"


def build(node: Node, precise: bool = True) -> Evaluator:
    """Compile a (folded) tree into `fn(e, errs) -> value`.

    `precise` follows the spec to the letter for `evaluate`: an operator whose operand
    reported an error returns its zero value. Matching needs only to know whether any
    error occurred, so its code skips that bookkeeping (same errors, same verdict).
    """
    generator = Generator(precise)
    body = generator.expr(node)
    source = f"def _evaluate(e, errs):\n    return {body}\n"
    code = compile(source, "<cesql>", "exec")
    exec(code, generator.namespace)
    function = generator.namespace.pop("_evaluate")
    function.source = source  # kept for debugging and the docs
    evaluator: Evaluator = function
    return evaluator


_NEVER_FAILING_FUNCTIONS = frozenset(
    {"LENGTH", "CONCAT", "CONCAT_WS", "LOWER", "UPPER", "TRIM", "STRING", "IS_INT", "IS_BOOL"}
)


def can_error(node: Node) -> bool:
    """Whether evaluating `node` can ever append an error (conservative)."""
    if isinstance(node, (Literal, Exists, Guard)):
        return False
    if isinstance(node, (Attribute, Negate)) or (
        isinstance(node, Binary) and node.op in ARITHMETIC_OPS
    ):
        return True
    kids = children(node)
    if any(can_error(k) for k in kids):
        return True
    if isinstance(node, Call):
        function = functions.lookup(node.name, len(node.args))
        return (
            function is None
            or function.name not in _NEVER_FAILING_FUNCTIONS
            or any(
                k.static_type != function.param_type(i)
                and function.param_type(i) not in ("str", "any")
                for i, k in enumerate(kids)
            )
        )
    if isinstance(node, Like):
        return False  # anything casts to a string
    if isinstance(node, Not) or (isinstance(node, Binary) and node.op in ("AND", "OR", "XOR")):
        return any(k.static_type != "bool" for k in kids)
    if isinstance(node, Binary) and node.op in EQUALITY_OPS:
        return node.left.static_type != node.right.static_type or node.left.static_type is None
    if isinstance(node, Binary):  # order comparisons cast to integers
        return any(k.static_type != "int" for k in kids)
    return True  # IN: members are cast to the operand's type


def unexpected(exc: Exception) -> CesqlError:
    """A failure the engine did not foresee, as the spec's generic error.

    Every cast and function reports its own errors, so this is a last line of defence:
    an event the hub's writer or stream hands to a subscriber's filter can then only
    fail to match, never stop the caller.
    """
    return CesqlError("generic", f"the expression could not be evaluated ({type(exc).__name__})")
