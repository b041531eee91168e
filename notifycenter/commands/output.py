"""Output the commands share: JSON for scripts, width-aware tables for people.

Everything that came from an event is untrusted: table cells go through `sanitize_line`,
and JSON escapes the characters a terminal would act on while keeping the text itself.
A field may also hold any type: cells and times then show its raw JSON text, and JSON
that orjson cannot write (nested past its limit) is written by the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
import orjson
from rich.cells import cell_len, set_cell_size

from notifycenter.catalogue import client as codes
from notifycenter.commands.common import OUTPUT_FORMATS, CliContext
from notifycenter.model.sanitize import sanitize_line

ELLIPSIS = "…"
MIN_COLUMN = 6
MIN_LAST_COLUMN = 10
GAP = "  "
# Characters JSON may carry raw but a terminal would act on or reorder: escape them.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e\n]")
SEVERITY_COLOURS = {
    "EMERGENCY": "red",
    "ALERT": "red",
    "CRITICAL": "red",
    "ERROR": "red",
    "WARNING": "yellow",
    "NOTICE": "cyan",
    "SUCCESS": "green",
    "INFO": "blue",
    "DEBUG": "white",
}


def json_text(value: Any, *, indent: bool = True) -> str:
    """JSON with the original text, every control or format character as a \\u escape."""
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        text = orjson.dumps(value, option=option | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError: too deep, an int past 64 bits, a surrogate
        text = _stdlib_json(value, indent)
    return _NOT_PRINTABLE_ASCII.sub(_escape_unsafe, text)


_JSON_DEPTH_ROOM = 5000  # orjson reads 1024 levels but writes 254; the stdlib needs frames


def _stdlib_json(value: Any, indent: bool) -> str:
    with _recursion_room():
        try:
            return json.dumps(
                value,
                ensure_ascii=False,
                indent=2 if indent else None,
                separators=None if indent else (",", ":"),
                default=repr,
            )
        except (ValueError, RecursionError) as exc:
            raise codes.UNWRITABLE_JSON.error(str(exc)) from None


@contextlib.contextmanager
def _recursion_room() -> Iterator[None]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + _JSON_DEPTH_ROOM)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _escape_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _UNSAFE_CATEGORIES:
        return char
    point = ord(char)
    if point <= 0xFFFF:  # lone surrogates included: they cannot be encoded
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def echo_json(value: Any, *, indent: bool = True) -> None:
    """What scripts read: JSON, or YAML under `-o yaml` (`indent=False`: one document per
    value, as NDJSON lines or YAML documents after `---`)."""
    if _wants_yaml():
        from notifycenter.commands.yaml_output import echo_yaml

        if not indent:
            click.echo("---")
        echo_yaml(value)
        return
    click.echo(json_text(value, indent=indent))


def _wants_yaml() -> bool:
    ctx = click.get_current_context(silent=True)
    cli = ctx.find_object(CliContext) if ctx is not None else None
    return cli is not None and cli.output == "yaml"


def use_colour() -> bool | None:
    """None lets click decide (colour on a terminal); NO_COLOR turns it off."""
    return False if os.environ.get("NO_COLOR") else None


def echo(text: str = "", *, err: bool = False) -> None:
    click.echo(text, err=err, color=use_colour())


UNLIMITED = 1 << 20


def terminal_width() -> int:
    """The terminal's columns; piped output is not cut, so that grep sees whole lines."""
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    return UNLIMITED


def fit(text: str, width: int) -> str:
    """Cut to `width` terminal cells, with an ellipsis when something was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + ELLIPSIS if width > 0 else ""


def fit_left(text: str, width: int) -> str:
    """Cut from the left: `urn:meshery:adapter:istio` keeps `…adapter:istio`."""
    if cell_len(text) <= width or width <= 0:
        return fit(text, width)
    tail = text
    while cell_len(tail) > width - 1:
        tail = tail[1:]
    return ELLIPSIS + tail


def render_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    width: int | None = None,
    caps: Sequence[int] | None = None,
    severity_column: int | None = None,
    keep: Sequence[int] = (),
    cut_left: Sequence[int] = (),
    minimums: Mapping[int, int] | None = None,
    optional: Sequence[int] = (),
) -> list[str]:
    """Lines of a plain table; the last column takes what the others leave of `width`.

    When the terminal is narrow, columns shrink widest first down to their `minimums`,
    except those in `keep`; those in `cut_left` lose their beginning rather than their
    end; `optional` columns are left out when every cell is empty. Piped output (no
    width) is never cut. Cells are sanitised here, so callers pass raw event text.
    """
    cells = [[sanitize_line(_text(cell)) for cell in row] for row in rows]
    shown = [i for i in range(len(headers)) if i not in optional or any(row[i] for row in cells)]
    position = {old: new for new, old in enumerate(shown)}
    headers, cells = [headers[i] for i in shown], [[row[i] for i in shown] for row in cells]
    width = width or terminal_width()
    caps = [(caps[i] if caps else 40) if width < UNLIMITED else UNLIMITED for i in shown]
    floors = [max(MIN_COLUMN, (minimums or {}).get(i, 0)) for i in shown]
    widths = [
        min(max([cell_len(h)] + [cell_len(r[i]) for r in cells]), caps[i])
        for i, h in enumerate(headers[:-1])
    ]
    gaps = len(GAP) * (len(headers) - 1)
    # The last column (a summary, a name) is what people read: it keeps a quarter at least.
    _shrink(
        widths,
        floors,
        width - gaps - max(MIN_LAST_COLUMN, width // 4),
        [position[i] for i in keep if i in position],
    )
    natural_last = max([cell_len(headers[-1])] + [cell_len(r[-1]) for r in cells])
    widths.append(max(min(natural_last, width - gaps - sum(widths)), MIN_LAST_COLUMN))
    layout = _Layout(
        widths,
        position.get(severity_column) if severity_column is not None else None,
        frozenset(position[i] for i in cut_left if i in position),
    )
    return [layout.line(headers, header=True)] + [layout.line(row) for row in cells]


def _shrink(widths: list[int], floors: Sequence[int], budget: int, keep: Sequence[int]) -> None:
    """Narrow the widest shrinkable columns first until they fit `budget`."""
    shrinkable = [i for i in range(len(widths)) if i not in keep]
    while shrinkable and sum(widths) > budget:
        widest = max(shrinkable, key=lambda i: widths[i] - floors[i])
        if widths[widest] <= floors[widest]:
            return
        widths[widest] -= 1


@dataclass(frozen=True)
class _Layout:
    widths: Sequence[int]
    severity_column: int | None
    cut_left: frozenset[int]

    def line(self, row: Sequence[str], header: bool = False) -> str:
        parts = []
        last = len(self.widths) - 1
        for index, (cell, size) in enumerate(zip(row, self.widths, strict=False)):
            text = (
                fit_left(cell, size) if index in self.cut_left and not header else fit(cell, size)
            )
            padded = text if index == last else text + " " * (size - cell_len(text))
            if header:
                padded = click.style(padded, bold=True)
            elif index == self.severity_column:
                padded = severity_style(padded)
            parts.append(padded)
        return GAP.join(parts).rstrip()


def severity_style(text: str) -> str:
    colour = SEVERITY_COLOURS.get(text.strip())
    return click.style(text, fg=colour) if colour else text


def _text(value: object) -> str:
    """A cell's text: other types as their raw JSON text (imported late: the store is not
    needed by commands that print only strings)."""
    if isinstance(value, str):
        return value
    from notifycenter.store.received import as_text

    return as_text(value)


def short_time(text: object) -> str:
    """`2026-11-28T09:00:00.000Z` as `2026-11-28 09:00:00` (UTC): what fits a column.
    Anything else is shown as its raw text, made safe."""
    if not text:
        return ""
    if not isinstance(text, str):
        return sanitize_line(_text(text), 19)
    return sanitize_line(text.replace("T", " ")[:19])


def compact_time(text: object, today: str | None = None) -> str:
    """A time as a table shows it (UTC): `09:48:36` today, `11-28 09:48` another day."""
    full = short_time(text)
    if len(full) < 19:
        return full
    today = today or datetime.now(UTC).strftime("%Y-%m-%d")
    return full[11:] if full.startswith(today) else full[5:16]


def output_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`-o/--output` after the command too (`events list -o yaml`), as kubectl users type it."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.ensure_object(CliContext).output = value

    return click.option(
        "-o",
        "--output",
        type=click.Choice(OUTPUT_FORMATS),
        expose_value=False,
        callback=remember,
        is_eager=True,
        help="table or wide for people, json or yaml for scripts (same as the global -o).",
    )(func)
