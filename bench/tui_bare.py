"""The peer of the TUI benchmarks: a bare Textual app with a list of the same size.

    .venv/bin/python bench/tui_bare.py        # run by tui_keys.py and tui_startup.py

One line-API list of 10,000 rows drawn like the event list's (a `›` gutter mark on the
highlighted row), `j`/`k` move it, `q` quits. What it costs to start and to answer a key
is the floor the notification center is measured against, in the same run.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

ROWS = 10_000


class BareList(ScrollView, can_focus=True):
    BINDINGS: ClassVar = [Binding("j", "down"), Binding("k", "up")]

    def __init__(self) -> None:
        super().__init__()
        self.cursor = 0
        self.virtual_size = Size(0, ROWS)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if row >= ROWS:
            return Strip.blank(self.size.width)
        mark = "›" if row == self.cursor else " "
        text = f"{mark} 1h   ● INF unread        bench      row {row:>6} of a bare list"
        return _strip(text, self.size.width)

    def action_down(self) -> None:
        self._move(self.cursor + 1)

    def action_up(self) -> None:
        self._move(self.cursor - 1)

    def _move(self, position: int) -> None:
        old, self.cursor = self.cursor, max(0, min(position, ROWS - 1))
        top, height = self.scroll_offset.y, self.size.height
        if self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        self.refresh_line(old)
        self.refresh_line(self.cursor)


def _strip(text: str, width: int) -> Strip:
    return Strip([Segment(text[:width].ljust(width))], width)


class BareApp(App[None]):
    BINDINGS: ClassVar = [Binding("q", "quit")]

    def compose(self) -> ComposeResult:
        yield BareList()

    def on_mount(self) -> None:
        self.query_one(BareList).focus()


if __name__ == "__main__":
    BareApp().run()
