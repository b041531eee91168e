"""Make untrusted event text inert before anything shows it.

Strips Unicode categories Cc, Cf and Co (ESC, C1 controls, bidi overrides, zero-width
characters, private use) except newline and tab, Zl and Zp (U+2028/U+2029: terminals
break lines on them, so a one-line cell would spill) and Cs (lone surrogates, which no
terminal encoding can write), and caps the length. Markup safety is the
renderer's job (`Text(...)`, `Content(...)`, `markup=False`); this removes what no renderer
can make safe: bytes a terminal would act on.
"""

from __future__ import annotations

import re

DEFAULT_LIMIT = 4096
ELLIPSIS = "…"


# Code point ranges of categories Cc, Cf, Co, Cs, Zl and Zp, less "\n" and "\t" (Unicode
# 14, Python 3.11). Written out because deriving them from unicodedata at run time costs ~0.5 s;
# tests/test_model_sanitize.py checks them against this Python's Unicode database.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0008),
    (0x000B, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),  # Zl, Zp, then the bidi embeddings and overrides
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xD800, 0xDFFF),
    (0xE000, 0xF8FF),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
)
_UNSAFE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in UNSAFE_RANGES) + "]+"
)


def has_unsafe(text: str) -> bool:
    """Whether `sanitize` would remove something from `text` (newlines and tabs aside):
    for text made elsewhere that must already be inert. `isprintable` (stricter, and ~20
    times faster than the search on a megabyte) answers for nearly all text."""
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        return False
    return _UNSAFE.search(text) is not None


def sanitize(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Return `text` with terminal-unsafe characters removed and at most `limit` chars."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    # Fast path: the common case has nothing to strip.
    cleaned = value if value.isascii() and value.isprintable() else _UNSAFE.sub("", value)
    if len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)] + ELLIPSIS
    return cleaned


def sanitize_line(text: object, limit: int = 512) -> str:
    """One display line: as `sanitize`, with newlines and tabs folded to spaces."""
    return sanitize(text, limit).replace("\n", " ").replace("\t", " ")
