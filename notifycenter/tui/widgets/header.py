"""The top line: which hub, through which context, how the connection is, and where it is."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from notifycenter.model.sanitize import sanitize_line


class HeaderBar(Horizontal):
    """Context, server, connection state, a failing source, last cursor, the pause indicator."""

    context_name: reactive[str] = reactive("")
    server: reactive[str] = reactive("")
    status: reactive[str] = reactive("connecting")
    attempt: reactive[int] = reactive(0)
    embedded: reactive[bool] = reactive(False)
    cursor: reactive[str] = reactive("")
    paused_count: reactive[int | None] = reactive(None)
    new_above: reactive[int] = reactive(0)
    readonly: reactive[bool] = reactive(False)
    source_problem: reactive[str] = reactive("")  # sanitised by its writer (sources_watch)
    backlog_percent: reactive[int | None] = reactive(None)  # of the backlog held so far

    def compose(self) -> ComposeResult:
        yield Label("notifycenter", id="header-title", markup=False)
        yield Label("", id="header-context", markup=False)
        yield Label("", id="header-server", markup=False)
        yield Label("", id="header-state", markup=False)
        yield Label("read-only", id="header-readonly", markup=False)
        yield Label("", id="header-source", markup=False)
        yield Label("", id="header-new", markup=False)
        yield Label("", id="header-loading", markup=False)
        yield Label("", id="header-paused", markup=False)
        yield Label("", id="header-cursor", markup=False)

    def reset(self, context_name: str, server: str) -> None:
        """Another hub: nothing is known about it yet."""
        self.context_name, self.server, self.embedded, self.cursor = context_name, server, False, ""
        self.status, self.attempt, self.paused_count, self.new_above = "connecting", 0, None, 0
        self.source_problem, self.backlog_percent = "", None

    def watch_context_name(self, value: str) -> None:
        self.query_one("#header-context", Label).update(f"ctx {sanitize_line(value, 40)}")

    def watch_server(self, value: str) -> None:
        self.query_one("#header-server", Label).update(sanitize_line(value, 80))

    def watch_cursor(self, value: str) -> None:
        self.query_one("#header-cursor", Label).update(
            f"cursor {value.lstrip('0') or '0'}" if value else ""
        )

    def watch_paused_count(self, value: int | None) -> None:
        label = self.query_one("#header-paused", Label)
        label.update("" if value is None else f"paused — {value:,} new")
        label.display = value is not None

    def on_mount(self) -> None:
        self.query_one("#header-readonly", Label).display = self.readonly
        self.query_one("#header-new", Label).display = False
        self.query_one("#header-source", Label).display = False
        self.query_one("#header-loading", Label).display = False

    def watch_readonly(self, value: bool) -> None:
        if self.is_mounted:
            self.query_one("#header-readonly", Label).display = value

    def watch_new_above(self, value: int) -> None:
        """Rows that arrived above a highlight kept in place: `k`/`g` reaches them."""
        label = self.query_one("#header-new", Label)
        label.update(f"↑ {value:,} new" if value else "")
        label.display = bool(value)

    def watch_backlog_percent(self, value: int | None) -> None:
        """Older events still coming in: the list ends where they have come so far."""
        label = self.query_one("#header-loading", Label)
        label.update("" if value is None else f"loading backlog {value}%")
        label.display = value is not None

    def watch_source_problem(self, value: str) -> None:
        """A source of the hub that cannot follow its system (GET /api/sources)."""
        label = self.query_one("#header-source", Label)
        label.update(sanitize_line(value, 80))
        label.display = bool(value)

    def _watch_state(self) -> None:
        label = self.query_one("#header-state", Label)
        shown = state_text(self.status, self.attempt)
        label.update(f"{shown} · embedded hub" if self.embedded else shown)
        retrying = self.status in ("reconnecting", "connecting") and self.attempt > 0
        for status in ("live", "connecting", "reconnecting", "closed"):
            label.set_class(
                (self.status == status and not retrying) or (retrying and status == "reconnecting"),
                f"-{status}",
            )

    def watch_status(self) -> None:
        self._watch_state()

    def watch_attempt(self) -> None:
        self._watch_state()

    def watch_embedded(self) -> None:
        self._watch_state()


def state_text(status: str, attempt: int) -> str:
    """A failed first connection is retried like a lost one: both show the attempt."""
    if status in ("reconnecting", "connecting") and attempt > 0:
        return f"◇ reconnecting (attempt {attempt})"
    return {"live": "● live", "connecting": "○ connecting", "closed": "× closed"}.get(
        status, status
    )
