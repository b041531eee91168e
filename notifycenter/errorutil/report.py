"""An analysis as JSON (`-o json`) or as text for a terminal."""

from __future__ import annotations

import shutil
from typing import Any

from notifycenter.errorutil.analysis import Analysis
from notifycenter.errorutil.codes import make_code
from notifycenter.errorutil.model import ErrorEntry, Location
from notifycenter.model.sanitize import sanitize_line as clean


def analysis_document(analysis: Analysis) -> dict[str, Any]:
    component = analysis.component
    return {
        "component": {
            "name": component.name,
            "type": component.type,
            "next_error_code": component.next_error_code,
        },
        "files_scanned": analysis.files_scanned,
        "errors": [_entry(e) for e in analysis.entries],
        "duplicate_codes": {k: [_ref(e) for e in v] for k, v in analysis.duplicate_codes.items()},
        "duplicate_names": {
            k: [_ref(e, True) for e in v] for k, v in analysis.duplicate_names.items()
        },
        "placeholders": [_ref(e) for e in analysis.placeholders],
        "malformed_codes": [_ref(e) for e in analysis.malformed],
        "unreadable_codes": [_ref(e) for e in analysis.unreadable_codes],
        "missing_probable_cause": [_ref(e, True) for e in analysis.missing_cause],
        "missing_remediation": [_ref(e, True) for e in analysis.missing_remedy],
        "highest_code": analysis.highest_code,
        "next_error_code_too_low": analysis.next_code_too_low,
        "next_free_code": make_code(component.name, analysis.next_free_code),
        "warnings": analysis.warnings,
        "ok": not analysis.failed,
    }


def _entry(entry: ErrorEntry) -> dict[str, Any]:
    return {
        "code": entry.code,
        "name": entry.name,
        "severity": entry.severity,
        "file": entry.location.path,
        "line": entry.location.line,
        "language": entry.language,
        "has_details": entry.has_details,
        "short_description": entry.short,
        "long_description": entry.long,
        "probable_cause": entry.causes,
        "suggested_remediation": entry.remedies,
    }


def _ref(entry: ErrorEntry, at_details: bool = False) -> dict[str, Any]:
    where = _where(entry, at_details)
    return {"name": entry.name, "code": entry.code, "file": where.path, "line": where.line}


def render_text(analysis: Analysis, verbose: bool = False) -> str:
    component = analysis.component
    lines = [
        f"{clean(component.name)} ({clean(component.type)}): "
        f"{len(analysis.entries)} errors in {analysis.files_scanned} files",
        "",
    ]
    lines += _table(analysis.entries, verbose)
    lines += _findings(analysis)
    lines.append(f"Next free code: {make_code(clean(component.name), analysis.next_free_code)}")
    return "\n".join(lines) + "\n"


def _table(entries: list[ErrorEntry], verbose: bool) -> list[str]:
    rows = [("CODE", "NAME", "SEVERITY", "WHERE", "DESCRIPTION")]
    rows += [
        (
            clean(_code(e)),
            clean(e.name),
            clean(e.severity),
            str(e.location),
            clean(" ".join(e.short)),
        )
        for e in entries
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    room = max(20, shutil.get_terminal_size((120, 24)).columns - sum(widths) - 8)
    out = []
    for index, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)] + [_cut(row[4], room)]
        out.append("  ".join(cells).rstrip())
        if verbose and index:
            out += _details(entries[index - 1])
    return out


def _details(entry: ErrorEntry) -> list[str]:
    out = [f"    long: {clean(t)}" for t in entry.long]
    out += [f"    cause {n}: {clean(t)}" for n, t in enumerate(entry.causes, 1)]
    out += [f"    remedy {n}: {clean(t)}" for n, t in enumerate(entry.remedies, 1)]
    return out


def _findings(analysis: Analysis) -> list[str]:
    sections = [
        (
            "Duplicate codes",
            [f"{clean(k)}: {_refs(v)}" for k, v in analysis.duplicate_codes.items()],
        ),
        (
            "Duplicate names",
            [f"{clean(k)}: {_refs(v, True)}" for k, v in analysis.duplicate_names.items()],
        ),
        ("Placeholder codes", [_refs([e]) for e in analysis.placeholders]),
        (
            "Codes that are not <name>-<number> or a number",
            [_refs([e]) for e in analysis.malformed],
        ),
        (
            "Codes that could not be read (computed, or constant not found)",
            [_refs([e]) for e in analysis.unreadable_codes],
        ),
        ("No probable cause", [_refs([e], True) for e in analysis.missing_cause]),
        ("No suggested remediation", [_refs([e], True) for e in analysis.missing_remedy]),
        ("Warnings", [clean(w) for w in analysis.warnings]),
    ]
    out: list[str] = []
    for title, items in sections:
        if items:
            out += ["", f"{title} ({len(items)}):"] + [f"  {item}" for item in items]
    if analysis.next_code_too_low:
        out += [
            "",
            f"next_error_code {analysis.component.next_error_code} is not above "
            f"the highest code in use ({analysis.highest_code})",
        ]
    return [*out, ""]


def _refs(entries: list[ErrorEntry], at_details: bool = False) -> str:
    return ", ".join(
        f"{clean(e.name)} [{clean(_code(e))}] at {_where(e, at_details)}" for e in entries
    )


def _where(entry: ErrorEntry, at_details: bool) -> Location:
    """Where to fix it: the code's literal for code problems, the call for the rest."""
    return entry.location if at_details else entry.code_location or entry.location


def _code(entry: ErrorEntry) -> str:
    if entry.code is None:
        return "?"
    return entry.code if entry.code else '""'


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: room - 1] + "…"
