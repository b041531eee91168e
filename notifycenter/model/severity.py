"""Severities: every spelling ingest accepts, OpenTelemetry numbers, and buckets."""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum

from notifycenter.catalogue.event import UNKNOWN_SEVERITY
from notifycenter.model.cetypes import shown


class Severity(IntEnum):
    """Syslog keywords plus Meshery's SUCCESS, valued by OpenTelemetry SeverityNumber."""

    DEBUG = 5
    INFO = 9
    NOTICE = 10
    SUCCESS = 11
    WARNING = 13
    ERROR = 17
    CRITICAL = 18
    ALERT = 19
    EMERGENCY = 21


class Bucket(StrEnum):
    ERRORS = "errors"
    WARNINGS = "warnings"
    INFOS = "infos"
    AUDIT = "audit"


_ALIASES = {
    "emerg": Severity.EMERGENCY,
    "panic": Severity.EMERGENCY,
    "crit": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "err": Severity.ERROR,
    "error": Severity.ERROR,
    "warn": Severity.WARNING,
    "informational": Severity.INFO,
    "information": Severity.INFO,
    "ok": Severity.SUCCESS,
}
_BY_TEXT = {s.name.lower(): s for s in Severity} | _ALIASES

# OpenTelemetry ranges (1-4 TRACE … 21-24 FATAL) folded onto our nine levels.
_BY_NUMBER = {
    **{n: Severity.DEBUG for n in range(1, 9)},
    9: Severity.INFO,
    10: Severity.NOTICE,
    11: Severity.SUCCESS,
    12: Severity.INFO,
    **{n: Severity.WARNING for n in range(13, 17)},
    17: Severity.ERROR,
    18: Severity.CRITICAL,
    19: Severity.ALERT,
    20: Severity.ALERT,
    **{n: Severity.EMERGENCY for n in range(21, 25)},
}


# ASCII digits only (`isdigit` also passes "²", which int() refuses), and few of them.
_DECIMAL = re.compile(r"-?[0-9]{1,9}")


def parse_severity(text: str) -> Severity:
    """Any case, any alias; an unknown word is an error, never a silent INFO."""
    found = _BY_TEXT.get(text.strip().lower()) if isinstance(text, str) else None
    if found is None:
        raise UNKNOWN_SEVERITY.error(f"unknown severitytext {shown(text)}")
    return found


def severity_from_number(number: object) -> Severity:
    """Accept an int or the decimal string that binary mode yields."""
    value: int | None = None
    if isinstance(number, int) and not isinstance(number, bool):
        value = number
    elif isinstance(number, str) and _DECIMAL.fullmatch(number.strip()):
        value = int(number)
    if value not in _BY_NUMBER:
        raise UNKNOWN_SEVERITY.error(
            f"severitynumber {shown(number)} is not an integer from 1 to 24"
        )
    return _BY_NUMBER[value]


def bucket_of(severity: Severity, category: str | None = None) -> Bucket:
    if severity == Severity.DEBUG or category == "audit":
        return Bucket.AUDIT
    if severity >= Severity.ERROR:
        return Bucket.ERRORS
    if severity == Severity.WARNING:
        return Bucket.WARNINGS
    return Bucket.INFOS


def is_managed(bucket: Bucket) -> bool:
    """Audit events are stored and listed but have no lifecycle and never pop up."""
    return bucket != Bucket.AUDIT
