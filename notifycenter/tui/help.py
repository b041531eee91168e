"""`?` help: one screen, generated from the bindings active right now, the operator's
keys first; `i` shows every binding id for `[tui.keymap]`, with the `:` commands."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from notifycenter.tui.commandline import COMMANDS

# Binding id prefixes, in the order an operator needs them: act, then look, then move.
GROUPS = (
    ("emergency.", "Emergency"),
    ("lifecycle.", "Act"),
    ("view.", "View"),
    ("detail.", "Detail"),
    ("list.", "List"),
    ("ops.", "Operations"),
    ("app.", "App"),
)
# Several bindings shown as one cell in the compact help: id prefix -> description.
FOLDED = {
    "view.bucket.": "buckets: errors warnings infos audit",
    "list.move": "move (down up pages newest oldest)",
    "list.marks": "mark: one, a range, all",
}
MOVES = {"list.down", "list.up", "list.page-down", "list.page-up", "list.first", "list.last"}
MARKS = {"list.mark", "list.mark-range", "list.select-all"}
Row = tuple[str, str, str]  # keys, description, binding id
KEYS_WIDTH = 10  # "space V ^a" whole
ONE_COLUMN_BELOW = 64  # help body width under which two columns would cut descriptions
SCROLLBAR = 2  # one column of help scrolls: leave its scrollbar room


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
        Binding("i", "toggle_ids", "Binding ids", id="help.ids"),
    ]

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows
        self.full = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(id="help-text")

    def on_mount(self) -> None:
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_ids(self) -> None:
        self.full = not self.full
        self._paint()

    def _paint(self) -> None:
        body = self.query_one("#help-text", Static)
        if self.full:
            body.update(help_content(self.rows))
        else:
            width = self.query_one("#help-body").content_region.width or self.size.width - 4
            # The notification center's keys (each has an id); Textual's generic scroll,
            # focus and copy keys are under `i`, so the compact help fits 80×24.
            own = [row for row in self.rows if row[2]]
            body.update(compact_help(own, max(width, 40)))


def binding_rows(app: App[None]) -> list[Row]:
    """(keys, description, id) of every binding active now, in the keymap's spelling."""
    rows = []
    for _key, active in app.active_bindings.items():
        binding = active.binding
        if not binding.description or not active.enabled:
            continue
        rows.append((app.get_key_display(binding), binding.description, binding.id or ""))
    return rows


def grouped(rows: list[Row]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Operator keys first; the bucket keys and the moves each folded into one cell."""
    cells: dict[str, list[tuple[str, str]]] = {title: [] for _, title in GROUPS}
    folded: dict[str, list[str]] = {}
    seen: set[str] = set()  # a binding with two keys (V, ctrl+space) shows its first
    for keys, description, binding_id in rows:
        if binding_id and binding_id in seen:
            continue
        seen.add(binding_id)
        fold = (
            "list.move"
            if binding_id in MOVES
            else "list.marks"
            if binding_id in MARKS
            else next((prefix for prefix in FOLDED if binding_id.startswith(prefix)), None)
        )
        if fold is not None:
            folded.setdefault(fold, []).append(keys)
            continue
        title = next((t for prefix, t in GROUPS if binding_id.startswith(prefix)), "App")
        cells[title].append((keys, description))
    for fold, all_keys in folded.items():
        title = "View" if fold.startswith("view.") else "List"
        cells[title].append((" ".join(all_keys), FOLDED[fold]))
    return [(title, found) for title, found in cells.items() if found]


def compact_help(rows: list[Row], width: int) -> Content:
    """Two columns of `key  what` under each group; fits 80×24 with the commands. Below
    64 columns one column, so that no description is cut (it scrolls instead)."""
    titles = " · ".join(title for title, _ in grouped(rows))
    parts: list[Content | str | tuple[str, str]] = [("Keys", "bold $accent"), f"  {titles}\n"]
    cells = [cell for _, group in grouped(rows) for cell in group]
    if width < ONE_COLUMN_BELOW:
        for cell in cells:
            parts += [*_cell(cell, width - SCROLLBAR), "\n"]
    else:
        column = (width - 2) // 2
        for left, right in zip(cells[::2], [*cells[1::2], None], strict=False):
            parts += [*_cell(left, column), "  "]
            parts += [*_cell(right, column)] if right else []
            parts += ["\n"]
    commands = " ".join(f":{name}" for name in COMMANDS)
    parts += [("Commands", "bold $accent"), " tab completes, ↑↓ history; ", commands, "\n"]
    parts += [("i: binding ids, what each command does · escape closes", "$text-muted")]
    return Content.assemble(*parts)


def _cell(cell: tuple[str, str], width: int) -> list[tuple[str, str] | str]:
    keys, description = cell
    keys = keys if len(keys) <= KEYS_WIDTH else keys[: KEYS_WIDTH - 1] + "…"
    text = f"{keys:>{KEYS_WIDTH}} "
    room = max(width - len(text), 4)
    description = description if len(description) <= room else description[: room - 1] + "…"
    return [(text, "bold"), f"{description:<{room}}"]


def help_content(rows: list[Row]) -> Content:
    """rows: (keys, description, binding id)."""
    parts: list[Content | str | tuple[str, str]] = [("Keys", "bold $accent"), "\n"]
    width = max((len(keys) for keys, _, _ in rows), default=4)
    for keys, description, binding_id in rows:
        parts += [
            (f"{keys:>{width}}  ", "bold"),
            f"{description}",
            (f"  {binding_id}\n", "$text-muted"),
        ]
    parts += ["\n", ("Commands", "bold $accent"), "\n"]
    parts += [
        part for name, text in COMMANDS.items() for part in ((f":{name:<8} ", "bold"), f"{text}\n")
    ]
    parts += [
        "\n",
        ('Remap any key in [tui.keymap] of the config file: binding id = "keys".', "$text-muted"),
    ]
    return Content.assemble(*parts)
