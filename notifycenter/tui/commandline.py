"""The `:` command line: parse what the operator typed into a command and its argument."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from notifycenter.catalogue.tui import UNKNOWN_COMMAND

# Command -> what it does, for `?` help and for completing abbreviations.
COMMANDS = {
    "ack": "acknowledge the selection: :ack [comment] [for 2h | until resolved]",
    "unack": "withdraw the acknowledgement",
    "resolve": "mark the selection resolved",
    "reopen": "reopen a resolved or archived notification",
    "read": "mark read",
    "unread": "mark unread",
    "archive": "archive: hidden from the list",
    "filter": "filter with CESQL: :filter severitynumber >= 17",
    "clear": "clear the filter, the bucket and the errors-only switch",
    "acked": "what the team is on: acknowledged notifications, with who acked each",
    "archived": "archived notifications (hidden from the other views)",
    "silence": "silence the highlighted event's source and type for everyone: :silence 2h [comment]",
    "assign": "make a user the selection's owner: :assign alice (acknowledged too)",
    "take": "take the selection: you own it (acknowledged too)",
    "release": "give the selection back: nobody owns it (the ack stays)",
    "context": "switch to another context: :context prod (tab completes names)",
    "code": "the catalogue entry of the highlighted error code, or :code notifycenter-1102",
    "ops": "open the operations view",
    "pause": "pause or resume live updates",
    "help": "show keys and commands",
    "quit": "leave the notification center",
}
ALIASES = {
    "q": "quit",
    "a": "ack",
    "f": "filter",
    "o": "ops",
    "operations": "ops",
    "h": "help",
    "ctx": "context",
    "docs": "code",
}
HISTORY_LIMIT = 200  # commands kept across sessions


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


def parse_command(text: str) -> Command:
    """`ack looking into it` -> Command("ack", "looking into it"); raises on an unknown name."""
    stripped = text.strip().removeprefix(":").strip()
    name, _, argument = stripped.partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    if name not in COMMANDS:
        raise UNKNOWN_COMMAND.error(f":{name}" if name else "the command line is empty")
    return Command(name, argument.strip())


def split_ack_argument(argument: str) -> tuple[str | None, str | None]:
    """`on it for 2h` -> ("on it", "2h"): a trailing `for <duration>` sets the expiry;
    a trailing `until resolved` holds the ack until the notification is resolved."""
    from notifycenter.model.lifecycle import UNTIL_RESOLVED, parse_duration

    words = argument.split()
    if len(words) >= 2 and [w.lower() for w in words[-2:]] == ["until", UNTIL_RESOLVED]:
        return (" ".join(words[:-2]) or None), UNTIL_RESOLVED
    if len(words) >= 2 and words[-2].lower() == "for" and parse_duration(words[-1]) is not None:
        return (" ".join(words[:-2]) or None), words[-1]
    return (argument or None), None


def complete(text: str, contexts: Iterable[str] = ()) -> tuple[str, list[str]]:
    """`ct` -> ("ctx ", [...]); `context pr` -> ("context prod ", ["prod"]). Returns the
    completed text and the candidates (several when the prefix is shared)."""
    name, space, argument = text.lstrip().partition(" ")
    if not space:
        names = sorted({*COMMANDS, *ALIASES})
        found = [n for n in names if n.startswith(name.lower())]
        return _completed("", name, found)
    if ALIASES.get(name.lower(), name.lower()) == "context":
        found = sorted(c for c in contexts if c.startswith(argument.strip()))
        return _completed(f"{name} ", argument.strip(), found)
    return text, []


def _completed(head: str, prefix: str, found: list[str]) -> tuple[str, list[str]]:
    if len(found) == 1:
        return f"{head}{found[0]} ", found
    shared = _shared_prefix(found)
    return f"{head}{shared if len(shared) > len(prefix) else prefix}", found


def _shared_prefix(words: list[str]) -> str:
    if not words:
        return ""
    first, last = min(words), max(words)
    end = next((n for n, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first[:end] if end is not None else first[: len(min(words, key=len))]


class CommandHistory:
    """`:` commands, newest last; up/down walk them; saved in the data directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: list[str] = _read_lines(path) if path else []
        self.position = len(self.entries)

    def add(self, command: str) -> None:
        command = command.strip()
        if not command:
            return
        if command in self.entries:
            self.entries.remove(command)
        self.entries = [*self.entries, command][-HISTORY_LIMIT:]
        self.position = len(self.entries)
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text("\n".join(self.entries) + "\n", encoding="utf-8")
            except OSError:
                pass  # history is a convenience: a read-only data dir keeps it in memory

    def step(self, delta: int) -> str:
        """The older (-1) or newer (+1) command; past the newest, an empty line."""
        self.position = max(0, min(self.position + delta, len(self.entries)))
        return self.entries[self.position] if self.position < len(self.entries) else ""

    def reset(self) -> None:
        self.position = len(self.entries)


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-HISTORY_LIMIT:]
