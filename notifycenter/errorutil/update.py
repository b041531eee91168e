"""Give every placeholder code the next free code, editing only the bytes of its literal."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from notifycenter.catalogue.errorutil import SOURCE_CHANGED, WRITE_FAILED
from notifycenter.errorutil.analysis import Analysis
from notifycenter.errorutil.codes import is_placeholder, make_code
from notifycenter.errorutil.model import CodeLiteral, ErrorEntry


@dataclass(frozen=True)
class Assignment:
    name: str
    code: str
    literal: CodeLiteral
    line: int


@dataclass
class UpdatePlan:
    """New file contents, keyed by absolute path; nothing is written until `apply`."""

    assignments: list[Assignment] = field(default_factory=list)
    not_rewritable: list[ErrorEntry] = field(default_factory=list)
    next_error_code: int = 0
    contents: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(old != new for old, new in self.contents.values())

    def diff(self, root: Path) -> str:
        """A unified diff of every change, with paths relative to root."""
        chunks: list[str] = []
        for path, (old, new) in sorted(self.contents.items()):
            name = _display(path, root)
            chunks.extend(
                difflib.unified_diff(
                    old.decode("utf-8", "replace").splitlines(keepends=True),
                    new.decode("utf-8", "replace").splitlines(keepends=True),
                    fromfile=f"a/{name}",
                    tofile=f"b/{name}",
                )
            )
        return "".join(chunks)


def plan_update(analysis: Analysis) -> UpdatePlan:
    """Number placeholders in path and position order, from the next free code on."""
    plan = UpdatePlan()
    number = analysis.next_free_code
    edits: dict[str, list[tuple[CodeLiteral, str]]] = {}
    placeholders = sorted(analysis.placeholders, key=_position)
    for entry in placeholders:
        if entry.literal is None:
            plan.not_rewritable.append(entry)
            continue
        code = make_code(analysis.component.name, number)
        number += 1
        line = (entry.code_location or entry.location).line
        plan.assignments.append(Assignment(entry.name, code, entry.literal, line))
        edits.setdefault(entry.literal.path, []).append((entry.literal, code))
    for relative, file_edits in edits.items():
        path = analysis.root / relative
        old = path.read_bytes()
        plan.contents[path] = (old, _rewrite(old, file_edits, relative))
    plan.next_error_code = number
    info = analysis.component
    if number != info.next_error_code:
        old = info.path.read_bytes()
        plan.contents[info.path] = (old, info.with_next_code(old, number))
    return plan


def apply(plan: UpdatePlan) -> None:
    """Write every changed file, refusing any that changed since it was planned."""
    for path, (old, new) in plan.contents.items():
        if old == new:
            continue
        if path.read_bytes() != old:
            raise SOURCE_CHANGED.error(f"{path} changed since it was read", path=str(path))
        write_atomically(path, new)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step so that a crash never leaves half a source file."""
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise WRITE_FAILED.error(f"{path}: {exc.strerror or exc}", path=str(path)) from None


def _rewrite(data: bytes, edits: list[tuple[CodeLiteral, str]], relative: str) -> bytes:
    out = bytearray(data)
    for literal, code in sorted(edits, key=lambda e: e[0].start, reverse=True):
        current = data[literal.start : literal.end].decode("utf-8", "replace")
        if not is_placeholder(current.lstrip("rRuU").strip("\"'`")):
            raise SOURCE_CHANGED.error(
                f"{relative}: no placeholder at byte {literal.start}", path=relative
            )
        out[literal.start : literal.end] = f"{literal.quote}{code}{literal.quote}".encode()
    return bytes(out)


def _position(entry: ErrorEntry) -> tuple[str, int]:
    literal = entry.literal
    return (literal.path, literal.start) if literal else (entry.location.path, entry.location.line)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
