"""What a code string means to the tools: a placeholder, a well-formed code, or neither."""

from __future__ import annotations

import re

PLACEHOLDERS = frozenset({"", "replace_me", "replace-me"})
_BARE = re.compile(r"[0-9]+")


def is_placeholder(code: str) -> bool:
    """A code a developer leaves for `update` to fill in."""
    return code.strip().lower() in PLACEHOLDERS


def code_number(code: str, component: str) -> int | None:
    """The number of a well-formed code (`<component>-<n>` or a bare `<n>`), else None."""
    if _BARE.fullmatch(code):
        return int(code)
    prefix = f"{component}-"
    if code.startswith(prefix) and _BARE.fullmatch(code[len(prefix) :]):
        return int(code[len(prefix) :])
    return None


def make_code(component: str, number: int) -> str:
    return f"{component}-{number}"
