"""The CloudEvents 1.0 type system, checked: String, Integer, URI, URI-reference, Timestamp,
Binary, media types; plus the range of times every consumer can represent.

Each check raises a catalogued error naming the attribute, so that nothing the hub accepts
is later refused or corrupted by an SDK, the client store or a terminal.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import reprlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from notifycenter.catalogue import event as codes

INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# Python's datetime spans years 1-9999; one day of margin on each side keeps the instant
# representable in every local time zone a consumer may convert it to.
TIME_MIN = datetime(1, 1, 2, tzinfo=UTC)
TIME_MAX = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)

# String: no C0/C1 controls, no noncharacters, no lone surrogates (spec "Type System").
_NONCHARACTERS = "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_BAD_CHAR = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")

_TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)

# RFC 3986: appendix B splits a reference; each part is then checked against its grammar.
_SPLIT = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
_PATH = re.compile(rf"(?:[{_UNRESERVED_SUB}:@/]|{_PCT})*")
_QUERY = re.compile(rf"(?:[{_UNRESERVED_SUB}:@/?]|{_PCT})*")
_FIRST_SEGMENT_NC = re.compile(rf"(?:[{_UNRESERVED_SUB}@]|{_PCT})*")
_USERINFO = re.compile(rf"(?:[{_UNRESERVED_SUB}:]|{_PCT})*")
_REG_NAME = re.compile(rf"(?:[{_UNRESERVED_SUB}]|{_PCT})*")
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+")

# RFC 7231 media-type: type "/" subtype *( OWS ";" OWS parameter ).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;(?:[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))?)*[ \t]*"
)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80


def shown(value: object) -> str:
    """A value quoted for an error message, cut short: messages echo untrusted input."""
    return _REPR.repr(value)


def check_string(name: str, value: Any) -> str:
    """A CloudEvents String: a str without the characters the spec disallows."""
    if type(value) is not str:
        raise codes.INVALID_EVENT.error(
            f"attribute {name!r} must be a string, not {type(value).__name__}"
        )
    if not (value.isascii() and value.isprintable()) and _BAD_CHAR.search(value):
        char = _BAD_CHAR.search(value)
        assert char is not None
        raise codes.INVALID_STRING.error(
            f"attribute {name!r} contains U+{ord(char[0]):04X}, which CloudEvents does not allow"
        )
    return value


def check_non_empty_string(name: str, value: Any) -> str:
    text = check_string(name, value)
    if not text:
        raise codes.EMPTY_ATTRIBUTE.error(f"attribute {name!r} is present but empty")
    return text


def check_integer(name: str, value: Any) -> int:
    """A CloudEvents Integer: 32-bit signed (a bool is a Boolean, not an Integer)."""
    if type(value) is not int:
        raise codes.INVALID_EVENT.error(
            f"attribute {name!r} must be an integer, not {type(value).__name__}"
        )
    check_integer_range(name, value)
    return value


def check_integer_range(name: str, value: int) -> None:
    if not INT_MIN <= value <= INT_MAX:
        raise codes.INTEGER_OUT_OF_RANGE.error(
            f"attribute {name!r} is {_short_int(value)}, outside the 32-bit signed range"
        )


def check_value(name: str, value: Any) -> Any:
    """An extension attribute: String, Integer or Boolean (the JSON format's types)."""
    kind = type(value)
    if kind is str:
        return check_string(name, value)
    if kind is bool:
        return value
    if kind is int:
        check_integer_range(name, value)
        return value
    raise codes.INVALID_EVENT.error(
        f"attribute {name!r} must be a string, integer or boolean, not {kind.__name__}"
    )


def is_uri_reference(text: str) -> bool:
    """RFC 3986 section 4.1 URI-reference (absolute or relative)."""
    return _cached_uri(text, False) if len(text) <= _CACHED_LENGTH else _uri_parts(text, False)


def is_absolute_uri(text: str) -> bool:
    """RFC 3986 section 4.3 absolute-URI: a scheme, no fragment."""
    return _cached_uri(text, True) if len(text) <= _CACHED_LENGTH else _uri_parts(text, True)


# Producers repeat their sources, schemas and content types: remember the verdicts, for
# short texts only, so that the cache stays small whatever a client sends.
_CACHED_LENGTH = 256


@lru_cache(maxsize=4096)
def _cached_uri(text: str, absolute: bool) -> bool:
    return _uri_parts(text, absolute)


def _uri_parts(text: str, absolute: bool) -> bool:
    if not text.isascii():
        return False
    parts = _SPLIT.fullmatch(text)
    if parts is None:  # pragma: no cover - the split pattern matches any string
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if scheme is not None and not _SCHEME.fullmatch(scheme):
        return False
    if absolute and (scheme is None or fragment is not None):
        return False
    if authority is not None and not _authority_ok(authority):
        return False
    if not _PATH.fullmatch(path):
        return False
    # path-noscheme: a relative path has no colon in its first segment (it would be a scheme)
    relative_path = scheme is None and authority is None and not path.startswith("/")
    if relative_path and not _FIRST_SEGMENT_NC.fullmatch(path.split("/", 1)[0]):
        return False
    return all(part is None or _QUERY.fullmatch(part) for part in (query, fragment))


def _authority_ok(authority: str) -> bool:
    userinfo, _, hostport = authority.rpartition("@")
    if userinfo and not _USERINFO.fullmatch(userinfo):
        return False
    if hostport.startswith("["):
        literal, _, rest = hostport[1:].partition("]")
        if rest and not (rest[0] == ":" and rest[1:].isdigit()) and rest != ":":
            return False
        if _IP_FUTURE.fullmatch(literal):
            return True
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
        return True
    host, _, port = hostport.partition(":")
    return bool(_REG_NAME.fullmatch(host)) and (port == "" or port.isdigit())


def check_media_type(name: str, value: str) -> str:
    if not _is_media_type(value):
        raise codes.INVALID_MEDIA_TYPE.error(f"{name} {shown(value)} is not a media type")
    return value


def _is_media_type(value: str) -> bool:
    if len(value) > _CACHED_LENGTH:
        return _MEDIA_TYPE.fullmatch(value) is not None
    return _cached_media_type(value)


@lru_cache(maxsize=1024)
def _cached_media_type(value: str) -> bool:
    return _MEDIA_TYPE.fullmatch(value) is not None


def is_json_media_type(media_type: str | None) -> bool:
    """`*/json` or `*/*+json` (the JSON format's rule); absent means JSON in that format."""
    if media_type is None:
        return True
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence.endswith("/json") or essence.endswith("+json")


def check_base64(name: str, value: Any) -> str:
    if type(value) is not str:
        raise codes.INVALID_BASE64.error(f"{name} must be a string, not {type(value).__name__}")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise codes.INVALID_BASE64.error(f"{name} is not RFC 4648 base64") from None
    return value


def normalise_timestamp(value: Any) -> str:
    """An RFC 3339 Timestamp as UTC text (`…Z`), fraction kept as sent.

    A leap second (`:60`) reads as `:59` of the same minute (as java.time does): Python,
    Go and JavaScript cannot represent second 60. Times outside `TIME_MIN`…`TIME_MAX` are
    refused, because a consumer converting them to a local or epoch time would fail.
    """
    text: str = value if type(value) is str else ""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise codes.INVALID_TIME.error(f"time {shown(value)} is not RFC 3339")
    date, hour_minute, second, fraction, offset = match.groups()
    leap = second == "60"
    offset = offset.upper()
    try:
        moment = datetime.fromisoformat(
            f"{date}T{hour_minute}:{'59' if leap else second}{'+00:00' if offset == 'Z' else offset}"
        )
    except ValueError:
        raise codes.INVALID_TIME.error(f"time {shown(value)} is not a real date and time") from None
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not TIME_MIN <= utc <= TIME_MAX:
        raise codes.TIME_OUT_OF_RANGE.error(
            f"time {shown(value)} is outside 0001-01-02T00:00:00Z to 9999-12-30T23:59:59Z in UTC"
        )
    if offset == "Z" and not leap and text[10] == "T" and text[-1] == "Z":
        return text  # already canonical: the common case stays a no-op
    return utc.replace(tzinfo=None).isoformat(timespec="seconds") + (fraction or "") + "Z"


def _short_int(value: int) -> str:
    # never str() a huge int: past 4,300 digits Python refuses to
    return str(value) if value.bit_length() <= 128 else f"a {value.bit_length()}-bit integer"
