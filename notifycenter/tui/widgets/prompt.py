"""One input line at the bottom for `/` filters, `:` commands and ack comments."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line
from notifycenter.tui.commandline import ALIASES, COMMANDS, CommandHistory, complete

PREFIXES = {"filter": "/", "command": ":", "comment": "ack comment (… for 2h):", "confirm": "?"}
YES = frozenset({"", "y", "yes"})  # a confirm prompt: enter alone says yes, escape says no


class PromptBar(Vertical):
    """Hidden until asked for; `Submitted` carries the mode and the text, escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("tab", "complete", "Complete", id="prompt.complete"),
        Binding("up", "history(-1)", "Older command", id="prompt.history-older", show=False),
        Binding("down", "history(1)", "Newer command", id="prompt.history-newer", show=False),
    ]

    class Submitted(Message):
        def __init__(self, mode: str, value: str) -> None:
            super().__init__()
            self.mode = mode
            self.value = value

    class Cancelled(Message):
        pass

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.mode = "filter"
        self.return_to: Widget | None = None  # focused when the prompt opened
        self.history = CommandHistory()  # the app gives one that is saved
        self.contexts: Callable[[], Iterable[str]] = tuple  # names `:context` completes
        self._candidates: list[str] = []
        self._completed = ""  # the text tab produced, whose candidates the hint shows

    def compose(self) -> ComposeResult:
        yield Label("", id="prompt-hint", markup=False)
        with Horizontal(id="prompt-line"):
            yield Label("/", id="prompt-prefix", markup=False)
            yield Input(id="prompt-input", compact=True)

    def open(self, mode: str, value: str = "", prefix: str | None = None) -> None:
        """`prefix` replaces the mode's own (a confirm prompt asks its question there)."""
        self.mode = mode
        focused = self.app.focused
        if focused is not None and focused not in self.walk_children():
            self.return_to = focused
        self.query_one("#prompt-prefix", Label).update(prefix or PREFIXES[mode])
        field = self.query_one(Input)
        field.value = value
        field.cursor_position = len(value)
        self.display = True
        self._hint(value)
        field.focus()

    def close(self) -> None:
        self.display = False
        self.history.reset()
        self._candidates = []

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        if event.value != self._completed:
            self._candidates = []  # typed on: the candidates no longer apply
        self._hint(event.value)

    def action_complete(self) -> None:
        """Tab completes a command or a context name; it never leaves the input."""
        if self.mode != "command":
            return
        field = self.query_one(Input)
        text, self._candidates = complete(field.value, self.contexts())
        self._completed = text
        field.value, field.cursor_position = text, len(text)
        self._hint(text)

    def action_history(self, delta: int) -> None:
        if self.mode != "command":
            return
        field = self.query_one(Input)
        text = self.history.step(delta)
        field.value, field.cursor_position = text, len(text)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode == "command":
            self.history.add(event.value)
        self.close()
        self.post_message(self.Submitted(self.mode, event.value))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())

    def _hint(self, text: str) -> None:
        """For `/`, show the CESQL the quick tokens compile to: the operator learns the language."""
        hint = self.query_one("#prompt-hint", Label)
        if self.mode == "filter":
            hint.update(filter_hint(text))
        elif self.mode == "command":
            hint.update(command_hint(text, self._candidates))
        hint.display = self.mode in ("filter", "command")


def filter_hint(text: str) -> str:
    from notifycenter.model.filters import quick_filter

    if not text.strip():
        return "tokens: sev>=warning src:istio type:io.meshery.provisioning status:unacked, or free text"
    try:
        quick = quick_filter(text)
    except NotifyError as error:
        return sanitize_line(
            f"× {error.code}: {' '.join(error.short_description + error.long_description)}", 300
        )
    parts = [f"CESQL: {quick.cesql}" if quick.cesql else ""]
    parts += [
        f"status: {quick.status}" if quick.status else "",
        f"text: {quick.text!r}" if quick.text else "",
    ]
    return sanitize_line("  ".join(p for p in parts if p), 300)


def command_hint(text: str, candidates: list[str]) -> str:
    """What tab would complete, or what the typed command does."""
    if len(candidates) > 1:
        return sanitize_line("tab: " + "  ".join(candidates), 300)
    name = text.strip().partition(" ")[0].lower()
    name = ALIASES.get(name, name)
    if name in COMMANDS:
        return sanitize_line(f":{name} — {COMMANDS[name]}", 300)
    return "tab completes · ↑/↓ history · :ctx :ops :filter :ack :assign :code :help"
