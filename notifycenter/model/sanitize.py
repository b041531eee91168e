"""Make untrusted event text inert before anything shows it (DESIGN §1).

Strips Unicode categories Cc, Cf and Co (ESC, C1 controls, bidi overrides, zero-width
characters, private use) except newline and tab, and caps the length. Markup safety is the
renderer's job (`Text(...)`, `Content(...)`, `markup=False`); this removes what no renderer
can make safe: bytes a terminal would act on.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

DEFAULT_LIMIT = 4096
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def _unsafe_pattern() -> re.Pattern[str]:
    # Built once from the Unicode database, so it follows the Python's Unicode version.
    unsafe = [
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Co") and chr(cp) not in "\n\t"
    ]
    ranges: list[str] = []
    start = prev = ord(unsafe[0])
    for ch in unsafe[1:] + [chr(0x110000 - 1) + "x"]:
        cp = ord(ch[0]) if len(ch) == 1 else -1
        if cp == prev + 1:
            prev = cp
            continue
        ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        if cp >= 0:
            start = prev = cp
    return re.compile("[" + "".join(ranges) + "]+")


def sanitize(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Return `text` with terminal-unsafe characters removed and at most `limit` chars."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if value.isascii() and value.isprintable():
        cleaned = value  # fast path: the common case has nothing to strip
    else:
        cleaned = _unsafe_pattern().sub("", value)
    if len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)] + ELLIPSIS
    return cleaned


def sanitize_line(text: object, limit: int = 512) -> str:
    """One display line: as `sanitize`, with newlines and tabs folded to spaces."""
    return sanitize(text, limit).replace("\n", " ").replace("\t", " ")
