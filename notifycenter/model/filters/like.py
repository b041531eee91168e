"""LIKE patterns: their parts, the fast tests they reduce to, and their regex and GLOB forms.

`%` is any run of characters, `_` one character, `\\%` and `\\_` literal ones; any other
backslash is itself (spec §3.4.3). Matching is case-sensitive.
"""

from __future__ import annotations

import re


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


def classify_like(pattern: str) -> tuple[str, str]:
    """("exact"|"prefix"|"suffix"|"contains"|"regex", literal) for the fast paths."""
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
    return "regex", ""


def like_regex(pattern: str) -> re.Pattern[str]:
    pieces = {"any": lambda t: ".*", "one": lambda t: ".", "lit": re.escape}
    return re.compile("".join(pieces[k](t) for k, t in like_parts(pattern)), re.DOTALL)


def glob_pattern(pattern: str) -> str:
    """A LIKE pattern as a GLOB pattern; GLOB's own wildcards are bracketed to be literal."""
    out: list[str] = []
    for kind, text in like_parts(pattern):
        if kind == "any":
            out.append("*")
        elif kind == "one":
            out.append("?")
        else:
            out.append("".join(f"[{c}]" if c in "*?[" else c for c in text))
    return "".join(out)
