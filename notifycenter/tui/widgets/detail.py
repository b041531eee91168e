"""The detail pane: why it happened, what to do, who is on it — or the raw CloudEvent."""

from __future__ import annotations

from typing import cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.css.styles import RulesMap
from textual.message import Message
from textual.widgets import Static

from notifycenter.tui.detail_model import DetailView

NO_COLOR_STYLES = {"errors": "bold reverse", "warnings": "bold", "infos": "", "audit": "dim"}
SUMMARY_LINES = 3  # the rest of a long summary is under `v`
LABEL_WIDTH = 13  # "  error code  ": the field labels' column
SEVERITY_STYLES = {
    "errors": "bold $error",
    "warnings": "bold $warning",
    "infos": "bold $primary",
    "audit": "$text-muted",
}


class DetailPane(VerticalScroll, can_focus=True):
    """Shows one `DetailView`; every string in it is rendered as plain text."""

    ALLOW_MAXIMIZE = True
    # The body fills the pane at least: a shorter detail keeps its size, so a highlight move
    # redraws the pane only instead of laying out the whole screen.
    DEFAULT_CSS = "DetailPane > #detail-body { min-height: 100%; }"
    BINDINGS = [Binding("escape", "back", "Back to list", id="detail.back")]

    class Closed(Message):
        """Escape: the list takes the screen back."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.detail: DetailView | None = None
        self.empty_text: str | None = None
        self.raw = False

    def compose(self) -> ComposeResult:
        yield Static(Content(EMPTY), id="detail-body")

    def action_back(self) -> None:
        self.post_message(self.Closed())

    def show(self, view: DetailView | None, empty_text: str | None = None) -> None:
        """`empty_text` says why nothing is shown (a filter that matches nothing)."""
        self.detail, self.empty_text = view, empty_text
        self._paint()

    def on_resize(self, event: events.Resize) -> None:
        self._paint()  # the summary's cap is in lines of this width

    def toggle_raw(self) -> bool:
        self.raw = not self.raw
        self._paint()
        return self.raw

    def on_mount(self) -> None:
        self._paint()  # what `show` was given before the body was composed

    def _paint(self) -> None:
        try:
            body = self.query_one("#detail-body", Static)
        except NoMatches:  # not composed yet, or already torn down: on_mount paints
            return
        if self.detail is None:
            content = Content(self.empty_text or EMPTY)
        elif self.raw:
            content = Content.assemble(
                ("Raw CloudEvent", "bold"), "\n", Content(self.detail.raw_json)
            )
        else:
            content = render_detail(self.detail, self.content_region.width, self.app.no_color)
        room = self.scrollable_content_region.height
        body.update(content, layout=not _same_height(body, content, room))


EMPTY = "Nothing selected."


def _same_height(body: Static, content: Content, room: int) -> bool:
    """Whether `body` keeps its size with `content`: the same lines, or at most the `room`
    it fills anyway. Then only the body is redrawn, not the whole screen laid out again."""
    width, height = body.content_size
    if width <= 0:
        return False
    lines = content.get_height(cast(RulesMap, body.styles), width)  # as Widget passes it
    return lines == height or (height == room and lines <= room)


def capped(summary: str, width: int, lines: int = SUMMARY_LINES) -> str:
    """At most `lines` lines of `width`: a 5,000-character summary must not push the
    error code, cause and remediation out of sight."""
    room = max(width - 8, 20) * lines  # words wrap early: leave slack
    return summary if len(summary) <= room else summary[: room - 1] + "…"


def render_detail(view: DetailView, width: int = 0, no_color: bool = False) -> Content:
    """Summary first, then the remedy, then the facts: what an operator reads in that order.
    Without colour the severity reads by weight (errors reversed), not as a dark grey."""
    summary = capped(view.summary, width or 40)
    styles = NO_COLOR_STYLES if no_color else SEVERITY_STYLES
    parts: list[Content | str | tuple[str, str]] = [
        (view.severity.name, styles.get(view.bucket, "bold")),
        ("  " + view.status if view.status else "", "$text-muted"),
        "\n",
        (summary, "bold"),
        "\n",
    ]
    if summary != view.summary:
        parts += [("the whole summary: v (raw)\n", "italic $text-muted")]
    if view.details:
        parts += [Content(view.details), "\n"]
    if view.code:
        parts += [_label("error code"), Content(view.code), "\n"]
    if view.causes:
        parts += [_heading("Probable cause")] + [Content(f"• {cause}\n") for cause in view.causes]
    if view.remedies:
        parts += [_heading("Suggested remediation")]
        parts += [
            Content(f"{number}. {remedy}\n") for number, remedy in enumerate(view.remedies, 1)
        ]
    parts += ["\n"] + [
        part
        for label, value in view.fields
        for part in (_label(label), Content(_fitted(value, width)), "\n")
    ]
    parts += _links(view)
    parts += _history(view)
    return Content.assemble(*parts)


def _links(view: DetailView) -> list[tuple[str, str]]:
    """Say which keys follow the links, where there are links to follow."""
    labels = {label for label, _ in view.fields}
    links = [f"d documents {view.code}"] if view.code else []
    links += [
        text
        for label, text in (
            ("operation", "O opens the operation"),
            ("correlation", "C lists the same correlation"),
        )
        if label in labels
    ]
    return [(" · ".join(links) + "\n", "italic $text-muted")] if links else []


def _history(view: DetailView) -> list[Content | str | tuple[str, str]]:
    if not view.history:
        return []
    shown, total = len(view.history), view.history_total
    title = f"History (the newest {shown} of {total:,})" if total > shown else "History"
    parts: list[Content | str | tuple[str, str]] = [_heading(title)]
    for entry in view.history:
        line = f"{entry.at}  {entry.verb} by {entry.actor}"
        line += f" — {entry.comment}" if entry.comment else ""
        line += f" (until {entry.until})" if entry.until else ""
        parts.append(Content(line + "\n"))
    return parts


def _fitted(value: str, width: int) -> str:
    """A time whose age does not fit beside it keeps the age whole, on the next line
    under the value, rather than broken as `(8s` / `ago)`."""
    head, paren, age = value.rpartition(" (")
    if not paren or not width or LABEL_WIDTH + len(value) <= width:
        return value
    return f"{head}\n{' ' * LABEL_WIDTH}({age}"


def _label(text: str) -> tuple[str, str]:
    return (f"{text:>11}  ", "$text-muted")


def _heading(text: str) -> tuple[str, str]:
    return (f"\n{text}\n", "bold $accent")
