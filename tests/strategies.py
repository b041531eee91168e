"""Hypothesis strategies for CloudEvents: valid ones, and hostile ones a hub must refuse.

`valid_events()` draws events every consumer can take (CloudEvents type system, times in
range); `hostile_events()` draws a valid event with one attribute broken the way a careless
or malicious producer would; `any_events()` draws from both. `HOSTILE_KINDS` names each
kind of breakage so a test can say which one it got.
"""

from __future__ import annotations

import base64
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

INT32 = (-(2**31), 2**31 - 1)

# Attribute names the strategies never use for extensions: they have a type of their own.
RESERVED = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "data",
        "data_base64",
        "datacontenttype",
        "dataschema",
        "severitytext",
        "severitynumber",
        "traceparent",
        "cursor",
    }
)

# CloudEvents String: no controls (Cc), no surrogates (Cs), no noncharacters (in Cn).
ce_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=40)
_SEGMENT = st.text(string.ascii_lowercase + string.digits + "-._~", min_size=1, max_size=12)
uri_references = st.one_of(
    st.builds(lambda kind, name: f"urn:meshery:{kind}:{name}", _SEGMENT, _SEGMENT),
    st.builds(lambda a, b: f"/{a}/{b}", _SEGMENT, _SEGMENT),
    st.builds(lambda host, path: f"https://{host}.example:9181/{path}?q=1#f", _SEGMENT, _SEGMENT),
    ce_text.map(lambda text: "urn:x:" + quote(text, safe="")),  # any text, percent-encoded
)
absolute_uris = st.builds(lambda host, path: f"https://{host}.example/{path}", _SEGMENT, _SEGMENT)
extension_names = st.from_regex(r"\A[a-z0-9]{1,12}\Z").filter(lambda n: n not in RESERVED)
extension_values = ce_text | st.booleans() | st.integers(*INT32)
severities = st.sampled_from(
    ["EMERGENCY", "alert", "crit", "Error", "warn", "NOTICE", "info", "debug", "SUCCESS", "fatal"]
)
traceparents = (
    st.tuples(st.from_regex(r"\A[0-9a-f]{32}\Z"), st.from_regex(r"\A[0-9a-f]{16}\Z"))
    .filter(lambda ids: set(ids[0]) != {"0"} and set(ids[1]) != {"0"})
    .map(lambda ids: f"00-{ids[0]}-{ids[1]}-01")
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ce_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ce_text, inner, max_size=4),
    max_leaves=12,
)
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    """RFC 3339 in any offset, 0-9 fraction digits, sometimes a leap second; in range."""
    moment = draw(
        st.datetimes(min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 29))
    ).replace(tzinfo=UTC)
    local = moment.astimezone(draw(_OFFSETS))
    digits = draw(st.integers(0, 9))
    fraction = (
        "."
        + "".join(draw(st.lists(st.sampled_from(string.digits), min_size=digits, max_size=digits)))
        if digits
        else ""
    )
    second = "60" if draw(st.integers(0, 20)) == 0 else f"{local.second:02d}"
    offset = local.strftime("%z")
    offset = "Z" if offset == "+0000" and draw(st.booleans()) else f"{offset[:3]}:{offset[3:]}"
    return f"{local.year:04d}-{local:%m-%dT%H:%M}:{second}{fraction}{offset}"


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": draw(ce_text),
        "source": draw(uri_references),
        "type": draw(ce_text),
    }
    optional = {
        "time": timestamps(),
        "subject": ce_text,
        "dataschema": absolute_uris,
        "severitytext": severities,
        "severitynumber": st.integers(1, 24),
        "traceparent": traceparents,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            event[name] = draw(strategy)
    event.update(draw(st.dictionaries(extension_names, extension_values, max_size=4)))
    payload = draw(st.sampled_from(["none", "json", "implicit-json", "text", "binary"]))
    if payload == "json":
        event["datacontenttype"] = draw(
            st.sampled_from(["application/json", "application/vnd.x+json; charset=utf-8"])
        )
        event["data"] = draw(st.dictionaries(ce_text, json_values, max_size=5) | json_values)
    elif payload == "implicit-json":
        event["data"] = draw(st.dictionaries(ce_text, json_values, max_size=5))
    elif payload == "text":
        event["datacontenttype"] = "text/plain; charset=utf-8"
        event["data"] = draw(st.text(max_size=40))
    elif payload == "binary":
        event["datacontenttype"] = "application/octet-stream"
        event["data_base64"] = draw(st.binary(max_size=40).map(_b64))
    return event


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


# Each: (name, the attribute changes that break a valid event).
_CONTROL = st.sampled_from(
    ["\x00", "\n", "\x1b[31m", "\x7f", "\x85", "\x9b", "\ufdd0", "\uffff", "\U0010fffe", "\ud800"]
)
HOSTILE_KINDS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "control-in-id": _CONTROL.map(lambda c: {"id": f"a{c}b"}),
    "control-in-subject": _CONTROL.map(lambda c: {"subject": f"{c}"}),
    "control-in-extension": _CONTROL.map(lambda c: {"comexample": f"x{c}"}),
    "empty-subject": st.just({"subject": ""}),
    "empty-datacontenttype": st.just({"datacontenttype": ""}),
    "empty-dataschema": st.just({"dataschema": ""}),
    "non-string-subject": st.sampled_from([1, True, ["a"], {"a": 1}, 1.5]).map(
        lambda v: {"subject": v}
    ),
    "integer-past-32-bits": st.sampled_from([2**31, -(2**31) - 1, 2**40, 2**63 - 1]).map(
        lambda v: {"comexampleint": v}
    ),
    "float-extension": st.floats(allow_nan=False, allow_infinity=False).map(
        lambda v: {"comexamplef": v}
    ),
    "object-extension": st.just({"comexampleobj": {"a": 1}}),
    "source-not-uri": st.sampled_from(
        ["a b", "café", "1a:b", "http://[zz]/", "%zz", "a\\b", ""]
    ).map(lambda v: {"source": v}),
    "dataschema-not-absolute": st.sampled_from(
        ["/schema.json", "schema", "https://x/s#frag", "a b:c"]
    ).map(lambda v: {"dataschema": v}),
    "bad-base64": st.sampled_from(["abc", "YQ", "Y Q==", "****", "YQ==\n"]).map(
        lambda v: {"data_base64": v, "datacontenttype": "application/octet-stream"}
    ),
    "base64-not-string": st.just({"data_base64": 12}),
    "data-and-base64": st.just({"data": "x", "data_base64": "YQ=="}),
    "time-out-of-range": st.sampled_from(
        [
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T12:00:00Z",
            "0001-01-01T00:00:00Z",
        ]
    ).map(lambda v: {"time": v}),
    "time-not-rfc3339": st.sampled_from(
        ["2026-13-01T00:00:00Z", "yesterday", "2026-01-01", "2026-01-01T25:00:00Z", 1700000000]
    ).map(lambda v: {"time": v}),
    "media-type-invalid": st.sampled_from(["json", "text plain", "a/b/c"]).map(
        lambda v: {"datacontenttype": v}
    ),
    "non-text-data-for-text-type": st.just({"datacontenttype": "text/plain", "data": {"a": 1}}),
    "data-too-deep": st.integers(65, 300).map(lambda d: {"data": _nested(d)}),
    "bad-extension-name": st.sampled_from(["trace-id", "Upper", "a_b", ""]).map(lambda n: {n: "x"}),
    "specversion": st.sampled_from(["0.3", "2.0", 1.0]).map(lambda v: {"specversion": v}),
}


@st.composite
def hostile_events(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(kind, event): a valid event with one kind of breakage applied."""
    kind = draw(st.sampled_from(sorted(HOSTILE_KINDS)))
    event = draw(valid_events())
    change = draw(HOSTILE_KINDS[kind])
    if "data" in change or "data_base64" in change:
        event.pop("data", None)
        event.pop("data_base64", None)
    event.update(change)
    return kind, event


def any_events() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(kind, event) where kind is "valid" or one of `HOSTILE_KINDS`."""
    return st.one_of(valid_events().map(lambda e: ("valid", e)), hostile_events())
