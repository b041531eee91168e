"""errorutil's export (errorutil_errors_export.json), for the Meshery error reference."""

from __future__ import annotations

import json
from typing import Any

from notifycenter.errorutil.analysis import Analysis
from notifycenter.errorutil.model import ErrorEntry

EXPORT_FILENAME = "errorutil_errors_export.json"


def documented(analysis: Analysis) -> list[ErrorEntry]:
    """The entries a reference lists: well-formed codes defined once, first by code order.

    As errorutil does, placeholders, malformed and duplicate codes are left out.
    """
    duplicates = {analysis.number(e) for group in analysis.duplicate_codes.values() for e in group}
    seen: set[int] = set()
    out: list[ErrorEntry] = []
    for entry in analysis.entries:
        number = analysis.number(entry)
        if number is None or number in duplicates or number in seen:
            continue
        seen.add(number)
        out.append(entry)
    return out


def export_document(analysis: Analysis) -> dict[str, Any]:
    """errorutil's shape; the key and `code` are the code exactly as the sources write it."""
    return {
        "component_name": analysis.component.name,
        "component_type": analysis.component.type,
        "errors": {entry.code: _exported(entry) for entry in documented(analysis)},
    }


def render_export(analysis: Analysis) -> str:
    return json.dumps(export_document(analysis), indent=2, ensure_ascii=False) + "\n"


def _exported(entry: ErrorEntry) -> dict[str, str]:
    # errorutil's field order and its "\n"-joined lists
    return {
        "name": entry.name,
        "code": entry.code or "",
        "severity": entry.severity,
        "long_description": "\n".join(entry.long),
        "short_description": "\n".join(entry.short),
        "probable_cause": "\n".join(entry.causes),
        "suggested_remediation": "\n".join(entry.remedies),
    }
