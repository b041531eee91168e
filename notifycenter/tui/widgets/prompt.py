"""One input line at the bottom for `/` filters, `:` commands and ack comments."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line

PREFIXES = {"filter": "/", "command": ":", "comment": "ack comment (… for 2h):"}


class PromptBar(Vertical):
    """Hidden until asked for; `Submitted` carries the mode and the text, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

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

    def compose(self) -> ComposeResult:
        yield Label("", id="prompt-hint", markup=False)
        with Horizontal(id="prompt-line"):
            yield Label("/", id="prompt-prefix", markup=False)
            yield Input(id="prompt-input", compact=True)

    def open(self, mode: str, value: str = "") -> None:
        self.mode = mode
        focused = self.app.focused
        if focused is not None and focused not in self.walk_children():
            self.return_to = focused
        self.query_one("#prompt-prefix", Label).update(PREFIXES[mode])
        field = self.query_one(Input)
        field.value = value
        field.cursor_position = len(value)
        self.display = True
        self._hint(value)
        field.focus()

    def close(self) -> None:
        self.display = False

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        self._hint(event.value)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()
        self.post_message(self.Submitted(self.mode, event.value))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())

    def _hint(self, text: str) -> None:
        """For `/`, show the CESQL the quick tokens compile to: the operator learns the language."""
        hint = self.query_one("#prompt-hint", Label)
        hint.update(filter_hint(text) if self.mode == "filter" else "")
        hint.display = self.mode == "filter"


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
