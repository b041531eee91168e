"""The operations view (`o`): the tree of operations with progress bars, state glyphs,
elapsed time and an estimate of time left; running ones first.

The hub derives everything (GET /api/operations); this view only lays it out. It refreshes
when an operation event arrives on the stream, and every few seconds anyway, because
elapsed time and the stall rule move without any event.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.wire import Operation, OperationPage
from notifycenter.model.wire import OperationTree as Tree
from notifycenter.tui.operations.detail import OperationDetail
from notifycenter.tui.operations.rows import child_count, column_header, events_of, flatten
from notifycenter.tui.operations.tree import OperationTree
from notifycenter.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from notifycenter.client.hub import HubClient

PAGE = 200
MAX_PAGE = 1000  # the hub's largest page
AUTO_EXPAND = 5  # active roots shown opened on arrival
REFRESH_SECONDS = 3.0
DEBOUNCE_SECONDS = 0.3


# The event list's keys: from here they would silently change the hidden list.
LIST_KEYS = ("e", "slash", "colon", "1", "2", "3", "4", "a", "A", "u", "r", "R", "m", "x", "p", "c")


class OperationsScreen(Screen[None]):
    """The operation center. `focus` opens on one operation (the detail pane's link)."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="ops.back"),
        Binding("enter", "show_events", "Events", id="ops.events"),
        Binding("f", "toggle_finished", "Hide/show finished", id="ops.active-only"),
        Binding("tab", "app.focus_next", "Tree/detail", id="ops.focus", show=False),
        Binding("ctrl+r", "refresh_now", "Refresh", id="ops.refresh", show=False),
        Binding(",".join(LIST_KEYS), "list_key", "List keys", id="ops.list-keys", show=False),
    ]

    class EventsRequested(Message):
        """The operator wants this operation's events in the main list."""

        def __init__(self, operation_id: str, trace_id: str | None, name: str) -> None:
            super().__init__()
            self.operation_id, self.trace_id, self.name = operation_id, trace_id, name

    def __init__(self, client: HubClient | None, focus: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.focus_id = focus
        self.roots: list[Operation] = []
        self.trees: dict[str, Tree] = {}
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
        yield KeyFooter()

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

    @property
    def hub(self) -> HubClient:
        """The client; nothing that fetches runs without one (see `on_mount`)."""
        if self.client is None:
            raise RuntimeError("the operations view has no hub to fetch from")
        return self.client

    @work(group="ops-listen", exclusive=True)
    async def listen(self) -> None:
        """Any operation event marks the view dirty; the timer coalesces a burst into one fetch."""
        try:
            async for _event in self.hub.subscribe(filter="type LIKE 'io.meshery.operation.%'"):
                self._dirty = True
        except NotifyError:
            return  # the periodic refresh still runs

    @work(group="ops-refresh", exclusive=True)
    async def refresh_data(self) -> None:
        if self.client is None:  # ctrl+r or f in a view that has no hub
            return
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
            *(self.hub.operation(rid) for rid in wanted), return_exceptions=True
        )
        self.trees = {
            rid: tree
            for rid, tree in zip(wanted, trees, strict=False)
            if not isinstance(tree, BaseException)
        }

    async def _roots(self, wanted: int) -> tuple[list[Operation], str | None]:
        """As many roots as are loaded now (pages of at most MAX_PAGE), from the top."""
        roots: list[Operation] = []
        offset: str | None = None
        while True:
            page: OperationPage = await self.hub.operations(
                root=True,
                limit=min(wanted - len(roots), MAX_PAGE),
                offset=offset,
                state="active" if self.active_only else None,
            )
            roots += page["items"]
            offset = page["next"]
            if offset is None or len(roots) >= wanted:
                return roots, offset

    async def _load_focus(self, op_id: str) -> None:
        """Open the tree that holds `op_id` and put the cursor on it."""
        found = await self.hub.operation(op_id)
        path = found["path"]
        root_id = path[0]["id"] if path else found["id"]
        self.trees[root_id] = found if not path else await self.hub.operation(root_id)
        self._keep, self._pinned = op_id, root_id
        self.focus_id = None

    async def _load_more(self) -> None:
        if self.next_page is None:
            return
        try:
            page = await self.hub.operations(
                root=True,
                limit=PAGE,
                offset=self.next_page,
                state="active" if self.active_only else None,
            )
        except NotifyError as error:  # the next scroll to the end tries again
            self._set_title(f"hub unreachable: {error.code} {' '.join(error.short_description)}")
            return
        self.roots += page["items"]
        self.next_page = page["next"]
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
        detail.show(row.view if row else None, events_of(row.view) if row else None)
        tree = self.query_one(OperationTree)
        if row is not None and tree.cursor >= len(tree.rows) - 1 and self.next_page:
            self.run_worker(self._load_more(), group="ops-more", exclusive=True)
        if row is not None and events_of(row.view) is None:
            self.load_detail(row.view["id"])

    @work(group="ops-detail", exclusive=True)
    async def load_detail(self, op_id: str) -> None:
        await asyncio.sleep(0.15)  # holding a key down does not fetch every row
        try:
            found = await self.hub.operation(op_id)
        except NotifyError:
            return
        trees, details = self.query(OperationTree), self.query(OperationDetail)
        if not self.is_mounted or not trees or not details:
            return  # the view closed (or is being torn down) while the fetch was under way
        current = trees.first().current
        if current is not None and current.view["id"] == op_id:
            details.first().show(found, found["events"])  # the listed view, and more

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
            self.trees[op_id] = await self.hub.operation(op_id)
        except NotifyError:
            return
        self._relayout()

    def action_show_events(self) -> None:
        row = self.query_one(OperationTree).current
        if row is None:
            return
        view = row.view
        self.app.post_message(self.EventsRequested(view["id"], view["trace_id"], view["name"]))
        self.dismiss()

    def action_back(self) -> None:
        self.dismiss()

    def action_list_key(self) -> None:
        """The event list's keys would change a list nobody sees from here: say where
        they work instead."""
        self.notify(
            "That key works on the event list: enter lists this operation's events, "
            "escape goes back to the list.",
            timeout=4,
            markup=False,
        )

    def action_toggle_finished(self) -> None:
        self.active_only = not self.active_only
        self.refresh_data()

    def action_refresh_now(self) -> None:
        self.refresh_data()
