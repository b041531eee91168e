"""Read the error object from every shape producers send, and write the canonical one.

Shapes (DESIGN §1): `data.error` (canonical or MeshKit-named), the seed's top-level
`errorCode`, MeshKit's Go field names at the top of `data`, and Meshery's `metadata.error`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifycenter.catalogue.event import INVALID_ERROR_PAYLOAD

# canonical name -> spellings seen in the wild (canonical first)
FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "Code", "errorCode", "error_code"),
    "severity": ("severity", "Severity"),
    "shortDescription": ("shortDescription", "ShortDescription", "short_description"),
    "longDescription": ("longDescription", "LongDescription", "long_description"),
    "probableCause": ("probableCause", "ProbableCause", "probable_cause"),
    "suggestedRemediation": ("suggestedRemediation", "SuggestedRemediation", "suggested_remediation"),
}
LIST_FIELDS = frozenset({"shortDescription", "longDescription", "probableCause", "suggestedRemediation"})
_TOP_LEVEL_ALIASES = frozenset(s for name, spellings in FIELDS.items() for s in spellings[1:]) - {"Severity"}


def normalise_error_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of `data` whose error, if any, sits in `data.error`, canonical."""
    out = dict(data)
    found: dict[str, Any] = {}
    metadata = out.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("error"), Mapping):
        found.update(_read_fields(metadata["error"]))
        out["metadata"] = {k: v for k, v in metadata.items() if k != "error"}
    top = {k: out.pop(k) for k in list(out) if k in _TOP_LEVEL_ALIASES}
    found.update(_read_fields(top))
    error = out.get("error")
    if isinstance(error, Mapping):
        found.update(_read_fields(error))
    elif isinstance(error, str) and error:
        found.setdefault("shortDescription", [error])
    elif error is not None:
        raise INVALID_ERROR_PAYLOAD.error("data.error must be an object or a string")
    if found:
        out["error"] = found
    return out


_ALL_SPELLINGS = frozenset(s for spellings in FIELDS.values() for s in spellings)


def _read_fields(source: Mapping[str, Any]) -> dict[str, Any]:
    if _ALL_SPELLINGS.isdisjoint(source):  # the common event carries no error: stay cheap
        return {}
    fields: dict[str, Any] = {}
    for name, spellings in FIELDS.items():
        value = next((source[s] for s in spellings if source.get(s) not in (None, "", [])), None)
        if value is None:
            continue
        fields[name] = _as_list(name, value) if name in LIST_FIELDS else _as_scalar(name, value)
    return fields


def _as_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v]
    raise INVALID_ERROR_PAYLOAD.error(f"error field {name!r} must be a string or a list of strings")


def _as_scalar(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise INVALID_ERROR_PAYLOAD.error(f"error field {name!r} must be a string")
    return str(value)
