"""The operations view (`o`): the tree of operations with progress bars, state glyphs,
elapsed time and an estimate of time left; running ones first.

The hub derives everything (GET /api/operations); this view only lays it out. It refreshes
when an operation event arrives on the stream, and every few seconds anyway, because
elapsed time and the stall rule move without any event. The list is a line-API
`ScrollView`, so that ten thousand operations cost what one screenful does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import describe
from notifycenter.model.lifecycle import parse_time
from notifycenter.model.operations import (
    STATE_GLYPHS,
    State,
    format_seconds,
    progress_bar,
    progress_text,
)
from notifycenter.model.sanitize import sanitize_line

PAGE = 200
MAX_PAGE = 1000  # the hub's largest page
AUTO_EXPAND = 5  # active roots shown opened on arrival
REFRESH_SECONDS = 3.0
DEBOUNCE_SECONDS = 0.3
BAR_WIDTH = 12
EVENTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Row:
    depth: int
    view: dict[str, Any]
    children: int
    expanded: bool


def child_count(view: dict[str, Any]) -> int:
    children = view.get("children")
    return len(children) if isinstance(children, list) else int(children or 0)


def flatten(
    roots: Iterable[dict[str, Any]], trees: dict[str, dict[str, Any]], collapsed: set[str]
) -> list[Row]:
    """Visible rows: each root, and the subtree of those whose tree is loaded and open."""
    rows: list[Row] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        kids = node.get("children") if isinstance(node.get("children"), list) else []
        is_open = bool(kids) and node["id"] not in collapsed
        rows.append(Row(depth, node, child_count(node), is_open))
        if is_open:
            for kid in sorted(kids, key=started_order):  # steps read in the order they ran
                walk(kid, depth + 1)

    for root in roots:
        tree = trees.get(root["id"])
        if tree is None:
            rows.append(Row(0, root, child_count(root), False))
        else:
            walk(tree, 0)
    return rows


def started_order(view: dict[str, Any]) -> tuple[int, str]:
    """Oldest first; not yet started ones (pending) last."""
    started = view.get("started_at")
    return (0, started) if isinstance(started, str) else (1, "")


def column_header(width: int) -> str:
    """The names over the tree's columns, aligned with `OperationTree._right_block`."""
    right = f"{'progress':<{BAR_WIDTH}} {'%':>4} {'elapsed':>6} {'left':>7} {'state':<9}"
    return f"  {'operation':<{max(width - len(right) - 2, 0)}}{right}"


def _events_of(view: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A tree's node carries its latest events; a listed operation does not."""
    events = view.get("events")
    return events if isinstance(events, list) else None


def elapsed_of(view: dict[str, Any], now: datetime) -> float | None:
    """Ticks locally between refreshes while the operation has not ended."""
    started = view.get("started_at")
    if not started:
        return None
    end = parse_time(view["ended_at"]) if view.get("ended_at") else now
    return max((end - parse_time(started)).total_seconds(), 0.0)


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
        Binding("space", "toggle", "Expand/collapse", id="ops.toggle", show=False),
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
        parent = row.view.get("parent")  # on a leaf: go to its parent
        found = next((n for n, r in enumerate(self.rows) if r.view["id"] == parent), None)
        if found is not None:
            self.cursor = found

    def action_toggle(self) -> None:
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
        state = State(view["state"])
        state_style = base + self.get_component_rich_style(f"ops--{state.value}")
        dim = base + self.get_component_rich_style("ops--dim")
        marker = ("▾ " if row.expanded else "▸ ") if row.children else "  "
        right = self._right_block(view)
        left = f"{'  ' * row.depth}{marker}"
        name = sanitize_line(view.get("name") or view["id"], 200)
        room = max(width - cell_len(left) - 2 - cell_len(right) - 1, 0)
        name = name if cell_len(name) <= room else set_cell_size(name, max(room - 1, 0)) + "…"
        gap = " " * max(width - cell_len(left) - 2 - cell_len(name) - cell_len(right), 1)
        bar = progress_bar(view.get("progress"), BAR_WIDTH)
        return [
            Segment(left, dim),
            Segment(STATE_GLYPHS[state] + " ", state_style),
            Segment(name + gap, base),
            Segment(bar, base + self.get_component_rich_style("ops--bar")),
            Segment(right[len(bar) :], dim),
        ]

    def _right_block(self, view: dict[str, Any]) -> str:
        now = datetime.now(UTC)
        percent = progress_text(view).split(" ")[0] if view.get("progress") is not None else ""
        eta = f"~{format_seconds(view['eta'])}" if view.get("eta") is not None else ""
        state = view["state"] if view["state"] != State.RUNNING.value else ""
        return (
            f"{progress_bar(view.get('progress'), BAR_WIDTH)} {percent:>4} "
            f"{format_seconds(elapsed_of(view, now)):>6} {eta:>7} {state:<9}"
        )


class OperationDetail(Static):
    """The highlighted operation: who, when, how far, why it failed and what to do."""

    def show(
        self, view: dict[str, Any] | None, events_shown: list[dict[str, Any]] | None = None
    ) -> None:
        self.update(
            detail_text(view, events_shown or []) if view else Text("No operation selected.")
        )


def detail_text(view: dict[str, Any], events_shown: list[dict[str, Any]]) -> Text:
    """Plain `Text` from sanitised strings: nothing from an event is read as markup."""
    text = Text()
    state = State(view["state"])

    def line(label, value):
        return text.append(f"{label}: ", style="bold").append(f"{sanitize_line(value, 400)}\n")

    text.append(sanitize_line(view.get("name") or view["id"], 200) + "\n", style="bold")
    timing = format_seconds(elapsed_of(view, datetime.now(UTC)))
    if view.get("eta") is not None:
        timing += f", about {format_seconds(view['eta'])} left"
    text.append(f"{STATE_GLYPHS[state]} {state.value}  {progress_text(view)}  {timing}\n")
    if view.get("message"):
        line("message", view["message"])
    _error_text(text, view.get("error"))
    started = (
        f"{view.get('started_by') or view.get('source') or '?'} at {view.get('started_at') or '?'}"
    )
    line("started by", started + (f", ended {view['ended_at']}" if view.get("ended_at") else ""))
    if view.get("subject"):
        line("subject", view["subject"])
    if events_shown:
        text.append("Latest events (enter lists them all)\n", style="bold")
        for event in events_shown[-EVENTS_SHOWN:]:
            stamp = str(event.get("time", ""))[11:19]
            text.append(
                f"  {sanitize_line(stamp, 8)} {sanitize_line(describe(event).summary, 300)}\n"
            )
    line("source", view.get("source") or "")
    line("id", f"{view['id']}  trace {view.get('trace_id') or '?'}")
    return text


def _error_text(text: Text, error: Any) -> None:
    if not isinstance(error, dict):
        return
    failure = NotifyError.from_dict(error)
    text.append(f"{sanitize_line(failure.code, 64)}", style="bold")
    text.append(f"  {sanitize_line(' '.join(failure.short_description), 300)}\n")
    for detail in failure.long_description:
        text.append(f"  {sanitize_line(detail, 600)}\n")
    for cause in failure.probable_cause:
        text.append(f"  probable cause: {sanitize_line(cause, 400)}\n")
    for number, remedy in enumerate(failure.suggested_remediation, 1):
        text.append(f"  remediation {number}: {sanitize_line(remedy, 400)}\n")


class OperationsScreen(Screen[None]):
    """The operation center. `focus` opens on one operation (the detail pane's link)."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="ops.back"),
        Binding("enter", "show_events", "Events", id="ops.events"),
        Binding("f", "toggle_finished", "Hide/show finished", id="ops.active-only"),
        Binding("tab", "app.focus_next", "Tree/detail", id="ops.focus", show=False),
        Binding("ctrl+r", "refresh_now", "Refresh", id="ops.refresh", show=False),
    ]

    class EventsRequested(Message):
        """The operator wants this operation's events in the main list."""

        def __init__(self, operation_id: str, trace_id: str | None, name: str) -> None:
            super().__init__()
            self.operation_id, self.trace_id, self.name = operation_id, trace_id, name

    def __init__(self, client: Any, focus: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.focus_id = focus
        self.roots: list[dict[str, Any]] = []
        self.trees: dict[str, dict[str, Any]] = {}
        self.collapsed: set[str] = set()
        self.next_page: str | None = None
        self.active_only = False
        self.status = "loading…"
        self._dirty = True
        self._last_refresh = 0.0
        self._seen_roots: set[str] = set()
        self._keep: str | None = None
        self._pinned: str | None = None  # the focused operation's root stays open
        self._listening = False

    def compose(self) -> ComposeResult:
        yield Static("Operations", id="ops-title")
        yield Static("", id="ops-columns")
        yield OperationTree(id="ops-tree")
        with VerticalScroll(id="ops-detail-scroll"):  # long remediation scrolls (tab, then arrows)
            yield OperationDetail("", id="ops-detail")
        yield Footer()

    def on_resize(self) -> None:
        width = self.query_one(OperationTree).scrollable_content_region.width or self.size.width
        self.query_one("#ops-columns", Static).update(Text(column_header(width)))

    def on_mount(self) -> None:
        self.query_one(OperationTree).focus()
        if self.client is None:
            self._set_title("not connected to a hub")
            return
        self.refresh_data()
        self.set_interval(DEBOUNCE_SECONDS, self._tick)

    # -- data ----------------------------------------------------------------------

    def _tick(self) -> None:
        if self._dirty or time.monotonic() - self._last_refresh >= REFRESH_SECONDS:
            self.refresh_data()
        else:
            self.query_one(OperationTree).refresh()  # elapsed time ticks

    @work(group="ops-listen", exclusive=True)
    async def listen(self) -> None:
        """Any operation event marks the view dirty; the timer coalesces a burst into one fetch."""
        try:
            async for _event in self.client.subscribe(filter="type LIKE 'io.meshery.operation.%'"):
                self._dirty = True
        except NotifyError:
            return  # the periodic refresh still runs

    @work(group="ops-refresh", exclusive=True)
    async def refresh_data(self) -> None:
        self._dirty, self._last_refresh = False, time.monotonic()
        try:
            await self._load()
        except NotifyError as error:
            self._set_title(f"hub unreachable: {error.code} {' '.join(error.short_description)}")
            return
        self._relayout()
        if not self._listening:  # after the first paint: it would compete with it
            self._listening = True
            self.listen()

    async def _load(self) -> None:
        """Roots first (drawn at once), then the trees that are open."""
        if self.focus_id:
            await self._load_focus(self.focus_id)
        self.roots, self.next_page = await self._roots(max(len(self.roots), PAGE))
        self._relayout()
        fresh = [r["id"] for r in self.roots if r["id"] not in self._seen_roots]
        self._seen_roots.update(fresh)
        opening = [
            r["id"]
            for r in self.roots
            if r["id"] in fresh
            and child_count(r)
            and r["state"] in ("running", "stalled", "pending")
        ][:AUTO_EXPAND]
        listed = {r["id"] for r in self.roots}
        wanted = [rid for rid in self.trees if rid in listed or rid == self._pinned]
        wanted += [rid for rid in opening if rid not in wanted]
        trees = await asyncio.gather(
            *(self.client.operation(rid) for rid in wanted), return_exceptions=True
        )
        self.trees = {
            rid: tree for rid, tree in zip(wanted, trees, strict=False) if isinstance(tree, dict)
        }

    async def _roots(self, wanted: int) -> tuple[list[dict[str, Any]], str | None]:
        """As many roots as are loaded now (pages of at most MAX_PAGE), from the top."""
        roots: list[dict[str, Any]] = []
        offset: str | None = None
        while True:
            page = await self.client.operations(
                root=True,
                limit=min(wanted - len(roots), MAX_PAGE),
                offset=offset,
                state="active" if self.active_only else None,
            )
            roots += page.get("items", [])
            offset = page.get("next")
            if offset is None or len(roots) >= wanted:
                return roots, offset

    async def _load_focus(self, op_id: str) -> None:
        """Open the tree that holds `op_id` and put the cursor on it."""
        found = await self.client.operation(op_id)
        path = found.get("path") or []
        root_id = path[0]["id"] if path else found["id"]
        self.trees[root_id] = found if not path else await self.client.operation(root_id)
        self._keep, self._pinned = op_id, root_id
        self.focus_id = None

    async def _load_more(self) -> None:
        if self.next_page is None:
            return
        page = await self.client.operations(
            root=True,
            limit=PAGE,
            offset=self.next_page,
            state="active" if self.active_only else None,
        )
        self.roots += page.get("items", [])
        self.next_page = page.get("next")
        self._relayout()

    def _relayout(self) -> None:
        try:
            tree = self.query_one(OperationTree)
        except NoMatches:  # the view closed while a fetch was under way
            return
        keep = self._keep or (tree.current.view["id"] if tree.current else None)
        self._keep = None
        roots = self.roots
        missing = [self.trees[i] for i in self.trees if all(r["id"] != i for r in roots)]
        tree.set_rows(flatten([*missing, *roots], self.trees, self.collapsed), keep)
        scope = "active" if self.active_only else "all"
        self._set_title(
            f"{len(self.roots)}{'+' if self.next_page else ''} operations ({scope})"
            if self.roots or missing
            else "No operations yet — `notifycenter run -- CMD` or Emitter.operation() start one"
        )

    def _set_title(self, text: str) -> None:
        self.status = text
        if not self.query("#ops-title"):
            return
        self.query_one("#ops-title", Static).update(
            Text(f"Operations — {sanitize_line(text, 200)}")
        )

    # -- reactions -----------------------------------------------------------------

    @on(OperationTree.Highlighted)
    def _highlighted(self, message: OperationTree.Highlighted) -> None:
        row = message.row
        detail = self.query_one(OperationDetail)
        detail.show(row.view if row else None, _events_of(row.view) if row else None)
        tree = self.query_one(OperationTree)
        if row is not None and tree.cursor >= len(tree.rows) - 1 and self.next_page:
            self.run_worker(self._load_more(), group="ops-more", exclusive=True)
        if row is not None and _events_of(row.view) is None:
            self.load_detail(row.view["id"])

    @work(group="ops-detail", exclusive=True)
    async def load_detail(self, op_id: str) -> None:
        await asyncio.sleep(0.15)  # holding a key down does not fetch every row
        try:
            found = await self.client.operation(op_id)
        except NotifyError:
            return
        if not self.is_mounted or not self.query(OperationTree):
            return  # the view closed while the fetch was under way
        current = self.query_one(OperationTree).current
        if current is not None and current.view["id"] == op_id:
            self.query_one(OperationDetail).show({**current.view, **found}, found.get("events"))

    @on(OperationTree.Toggled)
    def _toggled(self, message: OperationTree.Toggled) -> None:
        op_id = message.row.view["id"]
        if message.expand:
            self.collapsed.discard(op_id)
            if message.row.depth == 0 and op_id not in self.trees:
                self.run_worker(self._open_root(op_id), group=f"ops-open-{op_id}", exclusive=True)
                return
        else:
            self.collapsed.add(op_id)
        self._relayout()

    async def _open_root(self, op_id: str) -> None:
        try:
            self.trees[op_id] = await self.client.operation(op_id)
        except NotifyError:
            return
        self._relayout()

    def action_show_events(self) -> None:
        row = self.query_one(OperationTree).current
        if row is None:
            return
        view = row.view
        self.app.post_message(
            self.EventsRequested(view["id"], view.get("trace_id"), view.get("name") or "")
        )
        self.dismiss()

    def action_back(self) -> None:
        self.dismiss()

    def action_toggle_finished(self) -> None:
        self.active_only = not self.active_only
        self.refresh_data()

    def action_refresh_now(self) -> None:
        self.refresh_data()
