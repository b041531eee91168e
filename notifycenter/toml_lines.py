"""Line numbers of keys in TOML text, so that a validation error can point at the line.

`tomllib` returns plain values without positions; this reads the source text once more,
following table headers (`[a.b]`, `[[a]]`) and dotted keys. A key it cannot find (one
inside an inline table, say) is reported at the nearest enclosing key it did find.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence

Path = tuple[str | int, ...]

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def key_lines(text: str) -> dict[Path, int]:
    """Every table and key path in `text` mapped to the 1-based line that first names it."""
    lines: dict[Path, int] = {}
    table: Path = ()
    tables_seen: dict[Path, int] = {}
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if open_quote is not None:  # inside a multi-line string
            if line.count(open_quote) % 2 == 1:
                open_quote = None
            continue
        if header := _HEADER.match(line):
            path = _parts(header.group(2))
            if header.group(1) == "[[":
                index = tables_seen.get(path, -1) + 1
                tables_seen[path] = index
                path = (*path, index)
            table = path
            _record(lines, table, number)
        elif assign := _ASSIGN.match(line):
            _record(lines, (*table, *_parts(assign.group(1))), number)
            rest = line[assign.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    open_quote = quote
    return lines


def line_of(lines: dict[Path, int], path: Sequence[str | int]) -> int | None:
    """The line of `path`, else of its longest known prefix; None when nothing matches."""
    for end in range(len(path), 0, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None


def _record(lines: dict[Path, int], path: Path, number: int) -> None:
    for end in range(1, len(path) + 1):
        lines.setdefault(path[:end], number)


def _parts(dotted: str) -> Path:
    return tuple(_unquote(part) for part in _PART.findall(dotted))


def _unquote(part: str) -> str:
    if part[0] in "\"'":
        return str(tomllib.loads(f"k = {part}")["k"])
    return part
