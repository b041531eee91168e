"""The top line: which hub, through which context, how the connection is, and where it is."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from notifycenter.model.sanitize import sanitize_line


class HeaderBar(Horizontal):
    """Context, server, connection state, last cursor, and the pause indicator."""

    context_name: reactive[str] = reactive("")
    server: reactive[str] = reactive("")
    status: reactive[str] = reactive("connecting")
    attempt: reactive[int] = reactive(0)
    embedded: reactive[bool] = reactive(False)
    cursor: reactive[str] = reactive("")
    paused_count: reactive[int | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Label("notifycenter", id="header-title", markup=False)
        yield Label("", id="header-context", markup=False)
        yield Label("", id="header-server", markup=False)
        yield Label("", id="header-state", markup=False)
        yield Label("", id="header-paused", markup=False)
        yield Label("", id="header-cursor", markup=False)

    def watch_context_name(self, value: str) -> None:
        self.query_one("#header-context", Label).update(f"ctx {sanitize_line(value, 40)}")

    def watch_server(self, value: str) -> None:
        self.query_one("#header-server", Label).update(sanitize_line(value, 80))

    def watch_cursor(self, value: str) -> None:
        self.query_one("#header-cursor", Label).update(f"cursor {value.lstrip('0') or '0'}" if value else "")

    def watch_paused_count(self, value: int | None) -> None:
        label = self.query_one("#header-paused", Label)
        label.update("" if value is None else f"paused — {value:,} new")
        label.display = value is not None

    def _watch_state(self) -> None:
        label = self.query_one("#header-state", Label)
        text = {"live": "● live", "connecting": "○ connecting", "closed": "✕ closed"}.get(self.status)
        if self.status in ("reconnecting", "connecting") and self.attempt:
            text = f"↻ {self.status} (attempt {self.attempt})"
        if self.embedded:
            text = f"{text} · embedded hub"
        label.update(text or self.status)
        for status in ("live", "connecting", "reconnecting", "closed"):
            label.set_class(self.status == status, f"-{status}")

    def watch_status(self) -> None:
        self._watch_state()

    def watch_attempt(self) -> None:
        self._watch_state()

    def watch_embedded(self) -> None:
        self._watch_state()
