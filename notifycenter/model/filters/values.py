"""CESQL values, evaluation errors and the casting rules of spec §3.7.

A CESQL value is a Python `bool`, `int` (32-bit range) or `str`. Attribute values of
any other Python type are Strings (spec §3.2), so they pass through `str()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from notifycenter.catalogue import filters as catalogue
from notifycenter.model.errors import ErrorSpec, NotifyError

Value = bool | int | str
TypeName = Literal["bool", "int", "str"]
ErrorKind = Literal[
    "parse", "math", "cast", "missingAttribute", "missingFunction", "functionEvaluation", "generic"
]

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
ZERO: dict[str, Value] = {"bool": False, "int": 0, "str": ""}

_SPECS: dict[str, ErrorSpec] = {
    "parse": catalogue.CESQL_PARSE,
    "math": catalogue.CESQL_MATH,
    "cast": catalogue.CESQL_CAST,
    "missingAttribute": catalogue.CESQL_MISSING_ATTRIBUTE,
    "missingFunction": catalogue.CESQL_MISSING_FUNCTION,
    "functionEvaluation": catalogue.CESQL_FUNCTION_EVALUATION,
    "generic": catalogue.CESQL_GENERIC,
}


@dataclass(frozen=True, slots=True)
class CesqlError:
    """One entry of the error list that evaluation returns next to the value."""

    kind: ErrorKind
    message: str

    def to_error(self) -> NotifyError:
        """The catalogued error for this kind, for the hub's or the CLI's output."""
        return _SPECS[self.kind].error(self.message, kind=self.kind)


# Python's int() also accepts spaces, underscores and non-ASCII digits; CESQL does not.
_INTEGER = re.compile(r"[+-]?[0-9]+")


def type_of(value: Value) -> TypeName:
    if value is True or value is False:
        return "bool"
    return "int" if type(value) is int else "str"


def normalise(value: object) -> Value:
    """An attribute value as a CESQL value: non-primitive values are Strings."""
    if type(value) in (bool, int, str):
        return value  # type: ignore[return-value]
    return str(value)


def to_int(value: object, errors: list[CesqlError]) -> int:
    """Implicit or explicit cast to Integer; failure is 0 plus a cast error."""
    if type(value) is int:
        return value  # type: ignore[return-value]
    if value is True or value is False:
        return int(value)  # type: ignore[arg-type]
    text = str(value)
    if _INTEGER.fullmatch(text):
        number = int(text)
        if INT_MIN <= number <= INT_MAX:
            return number
        errors.append(CesqlError("cast", f"{text!r} is outside the 32-bit integer range"))
        return 0
    errors.append(CesqlError("cast", f"cannot cast {text!r} to an integer"))
    return 0


def to_bool(value: object, errors: list[CesqlError]) -> bool:
    """Implicit cast to Boolean.

    Integers are refused here although BOOL(x) accepts them: the CESQL TCK expects
    `NOT 10` to report a cast error.
    """
    if value is True or value is False:
        return value  # type: ignore[return-value]
    if type(value) is int:
        errors.append(CesqlError("cast", f"cannot use the integer {value} as a boolean"))
        return False
    text = str(value).lower()
    if text == "true":
        return True
    if text != "false":
        errors.append(CesqlError("cast", f"cannot cast {str(value)!r} to a boolean"))
    return False


def explicit_bool(value: object, errors: list[CesqlError]) -> bool:
    """BOOL(x): like the implicit cast, plus Integer -> Boolean (non-zero is true)."""
    if type(value) is int:
        return value != 0
    return to_bool(value, errors)


def to_str(value: object) -> str:
    """Cast to String never fails."""
    if type(value) is str:
        return value  # type: ignore[return-value]
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def cast(value: object, target: TypeName, errors: list[CesqlError]) -> Value:
    if target == "int":
        return to_int(value, errors)
    if target == "bool":
        return to_bool(value, errors)
    return to_str(value)


def clamp(number: int, errors: list[CesqlError]) -> int:
    """Saturate to 32 bits with a math error, as ABS(-2147483648) does in the spec."""
    if INT_MIN <= number <= INT_MAX:
        return number
    errors.append(CesqlError("math", f"integer overflow: {number} is outside the 32-bit range"))
    return INT_MAX if number > INT_MAX else INT_MIN
