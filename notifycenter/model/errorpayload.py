"""Read the error object from every shape producers send, and write the canonical one.

Shapes: `data.error` (canonical or MeshKit-named), the seed's top-level
`errorCode`, MeshKit's Go field names at the top of `data`, and Meshery's `metadata.error`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from notifycenter.catalogue.event import INVALID_ERROR_PAYLOAD

# canonical name -> spellings seen in the wild (canonical first)
FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "Code", "errorCode", "error_code"),
    "severity": ("severity", "Severity"),
    "shortDescription": ("shortDescription", "ShortDescription", "short_description"),
    "longDescription": ("longDescription", "LongDescription", "long_description"),
    "probableCause": ("probableCause", "ProbableCause", "probable_cause"),
    "suggestedRemediation": (
        "suggestedRemediation",
        "SuggestedRemediation",
        "suggested_remediation",
    ),
}
LIST_FIELDS = frozenset(
    {"shortDescription", "longDescription", "probableCause", "suggestedRemediation"}
)
_TOP_LEVEL_ALIASES = frozenset(s for name, spellings in FIELDS.items() for s in spellings[1:]) - {
    "Severity"
}


def normalise_error_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of `data` whose error, if any, sits in `data.error`, canonical."""
    out = dict(data)
    found: dict[str, Any] = {}
    metadata = out.get("metadata")
    if _is_mapping(metadata) and _is_mapping(metadata.get("error")):
        found.update(_read_fields(metadata["error"]))
        out["metadata"] = {k: v for k, v in metadata.items() if k != "error"}
    if not _TOP_LEVEL_ALIASES.isdisjoint(out):
        top = {k: out.pop(k) for k in list(out) if k in _TOP_LEVEL_ALIASES}
        found.update(_read_fields(top))
    error = out.get("error")
    if _is_mapping(error):
        found.update(_read_fields(error))
    elif isinstance(error, str) and error:
        found.setdefault("shortDescription", [error])
    elif error is not None:
        raise INVALID_ERROR_PAYLOAD.error("data.error must be an object or a string")
    if found:
        out["error"] = found
    return out


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    # `type is dict` first: the ABC check costs ~0.3 µs, and JSON gives dicts.
    return type(value) is dict or isinstance(value, Mapping)


_CANONICAL = frozenset(FIELDS)
_ALL_SPELLINGS = frozenset(s for spellings in FIELDS.values() for s in spellings)
# spelling -> (canonical name, rank): the lowest-ranked non-empty spelling wins.
_SPELLING = {
    s: (name, rank) for name, spellings in FIELDS.items() for rank, s in enumerate(spellings)
}


def _read_fields(source: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical fields; per field, the first spelling (in `FIELDS` order) that has a value.

    Walks the keys the payload has rather than every spelling (20): 2.3 µs instead of
    5.1 µs for a four-field MeshKit error (timeit, best of 7).
    """
    if _ALL_SPELLINGS.isdisjoint(source):  # the common event carries no error: stay cheap
        return {}
    if _CANONICAL.issuperset(source):  # already canonical, as our own producers send it
        fields: dict[str, Any] = {}
        for name in FIELDS:
            value = source.get(name)
            if value is not None and value != "" and value != []:
                fields[name] = (
                    _as_list(name, value) if name in LIST_FIELDS else _as_scalar(name, value)
                )
        return fields
    chosen: dict[str, tuple[int, Any]] = {}
    for key, value in source.items():
        spelling = _SPELLING.get(key)
        if spelling is None or value is None or value == "" or value == []:
            continue
        name, rank = spelling
        if name not in chosen or rank < chosen[name][0]:
            chosen[name] = (rank, value)
    fields = {}
    for name in FIELDS:  # canonical order, as before
        if name in chosen:
            value = chosen[name][1]
            fields[name] = _as_list(name, value) if name in LIST_FIELDS else _as_scalar(name, value)
    return fields


def _as_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if type(value) is list and not [
        v for v in value if type(v) is not str
    ]:  # no generator: cheaper
        return [v for v in value if v]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v]
    raise INVALID_ERROR_PAYLOAD.error(f"error field {name!r} must be a string or a list of strings")


def _as_scalar(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise INVALID_ERROR_PAYLOAD.error(f"error field {name!r} must be a string")
    return str(value)
