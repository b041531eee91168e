"""LIKE patterns: their parts, the fast tests they reduce to, a matcher and their GLOB form.

`%` is any run of characters, `_` one character, `\\%` and `\\_` literal ones; any other
backslash is itself (spec §3.4.3). Matching is case-sensitive.

The matcher never backtracks: `%` splits the pattern into segments of fixed length, and
each segment is placed at its leftmost position after the previous one (leaving the most
room to the right can never lose a match). A segment without `_` is found with
`str.find`; one with `_` by a regular expression without quantifiers, which tries each
start position once. A match costs O(len(value) * len(pattern)) at worst, where a
backtracking regex would be exponential in the number of `%`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_WILDCARDS = 128  # `%` and `_` in one pattern; more is refused at compile time


def like_parts(pattern: str) -> list[tuple[str, str]]:
    """Split a LIKE pattern into ("lit", text), ("any", "%") and ("one", "_") parts."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "%_":
            parts.append(("lit", pattern[i + 1]))
            i += 2
            continue
        parts.append(("any", ch) if ch == "%" else ("one", ch) if ch == "_" else ("lit", ch))
        i += 1
    merged: list[tuple[str, str]] = []
    for kind, text in parts:
        if kind == "lit" and merged and merged[-1][0] == "lit":
            merged[-1] = ("lit", merged[-1][1] + text)
        elif not (kind == "any" and merged and merged[-1][0] == "any"):
            merged.append((kind, text))
    return merged


def wildcard_count(pattern: str) -> int:
    """Unescaped `%` and `_` in a pattern (runs of `%` count once: they mean one `%`)."""
    return sum(1 for kind, _ in like_parts(pattern) if kind != "lit")


def classify_like(pattern: str) -> tuple[str, str]:
    """("exact"|"prefix"|"suffix"|"contains"|"general", literal) for the fast paths."""
    parts = like_parts(pattern)
    kinds = [k for k, _ in parts]
    texts = [t for k, t in parts if k == "lit"]
    if kinds in ([], ["lit"]):
        return "exact", "".join(texts)
    if kinds == ["lit", "any"]:
        return "prefix", texts[0]
    if kinds == ["any", "lit"]:
        return "suffix", texts[0]
    if kinds == ["any", "lit", "any"]:
        return "contains", texts[0]
    if kinds == ["any"]:
        return "prefix", ""
    return "general", ""


@dataclass(frozen=True, slots=True)
class _Segment:
    """A run of literal text and `_` between two `%`: it always spans `size` characters."""

    size: int
    text: str | None  # the literal, when the segment has no `_`
    regex: re.Pattern[str] | None  # otherwise: escaped text with `.` for each `_`

    def at(self, value: str, pos: int) -> bool:
        if self.text is not None:
            return value.startswith(self.text, pos)
        return self.regex.match(value, pos) is not None  # type: ignore[union-attr]

    def find(self, value: str, pos: int, end: int) -> int:
        """Leftmost start >= pos of a match ending at or before `end`, or -1."""
        if self.text is not None:
            return value.find(self.text, pos, end)
        found = self.regex.search(value, pos, end)  # type: ignore[union-attr]
        return -1 if found is None else found.start()


def _segments(pattern: str) -> list[_Segment]:
    segments: list[_Segment] = []
    current: list[tuple[str, str]] = []
    for part in [*like_parts(pattern), ("any", "%")]:
        if part[0] != "any":
            current.append(part)
            continue
        size = sum(len(text) if kind == "lit" else 1 for kind, text in current)
        if all(kind == "lit" for kind, _ in current):
            segments.append(_Segment(size, "".join(text for _, text in current), None))
        else:
            source = "".join(re.escape(t) if k == "lit" else "." for k, t in current)
            segments.append(_Segment(size, None, re.compile(source, re.DOTALL)))
        current = []
    return segments


def like_matcher(pattern: str) -> Callable[[str], bool]:
    """`matches(value)` for a LIKE pattern, in linear time for a given pattern."""
    segments = _segments(pattern)
    if len(segments) == 1:  # no `%`: the one segment is the whole value
        (only,) = segments
        return lambda value: len(value) == only.size and only.at(value, 0)
    first, middle, last = segments[0], segments[1:-1], segments[-1]
    least = sum(s.size for s in segments)

    def matches(value: str) -> bool:
        end = len(value) - last.size
        if len(value) < least or not first.at(value, 0) or not last.at(value, end):
            return False
        pos = first.size
        for segment in middle:
            start = segment.find(value, pos, end)
            if start < 0:
                return False
            pos = start + segment.size
        return True

    return matches


def glob_pattern(pattern: str) -> str:
    """A LIKE pattern as a GLOB pattern; GLOB's own wildcards are bracketed to be literal."""
    return _translated(pattern, "*", "?", lambda c: f"[{c}]" if c in "*?[" else c)


def pg_like_pattern(pattern: str) -> str:
    """A CESQL LIKE pattern as a PostgreSQL one with `\\` as its escape character: only
    the meaning of a lone backslash differs (CESQL: itself; PostgreSQL: an escape)."""
    return _translated(pattern, "%", "_", lambda c: f"\\{c}" if c in "%_\\" else c)


def _translated(pattern: str, any_text: str, one_char: str, literal: Callable[[str], str]) -> str:
    """`pattern` in another wildcard syntax: its wildcards, each literal character quoted."""
    out: list[str] = []
    for kind, text in like_parts(pattern):
        if kind == "any":
            out.append(any_text)
        elif kind == "one":
            out.append(one_char)
        else:
            out.append("".join(literal(c) for c in text))
    return "".join(out)


def scan_weight(pattern: str) -> int:
    """How many times over matching may read the value, at most (see the module doc).

    The first and last segments are compared in place, at a cost bounded by the
    pattern; each middle one is searched once: a literal in one pass, a segment with
    `_` in up to `size` passes (each weighed double, see `_REGEX_PASSES`).
    """
    middle = _segments(pattern)[1:-1]
    return sum(1 if s.text is not None else _REGEX_PASSES * s.size for s in middle)


# A regular expression reads a character about twice as slowly as `str.find`
# (bench/filters_hostile.py), so a segment with `_` weighs twice its size.
_REGEX_PASSES = 2
