"""The operations tree: a line-API `ScrollView`, so ten thousand operations cost what one
screenful does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from notifycenter.model.operations import (
    State,
    format_seconds,
    known_state,
    progress_bar,
    progress_text,
    state_glyph,
)
from notifycenter.model.sanitize import sanitize_line
from notifycenter.tui.operations.rows import BAR_WIDTH, OperationView, Row, elapsed_of


class OperationTree(ScrollView, can_focus=True):
    """The rows, one line each, drawn on demand."""

    COMPONENT_CLASSES = {
        "ops--cursor",
        "ops--dim",
        "ops--bar",
        *(f"ops--{state.value}" for state in State),
    }
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", id="ops.down", show=False),
        Binding("up,k", "move(-1)", "Up", id="ops.up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="ops.page-down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="ops.page-up", show=False),
        Binding("g,home", "jump(0)", "First", id="ops.first", show=False),
        Binding("G,end", "jump(-1)", "Last", id="ops.last", show=False),
        Binding("right,l", "open", "Expand", id="ops.expand"),
        Binding("left,h", "close_node", "Collapse", id="ops.collapse"),
        Binding("space", "toggle_node", "Expand/collapse", id="ops.toggle", show=False),
    ]

    cursor = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, row: Row | None) -> None:
            super().__init__()
            self.row = row

    class Toggled(Message):
        def __init__(self, row: Row, expand: bool) -> None:
            super().__init__()
            self.row, self.expand = row, expand

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row], keep: str | None = None) -> None:
        """Replace the rows; the cursor stays on the operation `keep` when still shown."""
        self.rows = rows
        self.virtual_size = Size(self.size.width, len(rows))
        found = next((n for n, row in enumerate(rows) if row.view["id"] == keep), None)
        self.cursor = found if found is not None else min(self.cursor, max(len(rows) - 1, 0))
        self.refresh()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_region_line(new)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def scroll_to_region_line(self, line: int) -> None:
        top, height = int(self.scroll_offset.y), self.scrollable_content_region.height
        if line < top:
            self.scroll_to(y=line, animate=False)
        elif height and line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = min(max(self.cursor + step, 0), len(self.rows) - 1)

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(self.scrollable_content_region.height - 1, 1))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = where % len(self.rows)

    def action_open(self) -> None:
        row = self.current
        if row is not None and row.children and not row.expanded:
            self.post_message(self.Toggled(row, True))

    def action_close_node(self) -> None:
        row = self.current
        if row is None:
            return
        if row.expanded:
            self.post_message(self.Toggled(row, False))
            return
        parent = row.view["parent"]  # on a leaf: go to its parent
        found = next((n for n, r in enumerate(self.rows) if r.view["id"] == parent), None)
        if found is not None:
            self.cursor = found

    def action_toggle_node(self) -> None:
        row = self.current
        if row is not None and row.children:
            self.post_message(self.Toggled(row, not row.expanded))

    def on_click(self, event: events.Click) -> None:
        line = int(self.scroll_offset.y) + event.y
        if 0 <= line < len(self.rows):
            self.cursor = line

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width or self.size.width
        if not 0 <= line < len(self.rows):
            return Strip.blank(width, self.rich_style)
        return Strip(self._segments(self.rows[line], width, line == self.cursor), width)

    def _segments(self, row: Row, width: int, selected: bool) -> list[Segment]:
        view, base = row.view, self.rich_style
        if selected:
            base = base + self.get_component_rich_style("ops--cursor")
        state = known_state(view["state"])
        state_style = base + self.get_component_rich_style(
            f"ops--{state.value}" if state is not None else "ops--dim"
        )
        dim = base + self.get_component_rich_style("ops--dim")
        marker = ("▾ " if row.expanded else "▸ ") if row.children else "  "
        right = self._right_block(view)
        left = f"{'  ' * row.depth}{marker}"
        name = sanitize_line(view["name"] or view["id"], 200)
        room = max(width - cell_len(left) - 2 - cell_len(right) - 1, 0)
        name = name if cell_len(name) <= room else set_cell_size(name, max(room - 1, 0)) + "…"
        gap = " " * max(width - cell_len(left) - 2 - cell_len(name) - cell_len(right), 1)
        bar = progress_bar(view["progress"], BAR_WIDTH)
        return [
            Segment(left, dim),
            Segment(state_glyph(state) + " ", state_style),
            Segment(name + gap, base),
            Segment(bar, base + self.get_component_rich_style("ops--bar")),
            Segment(right[len(bar) :], dim),
        ]

    def _right_block(self, view: OperationView) -> str:
        now = datetime.now(UTC)
        percent = progress_text(view).split(" ")[0] if view["progress"] is not None else ""
        eta = f"~{format_seconds(view['eta'])}" if view["eta"] is not None else ""
        state = sanitize_line(view["state"], 9) if view["state"] != State.RUNNING.value else ""
        return (
            f"{progress_bar(view['progress'], BAR_WIDTH)} {percent:>4} "
            f"{format_seconds(elapsed_of(view, now)):>6} {eta:>7} {state:<9}"
        )
