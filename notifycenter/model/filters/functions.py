"""CESQL built-in functions (spec §3.5, plus the TCK's INT, BOOL, STRING and IS_BOOL/IS_INT).

Each function receives its arguments already cast to its parameter types ("any"
means uncast) and the error list, and always returns a value of its result type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from notifycenter.model.filters.values import (
    CesqlError,
    TypeName,
    clamp,
    explicit_bool,
    to_int,
    to_str,
)

ParamType = TypeName | str  # "any" takes the argument as it is


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[ParamType, ...]
    result: TypeName
    impl: Callable[..., object]
    variadic: ParamType | None = None  # type of the arguments after `params`

    def accepts(self, count: int) -> bool:
        fixed = len(self.params)
        return count == fixed or (self.variadic is not None and count > fixed)

    def param_type(self, index: int) -> ParamType:
        return self.params[index] if index < len(self.params) else self.variadic or "any"


# Unicode White_Space: str.strip() would also remove the control characters
# U+001C..U+001F, which the spec says TRIM keeps.
_WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _abs(errors: list[CesqlError], x: int) -> int:
    return clamp(abs(x), errors)


def _left(errors: list[CesqlError], x: str, n: int) -> str:
    if n < 0:
        errors.append(CesqlError("functionEvaluation", f"LEFT length {n} is negative"))
        return x
    return x[:n]


def _right(errors: list[CesqlError], x: str, n: int) -> str:
    if n < 0:
        errors.append(CesqlError("functionEvaluation", f"RIGHT length {n} is negative"))
        return x
    return x[len(x) - n :] if n < len(x) else x


def _substring(errors: list[CesqlError], x: str, pos: int, length: int | None = None) -> str:
    if pos > len(x) or pos < -len(x):
        why = f"SUBSTRING position {pos} is outside a string of length {len(x)}"
        errors.append(CesqlError("functionEvaluation", why))
        return ""
    if length is not None and length < 0:
        errors.append(CesqlError("functionEvaluation", f"SUBSTRING length {length} is negative"))
        return ""
    if pos == 0:
        return ""
    start = pos - 1 if pos > 0 else len(x) + pos
    return x[start:] if length is None else x[start : start + length]


def _is_int(errors: list[CesqlError], x: object) -> bool:
    if type(x) is int:
        return True
    probe: list[CesqlError] = []  # asking is not an error
    to_int(x, probe)
    return type(x) is str and not probe


def _is_bool(errors: list[CesqlError], x: object) -> bool:
    return type(x) is bool or (type(x) is str and x.lower() in ("true", "false"))


_TABLE = (
    Function("ABS", ("int",), "int", _abs),
    Function("LENGTH", ("str",), "int", lambda errors, x: len(x)),
    Function("CONCAT", (), "str", lambda errors, *xs: "".join(xs), variadic="str"),
    Function("CONCAT_WS", ("str",), "str", lambda errors, sep, *xs: sep.join(xs), variadic="str"),
    Function("LOWER", ("str",), "str", lambda errors, x: x.lower()),
    Function("UPPER", ("str",), "str", lambda errors, x: x.upper()),
    Function("TRIM", ("str",), "str", lambda errors, x: x.strip(_WHITESPACE)),
    Function("LEFT", ("str", "int"), "str", _left),
    Function("RIGHT", ("str", "int"), "str", _right),
    Function("SUBSTRING", ("str", "int"), "str", _substring),
    Function("SUBSTRING", ("str", "int", "int"), "str", _substring),
    Function("INT", ("any",), "int", lambda errors, x: to_int(x, errors)),
    Function("BOOL", ("any",), "bool", lambda errors, x: explicit_bool(x, errors)),
    Function("STRING", ("any",), "str", lambda errors, x: to_str(x)),
    Function("IS_INT", ("any",), "bool", _is_int),
    Function("IS_BOOL", ("any",), "bool", _is_bool),
)

NAMES = tuple(sorted({f.name for f in _TABLE}))


def lookup(name: str, count: int) -> Function | None:
    """The overload of `name` (upper case) taking `count` arguments, if any."""
    return next((f for f in _TABLE if f.name == name and f.accepts(count)), None)
