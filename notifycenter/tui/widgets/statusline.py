"""One line for the newest thing that matters: it never covers the list or the detail."""

from __future__ import annotations

from textual.widgets import Static

from notifycenter.model.sanitize import sanitize_line


class StatusLine(Static):
    """The newest notification, cut to one line; `n` opens the drawer with all of them."""

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.text = ""

    def show(self, title: str, message: str, level: str) -> None:
        first = message.splitlines()[0] if message else ""
        text = sanitize_line(f"{title}: {first}" if title else first, 400)
        if text != self.text:
            self.text = text
            self.update(text, layout=False)  # one line, always: the screen keeps its layout
        for name in ("information", "warning", "error"):
            self.set_class(name == level, f"-{name}")
