"""The notification center's main screen: the widgets and where they sit, nothing more.

It stays under help and the operations view, so the app and its collaborators reach its
widgets through it (never through `app.screen`, which may be another screen).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Container
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label

from notifycenter.model.sanitize import sanitize
from notifycenter.tui.event_list import EventList
from notifycenter.tui.view_state import ViewState, fit_description
from notifycenter.tui.visibility import hidden
from notifycenter.tui.widgets.buckets import BucketStrip
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.drawer import Notice, NotificationDrawer, new_notices
from notifycenter.tui.widgets.footer import KeyFooter
from notifycenter.tui.widgets.header import HeaderBar
from notifycenter.tui.widgets.prompt import PromptBar
from notifycenter.tui.widgets.statusline import StatusLine

FILTER_BAR_LINES = 3  # the bar wraps; past that the middle is elided
PARTS = ("#events", "#detail", "#header", "#buckets", "#statusline", "#drawer")


class CenterScreen(Screen[None]):
    """Header, bucket strip, filter bar, the event list beside the detail, prompt, footer."""

    def __init__(
        self,
        new_list: Callable[[], EventList],
        *,
        simulated: bool = False,
        notices: deque[Notice] | None = None,
    ) -> None:
        super().__init__()
        self._new_list = new_list  # the list shows one store: a new hub gets a new list
        self._filter_bar_text = ""
        self._simulated = simulated
        self._notices = notices if notices is not None else new_notices()

    def show_notice(self, notice: Notice) -> None:
        """The newest notification on the status line (and in the drawer when open)."""
        if self.alive:
            self.query_one("#statusline", StatusLine).show(
                notice.title, notice.message, notice.level
            )
            self.query_one("#drawer", NotificationDrawer).refresh_notices()

    def toggle_notices(self) -> None:
        if self.alive:
            self.query_one("#drawer", NotificationDrawer).toggle()

    class Ready(Message):
        """The widgets are mounted: the app can show state and connect."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield BucketStrip(id="buckets")
        bar = Label("", id="filter-bar", markup=False)
        bar.display = False  # until a filter is set
        yield bar
        if self._simulated:
            yield Label("Demo: every producer here is simulated.", id="simulated", markup=False)
        with Container(id="main"):
            yield self._new_list()
            yield DetailPane(id="detail")
        yield NotificationDrawer(self._notices, id="drawer")
        yield StatusLine(id="statusline")
        yield PromptBar(id="prompt")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.prompt.close()  # until `/`, `:` or `A` asks for it
        self.post_message(self.Ready())

    @property
    def alive(self) -> bool:
        """False before the widgets exist and while shutting down, when timers and workers
        outlive them."""
        if not self.is_mounted:
            return False
        try:  # by id: Textual caches those lookups, and this runs on every key and tick
            for part in PARTS:
                self.query_one(part)
        except NoMatches:
            return False
        return True

    @property
    def hidden(self) -> bool:
        """An opaque screen is on top: changes here would not be seen, only rewritten."""
        return hidden(self)

    @property
    def events(self) -> EventList:
        return self.query_one("#events", EventList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def header(self) -> HeaderBar:
        return self.query_one("#header", HeaderBar)

    @property
    def buckets(self) -> BucketStrip:
        return self.query_one("#buckets", BucketStrip)

    @property
    def prompt(self) -> PromptBar:
        return self.query_one("#prompt", PromptBar)

    @property
    def detail_full(self) -> bool:
        """`enter`: the detail has the list's place; header, prompt and footer stay."""
        return self.alive and self.detail.has_class("-full")

    def show_detail_full(self, full: bool) -> None:
        if not self.alive:
            return
        self.detail.set_class(full, "-full")
        self.events.display = not full

    async def start_over(self, context_name: str, server: str) -> None:
        """Another hub: a new list (of its new store) where the old one was, focused; empty
        counts and detail; a header that knows nothing yet."""
        events = self._new_list()
        await self.events.remove()
        await self.query_one("#main", Container).mount(events, before=0)
        events.focus()
        self.buckets.show(events.store.counts())
        self.detail.show(None)
        self.header.reset(context_name, server)

    def show_view(self, view: ViewState) -> None:
        """The chosen bucket and the filter bar (hidden when nothing filters)."""
        if self.alive:
            self.buckets.select(view.bucket)
            self.show_filter_bar(view)

    def show_filter_bar(self, view: ViewState) -> None:
        """What filters the list, when that changed: showing, hiding or rewrapping the bar
        lays out and paints the whole screen again."""
        if not self.alive:
            return
        width = max(self.size.width - 2, 40)
        room = width * FILTER_BAR_LINES - width // 3 - len("filter: ")  # slack: words wrap early
        text = fit_description(view, room)
        text = f"filter: {text}" if text else ""
        if text != self._filter_bar_text:
            self._filter_bar_text = text
            bar = self.query_one("#filter-bar", Label)
            bar.update(sanitize(text))  # an operation's name or id is the hub's text
            bar.display = bool(text)


def width_classes(width: int, breakpoints: list[tuple[int, str]] | None) -> set[str]:
    """The class Textual gives a screen `width` cells wide: the widest breakpoint it reaches."""
    for breakpoint, name in sorted(breakpoints or (), reverse=True):
        if width >= breakpoint:
            return {name}
    return set()
