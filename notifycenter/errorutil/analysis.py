"""Read a component's sources and find what is wrong with its error codes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from notifycenter.catalogue.errorutil import DIRECTORY_NOT_FOUND
from notifycenter.errorutil import gosource, pysource
from notifycenter.errorutil.codes import code_number, is_placeholder
from notifycenter.errorutil.component import ComponentInfo
from notifycenter.errorutil.model import ErrorEntry
from notifycenter.errorutil.walk import iter_sources


@dataclass
class Analysis:
    """Every error of a component and every problem with its codes."""

    root: Path
    component: ComponentInfo
    entries: list[ErrorEntry]
    files_scanned: int
    warnings: list[str] = field(default_factory=list)
    duplicate_codes: dict[str, list[ErrorEntry]] = field(default_factory=dict)
    duplicate_names: dict[str, list[ErrorEntry]] = field(default_factory=dict)
    placeholders: list[ErrorEntry] = field(default_factory=list)
    malformed: list[ErrorEntry] = field(default_factory=list)
    unreadable_codes: list[ErrorEntry] = field(default_factory=list)
    missing_cause: list[ErrorEntry] = field(default_factory=list)
    missing_remedy: list[ErrorEntry] = field(default_factory=list)
    highest_code: int | None = None

    @property
    def next_code_too_low(self) -> bool:
        """errorutil's check: next_error_code must be above every code in use."""
        return self.highest_code is not None and self.component.next_error_code <= self.highest_code

    @property
    def next_free_code(self) -> int:
        above_highest = (self.highest_code or 0) + 1
        return max(self.component.next_error_code, above_highest)

    @property
    def failed(self) -> bool:
        """Duplicates and placeholders fail the check (errorutil only logs them)."""
        return bool(self.duplicate_codes or self.duplicate_names or self.placeholders)

    def number(self, entry: ErrorEntry) -> int | None:
        return code_number(entry.code, self.component.name) if entry.code is not None else None


def analyze(root: Path, skip_dirs: Iterable[str] = (), info_dir: Path | None = None) -> Analysis:
    """Scan root (Go and Python sources) against the component_info.json in info_dir or root."""
    if not root.is_dir():
        raise DIRECTORY_NOT_FOUND.error(f"{root} is not a directory", path=str(root))
    component = ComponentInfo.read(info_dir or root)
    entries, warnings, count = scan(root, skip_dirs)
    analysis = Analysis(
        root=root, component=component, entries=entries, files_scanned=count, warnings=warnings
    )
    _check(analysis)
    analysis.entries.sort(key=lambda e: _order(analysis, e))
    return analysis


def scan(root: Path, skip_dirs: Iterable[str] = ()) -> tuple[list[ErrorEntry], list[str], int]:
    """Every error entry under root, the readers' warnings, and how many files were read."""
    go_files: list[gosource.GoFile] = []
    entries: list[ErrorEntry] = []
    warnings: list[str] = []
    count = 0
    for path in iter_sources(root, skip_dirs):
        relative = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            warnings.append(f"{relative}: not readable ({exc.strerror}); skipped")
            continue
        count += 1
        if path.suffix == ".go":
            go_file = gosource.parse_file(data, relative)
            go_files.append(go_file)
            warnings.extend(go_file.warnings)
        else:
            py_file = pysource.parse_file(data, relative)
            entries.extend(py_file.entries)
            warnings.extend(py_file.warnings)
    go_entries, go_warnings = gosource.entries(go_files)
    return entries + go_entries, warnings + go_warnings, count


def _check(analysis: Analysis) -> None:
    name = analysis.component.name
    by_code: dict[object, list[ErrorEntry]] = defaultdict(list)
    by_name: dict[str, list[ErrorEntry]] = defaultdict(list)
    numbers: list[int] = []
    for entry in analysis.entries:
        by_name[entry.name].append(entry)
        if entry.code is None:
            analysis.unreadable_codes.append(entry)
        elif is_placeholder(entry.code):
            analysis.placeholders.append(entry)
        else:
            number = code_number(entry.code, name)
            if number is None:
                analysis.malformed.append(entry)
            else:
                numbers.append(number)
            by_code[number if number is not None else entry.code].append(entry)
        if not any(c.strip() for c in entry.causes):
            analysis.missing_cause.append(entry)
        if not any(r.strip() for r in entry.remedies):
            analysis.missing_remedy.append(entry)
    analysis.highest_code = max(numbers, default=None)
    analysis.placeholders = _distinct_definitions(analysis.placeholders)
    analysis.unreadable_codes = _distinct_definitions(analysis.unreadable_codes)
    analysis.malformed = _distinct_definitions(analysis.malformed)
    for group in by_code.values():
        defined = sorted(_distinct_definitions(group), key=lambda e: _order(analysis, e))
        if len(defined) > 1:
            analysis.duplicate_codes[str(defined[0].code)] = defined
    for key, group in sorted(by_name.items()):
        if len({e.location for e in group}) > 1:
            analysis.duplicate_names[key] = group


def _distinct_definitions(entries: list[ErrorEntry]) -> list[ErrorEntry]:
    """One entry per place a code is written: a Go constant used twice is one definition."""
    seen: dict[object, ErrorEntry] = {}
    for entry in entries:
        seen.setdefault(entry.literal or entry.code_location or entry.location, entry)
    return list(seen.values())


def _order(analysis: Analysis, entry: ErrorEntry) -> tuple[bool, int, str, str, int]:
    number = analysis.number(entry)
    return (number is None, number or 0, entry.code or "", entry.location.path, entry.location.line)
