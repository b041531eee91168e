"""Strict parsing of request parameters: every value is checked here, at the edge.

A well-formed but out-of-range value (a cursor past int64, `²` that `str.isdigit()`
accepts, a duration of a million weeks, a time in year 9999 minus one hour) must be a
catalogued 400, never an exception deeper in SQLite or `datetime`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from notifycenter.model.errors import ErrorSpec

INT64_MAX = (1 << 63) - 1
# Far enough for any ack or look-back, near enough that `now ± it` stays a datetime.
MAX_DURATION = timedelta(days=100 * 366)

_DIGITS = re.compile(r"0{0,64}([0-9]{1,19})")  # leading zeros, then what fits 64 bits
_DURATION = re.compile(r"(?:[0-9]{1,9}\s*[smhdw]\s*){1,8}")
_DURATION_PART = re.compile(r"([0-9]+)\s*([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def parse_int(text: str, name: str, low: int, high: int, spec: ErrorSpec) -> int:
    """ASCII decimal digits only (no sign, no space, no `²`), within [low, high]."""
    value = _digits(text)
    if value is None or not low <= value <= high:
        raise spec.error(f"{name} {_shown(text)} is not a whole number from {low} to {high}")
    return value


def parse_cursor(text: str, name: str, spec: ErrorSpec) -> int:
    """A log position: ASCII digits that fit SQLite's 64-bit integer."""
    value = _digits(text)
    if value is None or value > INT64_MAX:
        raise spec.error(f"{name} {_shown(text)} is not a cursor (a decimal number up to 2^63-1)")
    return value


def cursor_or_none(text: str) -> int | None:
    """The position a ref names when it is a cursor; None when it cannot be one."""
    value = _digits(text)
    return value if value is not None and value <= INT64_MAX else None


def parse_duration(text: str, name: str, spec: ErrorSpec) -> timedelta | None:
    """`2h`, `30m`, `1d12h` up to MAX_DURATION; None when it is not a duration at all."""
    compact = text.strip().lower()
    if not _DURATION.fullmatch(compact):
        return None
    seconds = sum(int(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(compact))
    if seconds > MAX_DURATION.total_seconds():
        raise spec.error(f"{name} {_shown(text)} is longer than {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def parse_moment(text: str) -> datetime | None:
    """An RFC 3339 time with a zone whose UTC instant is a valid datetime; else None."""
    if not _RFC3339.fullmatch(text):
        return None
    compact = text.upper().replace("Z", "+00:00").replace(" ", "T")
    head, dot, rest = compact.partition(".")
    if dot:  # fromisoformat takes at most 6 fractional digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        compact = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    try:
        return datetime.fromisoformat(compact).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def shift(now: datetime, delta: timedelta) -> datetime | None:
    """`now + delta`, or None past the calendar's ends."""
    try:
        return now + delta
    except OverflowError:
        return None


def _digits(text: str) -> int | None:
    found = _DIGITS.fullmatch(text)
    return int(found.group(1)) if found else None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
