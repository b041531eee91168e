"""The event list: a line-API `ScrollView` over an index array of store row ids.

Only visible lines are rendered, each from a cache keyed by row, width, highlight or
mark state and the AGE shown, so a million rows cost no more than fifty. Once a second
only the AGE cells whose text changed are repainted: a quiet list sends (almost) nothing. Arrivals are merged in place
(`StoreChanged`, coalesced when they come in bursts); a paused list only counts them.
The highlight stays on its event whatever arrives: an action hits what the operator reads.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import ClassVar, TypeAlias

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from notifycenter.model.severity import Bucket
from notifycenter.store import EventStore, RowIndex, StoreChange, ViewQuery
from notifycenter.tui import event_list_messages as messages
from notifycenter.tui.row_index import position_in, view_fields, watermark, without
from notifycenter.tui.rows import AGE_WIDTH, Columns, RowStyles, age, columns_for, render_row
from notifycenter.tui.visibility import hidden

_CACHE_ROWS = 1024
AGE_TICK = 1.0  # seconds: AGE changes at most this often


class EventList(ScrollView, can_focus=True):
    """Rows of an `EventStore`, newest first. Give it rows with `set_index`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-list--cursor",
        "event-list--marked",
        "event-list--time",
        "event-list--errors",
        "event-list--warnings",
        "event-list--infos",
        "event-list--audit",
        "event-list--unread",
        "event-list--handled",
        "event-list--acknowledged",
        "event-list--source",
        "event-list--type",
        "event-list--count",
    }
    DEFAULT_CSS = """
    EventList { overflow-x: hidden; height: 1fr; }
    EventList > .event-list--cursor { text-style: reverse; }
    EventList > .event-list--unread { text-style: bold; }
    EventList > .event-list--handled { text-style: dim; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("g,home", "first", "Newest", show=False, id="list.first"),
        Binding("G,end", "last", "Oldest", show=False, id="list.last"),
        Binding("enter", "select", "Detail", id="list.select"),
        Binding("space", "toggle_mark", "Mark", id="list.mark"),
    ]

    # Its messages, by their usual Textual names (`EventList.Highlighted`).
    ListMessage: TypeAlias = messages.ListMessage
    Highlighted: TypeAlias = messages.Highlighted
    Selected: TypeAlias = messages.Selected
    StoreChanged: TypeAlias = messages.StoreChanged
    NewAbove: TypeAlias = messages.NewAbove
    PendingChanged: TypeAlias = messages.PendingChanged

    def __init__(
        self,
        store: EventStore,
        *,
        index: array[int] | None = None,
        view: ViewQuery | None = None,
        id: str | None = None,
        name: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, name=name, classes=classes)
        self.store = store
        self.view = view or ViewQuery()
        self._index: array[int] = index if index is not None else store.select(self.view)
        self._seen = watermark(self._index, store)  # what the index already reflects
        self._cursor = 0
        # (row, highlighted, marked, width) -> (AGE drawn, line)
        self._cache: LRUCache[tuple[int, bool, bool, int], tuple[str, Strip]] = LRUCache(
            _CACHE_ROWS
        )
        self._ages: dict[int, tuple[int, str]] = {}  # screen line -> (row, AGE drawn)
        self._styles: RowStyles | None = None
        self._sized: tuple[Size, Size, Size] | None = None  # what the scrollbars were laid out for
        self._columns: Columns | None = None
        self._paused = False
        self._pending: StoreChange | None = None
        self._pending_new = 0
        self._arrived = 0  # rows put on top since the top was last on screen
        self._new_above = 0
        # Until the operator presses a key or clicks, the top row follows the newest event
        # (a fresh screen shows what just happened); after that the highlight never moves
        # under them, so a key never acts on a row they did not choose.
        self._touched = False
        self.clock: Callable[[], datetime] = _utc_now
        self.tz: tzinfo | None = None  # display time zone; None is the terminal's local time

    # -- public API ----------------------------------------------------------------

    @property
    def index(self) -> array[int]:
        """Row ids shown, top to bottom (do not modify: give a new one to `set_index`)."""
        return self._index

    @property
    def highlighted_row_id(self) -> int | None:
        return self._index[self._cursor] if self._cursor < len(self._index) else None

    @property
    def cursor_position(self) -> int:
        return self._cursor

    @property
    def marked(self) -> set[int]:
        """Marked row ids (kept in the store, so they survive a new index)."""
        return self.store.marks

    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self._paused = value
        if not value and self._pending is not None:
            pending, self._pending, self._pending_new = self._pending, None, 0
            self._merge(pending)
            self.post_message(self.PendingChanged(self, 0))

    @property
    def pending_new(self) -> int:
        """New rows held back while paused."""
        return self._pending_new

    @property
    def new_above(self) -> int:
        """Rows that arrived above the visible ones since the top was last on screen."""
        return self._new_above

    @property
    def shows_counts(self) -> bool:
        """Whether rows show their fold count (`×12`). A predicate (CESQL) sees a row's
        newest occurrence only, so in its view the count could include occurrences that do
        not match: it is left out there. Every other filter reads fields that all
        occurrences of a row share, so there the count is exact."""
        return self.view.predicate is None

    def set_index(
        self, index: array[int], view: ViewQuery | None = None, store: EventStore | None = None
    ) -> None:
        """Show these rows (from `store.select(view)`), keeping the highlighted event and its
        place on screen when it is still there, else the nearest older one. With another
        `store` (the hub's snapshot took the backlog in), the rows are that store's: the
        highlighted event is found there by its cursor."""
        if store is not None and store is not self.store:
            self._use_store(store)
        if view is not None:
            if (view.predicate is None) != (self.view.predicate is None):
                self._cache.clear()  # counts appear or go
            if view_fields(view) != view_fields(self.view):
                self._arrived = 0  # what arrived in another view is not news in this one
            self.view = view
        if self._paused:
            self._pending, self._pending_new = None, 0  # the new index already has them
        keep, screen_row = self.highlighted_row_id, self._cursor - self.scroll_offset.y
        self._index = index
        self._seen = watermark(index, self.store)
        self.virtual_size = Size(0, len(index))
        position = 0 if keep is None else position_in(self.store, self._index, keep)
        self._place_cursor(position, screen_row, previous=keep)
        self.refresh()
        self.call_after_refresh(self._reveal_cursor)  # once the layout knows the new size

    def _use_store(self, store: EventStore) -> None:
        """Row ids of the old store mean nothing in the new one: keep the highlight by
        cursor, forget what was drawn and what a pause held back."""
        row = self.highlighted_row_id
        found = store.find(self.store.row(row).cursor) if row is not None else None
        self.store = store
        self._index, self._cursor = array("i", [] if found is None else [found]), 0
        self._cache.clear()
        self._ages.clear()
        self._pending, self._pending_new = None, 0

    def refresh_rows(self, row_ids: Iterable[int]) -> None:
        """Render these rows again (their status, count or text changed)."""
        rows = set(row_ids)
        if not rows:
            return
        width = self._width()
        for row in rows:
            for highlighted in (False, True):
                for marked in (False, True):
                    self._cache.discard((row, highlighted, marked, width))
        top = self.scroll_offset.y
        if rows.intersection(self._index[top : top + self.size.height]):
            self.refresh()

    def targets(self) -> list[int]:
        """What an action applies to: the marked rows, or else the highlighted one."""
        marked = list(self.marked)
        if marked:
            return marked
        row = self.highlighted_row_id
        return [] if row is None else [row]

    def toggle_mark(self) -> None:
        row = self.highlighted_row_id
        if row is None:
            return
        self.store.marks.symmetric_difference_update({row})
        self.refresh_rows([row])

    def clear_marks(self) -> None:
        marked = set(self.store.marks)
        self.store.marks.clear()
        self.refresh_rows(marked)

    def apply_change(self, change: StoreChange) -> None:
        """Take in what `store.add` changed (what `StoreChanged` does when handled)."""
        self.refresh_rows(change.changed_rows)
        if self._paused:
            self._pending = change if self._pending is None else self._pending.merged(change)
            self._pending_new += len(change.new_rows)
            self.post_message(self.PendingChanged(self, self._pending_new))
            return
        self._merge(change)

    # -- merging arrivals ----------------------------------------------------------

    def _merge(self, change: StoreChange) -> None:
        """Put every row placed in the store's display log since the index was made on
        top, and take the moved ones out of their older places.

        It reads the store rather than `change`, so changes applied late, twice or out of
        order (a queued `StoreChanged` after a direct `apply_change`) still leave the list
        in display order, newest occurrence first."""
        if change.reordered:
            self.set_index(self.store.select(self.view), self.view)
            return
        self._take_older()
        log_seen, rows_seen, older_seen = self._seen
        if log_seen >= self.store.log_length:
            return
        fresh = self.store.select(self.view, start=log_seen)
        self._seen = (max(log_seen, fresh.log_end), max(rows_seen, fresh.row_end), older_seen)
        if not fresh:
            return
        # Rows older than the index that moved since may sit lower in it: take them out.
        moved = {row for row in fresh if row < rows_seen}
        old_cursor, old_top = self._cursor, self.scroll_offset.y
        keep = self.highlighted_row_id
        remaining, removed_above = without(self._index, moved, old_cursor)
        self._index = fresh + remaining
        self.virtual_size = Size(0, len(self._index))
        self._arrived += len(fresh)
        if keep is None or (not self._touched and old_cursor == 0):
            self._place_cursor(0, 0, previous=keep)
        elif keep in moved:  # the highlighted row itself repeated: it goes up, still highlighted
            self._place_cursor(
                position_in(self.store, fresh, keep), old_cursor - old_top, previous=keep
            )
        else:
            position = old_cursor - removed_above + len(fresh)
            self._place_cursor(position, old_cursor - old_top, previous=keep)
        self.refresh()
        self._count_new_above()

    def _take_older(self) -> None:
        older_seen = self._seen[2]
        if older_seen < self.store.older_length:
            self.append_older(self.store.select_older(self.view, older_seen), older_seen)

    def append_older(self, below: RowIndex, since: int) -> None:
        """Rows placed below everything held (by the backlog, or the rest of a select
        that showed its first screen first), from place `since` on, go at the bottom:
        nothing shown moves, and the highlight stays on its row."""
        log_seen, rows_seen, older_seen = self._seen
        if older_seen != since:
            return  # the list has taken these in already
        self._seen = (log_seen, rows_seen, max(older_seen, below.older_end))
        if below:
            shown_end = len(self._index)
            self._index.extend(below)  # in place: a million-row copy per page would not do
            self.virtual_size = Size(0, len(self._index))
            if shown_end == 0:  # the list was empty: highlight the top
                self._place_cursor(0, 0, previous=None)
            if shown_end < self.scroll_offset.y + self.size.height:
                self.refresh()  # rows below the screen need no redraw

    # -- cursor --------------------------------------------------------------------

    def _place_cursor(self, position: int, screen_row: int, previous: int | None) -> None:
        """Put the cursor at `position`, at `screen_row` lines from the top when possible;
        announce it when that is another row than `previous`."""
        self._cursor = max(0, min(position, len(self._index) - 1)) if self._index else 0
        height = max(self.scrollable_content_region.height, 1)
        screen_row = max(0, min(screen_row, height - 1))
        self.scroll_to(y=max(self._cursor - screen_row, 0), animate=False, immediate=True)
        if self.highlighted_row_id != previous:
            self.post_message(self.Highlighted(self, self.highlighted_row_id))

    def _reveal_cursor(self) -> None:
        """Scroll the highlighted row into view if it is off screen."""
        top, height = self.scroll_offset.y, max(self.scrollable_content_region.height, 1)
        if not top <= self._cursor < top + height:
            self.scroll_to(y=max(self._cursor - height // 2, 0), animate=False, immediate=True)
        self._count_new_above()

    def _count_new_above(self) -> None:
        top = self.scroll_offset.y
        if top == 0:
            self._arrived = 0
        count = min(self._arrived, top)
        if count != self._new_above:
            self._new_above = count
            self.post_message(self.NewAbove(self, count))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._count_new_above()  # scrolling up shows some of them

    def _move(self, position: int) -> None:
        if not self._index:
            return
        old = self._cursor
        self._cursor = max(0, min(position, len(self._index) - 1))
        if self._cursor == old:
            return
        top, height = self.scroll_offset.y, max(self.scrollable_content_region.height, 1)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, immediate=True)
        self.refresh_line(old)
        self.refresh_line(self._cursor)
        self.post_message(self.Highlighted(self, self.highlighted_row_id))

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def action_cursor_down(self) -> None:
        self._move(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self._cursor - 1)

    def action_page_down(self) -> None:
        self._move(self._cursor + self._page())

    def action_page_up(self) -> None:
        self._move(self._cursor - self._page())

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._index) - 1)

    def action_select(self) -> None:
        row = self.highlighted_row_id
        if row is not None:
            self.post_message(self.Selected(self, row))

    def action_toggle_mark(self) -> None:
        self.toggle_mark()

    # -- events --------------------------------------------------------------------

    def on_mount(self) -> None:
        self.virtual_size = Size(0, len(self._index))
        self.set_interval(AGE_TICK, self._refresh_ages)
        if self._index:
            self.post_message(self.Highlighted(self, self.highlighted_row_id))

    def _on_event_list_store_changed(self, message: EventList.StoreChanged) -> None:
        message.stop()
        self.apply_change(message.change)

    def on_key(self, event: events.Key) -> None:
        self._touched = True  # not stopped: the key still reaches its binding

    def on_click(self, event: events.Click) -> None:
        self._touched = True
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self._move(self.scroll_offset.y + offset.y)
        if event.chain == 2:
            self.action_select()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual compares the virtual size it laid out with the one this list sets (rows
        of the index), which never match, so every layout of the screen — a new detail, a
        header label — redrew the whole scrollbar column. Only a real change does now."""
        sized = (size, self.virtual_size, container_size)
        if sized == self._sized:
            return False
        self._sized = sized
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_resize(self, event: events.Resize) -> None:
        self._columns = None
        self._cache.clear()
        self.call_after_refresh(self._reveal_cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()

    # -- rendering -----------------------------------------------------------------

    def _refresh_ages(self) -> None:
        """Repaint the AGE cells whose text changed since drawn, and nothing else (nothing
        while another screen hides the list: the first tick after it shows catches up)."""
        if hidden(self.screen):
            return
        now, top = self.clock(), self.scroll_offset.y
        columns = self._columns
        for line, (row, shown) in list(self._ages.items()):
            position = top + line
            if position >= len(self._index) or self._index[position] != row:
                del self._ages[line]  # the line shows another row: it was repainted anyway
            elif columns is not None and age(self.store.time_of(row), now) != shown:
                self.refresh(Region(columns.age_offset, line, AGE_WIDTH, 1))

    def _width(self) -> int:
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        position = self.scroll_offset.y + y
        width = self._width()
        if position >= len(self._index) or width <= 0:
            return Strip.blank(width, self.rich_style)
        row = self._index[position]
        highlighted = position == self._cursor
        now = self.clock()
        shown_age = age(self.store.time_of(row), now)
        self._ages[y] = (row, shown_age)
        key = (row, highlighted, row in self.store.marks, width)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == shown_age:
            return cached[1]
        strip = render_row(
            self.store.row(row),
            self._columns_for(width),
            self._row_styles(),
            highlighted=highlighted,
            now=now,
            tz=self.tz,
            show_count=self.shows_counts,
            silenced=self.store.silenced(row),  # only while its silence is in force
        )
        self._cache.set(key, (shown_age, strip))
        return strip

    def _columns_for(self, width: int) -> Columns:
        if self._columns is None or self._columns.width != width:
            self._columns = columns_for(width)
        return self._columns

    def _row_styles(self) -> RowStyles:
        if self._styles is None:

            def part(name: str) -> Style:
                return self.get_component_rich_style(f"event-list--{name}", partial=True)

            self._styles = RowStyles(
                base=self.rich_style,
                cursor=part("cursor"),
                marked=part("marked"),
                time=part("time"),
                buckets={bucket: part(bucket.value) for bucket in Bucket},
                unread=part("unread"),
                handled=part("handled"),
                acknowledged=part("acknowledged"),
                source=part("source"),
                type=part("type"),
                count=part("count"),
            )
        return self._styles


def _utc_now() -> datetime:
    return datetime.now(UTC)
