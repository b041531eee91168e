"""The `:` command line: parse what the operator typed into a command and its argument."""

from __future__ import annotations

from dataclasses import dataclass

from notifycenter.catalogue.tui import UNKNOWN_COMMAND

# Command -> what it does, for `?` help and for completing abbreviations.
COMMANDS = {
    "ack": "acknowledge the selection: :ack [comment] [for 2h]",
    "unack": "withdraw the acknowledgement",
    "resolve": "mark the selection resolved",
    "reopen": "reopen a resolved or archived notification",
    "read": "mark read",
    "unread": "mark unread",
    "archive": "archive: hidden from the list",
    "filter": "filter with CESQL: :filter severitynumber >= 17",
    "clear": "clear the filter, the bucket and the errors-only switch",
    "context": "switch to another context: :context prod",
    "ops": "open the operations view",
    "pause": "pause or resume live updates",
    "help": "show keys and commands",
    "quit": "leave the notification center",
}
ALIASES = {"q": "quit", "a": "ack", "f": "filter", "o": "ops", "operations": "ops", "h": "help"}


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
    """`on it for 2h` -> ("on it", "2h"): a trailing `for <duration>` sets the expiry."""
    from notifycenter.model.lifecycle import parse_duration

    words = argument.split()
    if len(words) >= 2 and words[-2].lower() == "for" and parse_duration(words[-1]) is not None:
        return (" ".join(words[:-2]) or None), words[-1]
    return (argument or None), None
