"""`?` help: generated from the bindings active right now, plus the `:` commands."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from notifycenter.tui.commandline import COMMANDS


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_content(self.rows), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(app: App[None]) -> list[tuple[str, str, str]]:
    """(keys, description, id) of every binding active now, in the keymap's spelling."""
    rows = []
    for _key, active in app.active_bindings.items():
        binding = active.binding
        if not binding.description or not active.enabled:
            continue
        rows.append((app.get_key_display(binding), binding.description, binding.id or ""))
    return rows


def help_content(rows: list[tuple[str, str, str]]) -> Content:
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
