"""What the source readers find: errors with their codes, texts and places in the tree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in the tree: a path relative to the component root (POSIX) and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class CodeLiteral:
    """The bytes of a code's string literal, so `update` can rewrite exactly them."""

    path: str
    start: int
    end: int
    quote: str  # the quote character to write back: '"', "'" or "`"


@dataclass
class ErrorEntry:
    """One error of the component as the sources declare it."""

    name: str
    code: str | None  # None when the code is computed or its constant is not found
    severity: str
    short: list[str]
    long: list[str]
    causes: list[str]
    remedies: list[str]
    location: Location  # the details (the call), or the code constant when there are none
    language: str  # "go" or "python"
    code_location: Location | None = None
    literal: CodeLiteral | None = None
    has_details: bool = True  # False for a Go code constant that no New call uses
