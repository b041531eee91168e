"""CESQL values, evaluation errors and the casting rules of spec §3.7.

A CESQL value is a Python `bool`, `int` (32-bit range) or `str`. Attribute values of
any other Python type, integers beyond 32 bits included, are Strings (spec §3.2): their
text, which `text_of` gives without ever raising. No cast raises either: a failure is
the type's zero value plus a `CesqlError` (spec §3.3).
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


_DIGITS = re.compile("[0-9]+")
_LEADING_ZEROS = re.compile("0*")


def type_of(value: Value) -> TypeName:
    if value is True or value is False:
        return "bool"
    return "int" if type(value) is int else "str"


def normalise(value: object) -> Value:
    """An attribute value as a CESQL value: anything but a boolean, a 32-bit integer or
    a string is a String (spec §3.2), an integer beyond 32 bits included."""
    kind = type(value)
    if kind is str or kind is bool:
        return value  # type: ignore[return-value]
    if kind is int and INT_MIN <= value <= INT_MAX:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    return text_of(value)


def text_of(value: object) -> str:
    """`str(value)` that cannot raise: Python refuses to print integers of more than
    4,300 digits, and an object's own `__str__` may fail."""
    if type(value) is int:
        return _decimal(value)
    try:
        return str(value)
    except Exception:  # an attribute value must never stop evaluation
        return f"<{type(value).__name__}>"


def _decimal(number: int) -> str:
    try:
        return str(number)
    except ValueError:  # over the int-max-str-digits limit: print it in chunks
        high, low = divmod(abs(number), 10**_CHUNK)
        text = _decimal(high) + str(low).zfill(_CHUNK)
        return "-" + text if number < 0 else text


_CHUNK = 4000
_MAX_DIGITS = len(str(INT_MAX))  # longer digit runs (after leading zeros) are out of range


def shown(text: str) -> str:
    """A value as an error message quotes it: short, whatever the value's size."""
    return repr(text) if len(text) <= 40 else repr(text[:37]) + f"... ({len(text)} characters)"


def to_int(value: object, errors: list[CesqlError]) -> int:
    """Implicit or explicit cast to Integer; failure is 0 plus a cast error.

    Never raises and never calls `int()` on more than 10 digits: a long value costs at
    most one pass over its leading zeros, never Python's quadratic decimal conversion
    nor its 4,300-digit limit.
    """
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        return value
    if value is True or value is False:
        return int(value)
    text = text_of(value)
    start = 1 if text.startswith(("+", "-")) else 0
    zeros = _LEADING_ZEROS.match(text, start).end()  # type: ignore[union-attr]
    digits = text[zeros:]
    if len(digits) > _MAX_DIGITS:  # too long for 32 bits, digits or not: no need to look
        errors.append(CesqlError("cast", f"{shown(text)} is not a 32-bit integer"))
        return 0
    # Python's int() also accepts spaces, underscores and non-ASCII digits; CESQL does not.
    if (digits and not _DIGITS.fullmatch(digits)) or (not digits and zeros == start):
        errors.append(CesqlError("cast", f"cannot cast {shown(text)} to an integer"))
        return 0
    number = -int(digits or "0") if text[0] == "-" else int(digits or "0")
    if INT_MIN <= number <= INT_MAX:
        return number
    errors.append(CesqlError("cast", f"{shown(text)} is outside the 32-bit integer range"))
    return 0


def to_bool(value: object, errors: list[CesqlError]) -> bool:
    """Implicit cast to Boolean.

    Integers are refused here although BOOL(x) accepts them: the CESQL TCK expects
    `NOT 10` to report a cast error.
    """
    if value is True or value is False:
        return value
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        errors.append(CesqlError("cast", f"cannot use the integer {value} as a boolean"))
        return False
    text = text_of(value)
    lowered = text.lower() if len(text) in (4, 5) else text
    if lowered == "true":
        return True
    if lowered != "false":
        errors.append(CesqlError("cast", f"cannot cast {shown(text)} to a boolean"))
    return False


def explicit_bool(value: object, errors: list[CesqlError]) -> bool:
    """BOOL(x): like the implicit cast, plus Integer -> Boolean (non-zero is true)."""
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        return value != 0
    return to_bool(value, errors)


def to_str(value: object) -> str:
    """Cast to String never fails."""
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    return text_of(value)


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
