"""The screen shown when nothing can be shown: the hub refused this context's token.

An empty list with `× closed` sends the operator looking for a dead hub; this names the
context, the server and the fix, and quitting from it exits non-zero.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line
from notifycenter.tui.widgets.footer import KeyFooter

EXIT_STATUS = 1


class FatalScreen(Screen[None]):
    """Code, what happened, for which context, probable cause and numbered fixes."""

    BINDINGS = [Binding("q,escape", "leave", "Quit (exit 1)", id="fatal.quit")]

    def __init__(self, error: NotifyError, context: str, server: str) -> None:
        super().__init__()
        self.error = error
        self.context = context
        self.server = server

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="fatal-body"):
            yield Static(fatal_content(self.error, self.context, self.server), id="fatal-text")
        yield KeyFooter()

    def action_leave(self) -> None:
        self.app.exit(return_code=EXIT_STATUS)


def fatal_content(error: NotifyError, context: str, server: str) -> Content:
    parts: list[Content | str | tuple[str, str]] = [
        (sanitize_line(error.code, 40), "bold $error"),
        "  ",
        (sanitize_line(" ".join(error.short_description), 300), "bold"),
        "\n\n",
        ("   context  ", "$text-muted"),
        Content(sanitize_line(context, 120)),
        "\n",
        ("    server  ", "$text-muted"),
        Content(sanitize_line(server, 300)),
        "\n\n",
        Content(sanitize_line(" ".join(error.long_description), 1000)),
        "\n",
    ]
    parts += [("\nProbable cause\n", "bold $accent")]
    parts += [Content(f"• {sanitize_line(c, 400)}\n") for c in error.probable_cause]
    parts += [("\nWhat to do\n", "bold $accent")]
    parts += [
        Content(f"{n}. {sanitize_line(r, 400)}\n")
        for n, r in enumerate(error.suggested_remediation, 1)
    ]
    return Content.assemble(*parts)
