"""Helpers the generated code calls off its fast paths (casts, arithmetic, errors)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from notifycenter.model.filters.values import (
    CesqlError,
    Value,
    cast,
    clamp,
    normalise,
    to_bool,
    to_int,
    to_str,
    type_of,
)


def _miss(errs: list[CesqlError], name: str) -> bool:
    errs.append(CesqlError("missingAttribute", f"the event has no attribute {name!r}"))
    return True


def _nofn(errs: list[CesqlError], name: str, count: int) -> bool:
    errs.append(CesqlError("missingFunction", f"no function {name} takes {count} argument(s)"))
    return False


def _div(x: int, y: int, errs: list[CesqlError]) -> int:
    if y == 0:
        errs.append(CesqlError("math", "division by zero"))
        return 0
    quotient = abs(x) // abs(y)  # truncated towards zero, unlike Python's //
    return clamp(-quotient if (x < 0) != (y < 0) else quotient, errs)


def _mod(x: int, y: int, errs: list[CesqlError]) -> int:
    if y == 0:
        errs.append(CesqlError("math", "modulo by zero"))
        return 0
    remainder = abs(x) % abs(y)  # takes the dividend's sign
    return -remainder if x < 0 else remainder


def _eq(x: Value, y: Value, errs: list[CesqlError]) -> bool:
    """`=` when the right type is known only per event: cast x to y's type."""
    return cast(x, type_of(y), errs) == y


def _in(x: Value, items: tuple[Value, ...], errs: list[CesqlError]) -> bool:
    """IN casts every member to the left operand's type (spec §3.7)."""
    target = type_of(x)
    found = False
    for item in items:
        found = cast(item, target, errs) == x or found
    return found


def _chain(
    op: str, operands: tuple[Callable[..., Any], ...], e: Mapping[str, Any], errs: list[CesqlError]
) -> bool:
    """`((o1 op o2) op o3) …` with spec §3.3 errors: an operator whose operand reported an
    error returns false, so one error at any level makes every level above it false."""
    start = len(errs)
    result = operands[0](e, errs)
    if len(errs) != start:
        return False
    result = to_bool(result, errs)  # the first operator's own cast
    for level, operand in enumerate(operands[1:], start=2):
        if level > 2 and len(errs) != start:
            return False
        if (op == "AND" and not result) or (op == "OR" and result):
            return result
        mark = len(errs)
        value = operand(e, errs)
        if len(errs) != mark:
            return False
        value = to_bool(value, errs)
        result = result != value if op == "XOR" else value
    return result


def _mint(value: object) -> int | None:
    """`matches`' cast to Integer: None where the cast would report an error."""
    errors: list[CesqlError] = []
    number = to_int(value, errors)
    return None if errors else number


def _mbool(value: object) -> bool | None:
    """`matches`' cast to Boolean: None where the cast would report an error."""
    errors: list[CesqlError] = []
    truth = to_bool(value, errors)
    return None if errors else truth


def _min(value: Value, items: tuple[Value, ...]) -> bool | None:
    """`matches`' IN: None where a member's cast would report an error."""
    errors: list[CesqlError] = []
    found = _in(value, items, errors)
    return None if errors else found


def _guard(
    evaluate: Callable[[Mapping[str, Any], list[CesqlError]], Any], e: Mapping[str, Any]
) -> bool:
    own: list[CesqlError] = []
    try:
        return evaluate(e, own) is True and not own
    except Exception:  # like a reported error, this filter alone is false
        return False


HELPERS: dict[str, Any] = {
    "_miss": _miss,
    "_nofn": _nofn,
    "_int": to_int,
    "_bool": to_bool,
    "_str": to_str,
    "_norm": normalise,
    "_neg": lambda x, errs: clamp(-x, errs),
    "_add": lambda x, y, errs: clamp(x + y, errs),
    "_sub": lambda x, y, errs: clamp(x - y, errs),
    "_mul": lambda x, y, errs: clamp(x * y, errs),
    "_div": _div,
    "_mod": _mod,
    "_eq": _eq,
    "_in": _in,
    "_guard": _guard,
    "_chain": _chain,
    "_mint": _mint,
    "_mbool": _mbool,
    "_min": _min,
}
