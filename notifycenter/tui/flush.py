"""The flush: what arrived since the last tick goes into the store and onto the screen in
one bounded step, and the rows are selected again (in a worker) when needed.

Older record pages and the stream feed two buffers; a flush takes at most `FLUSH_LIMIT`
streamed events, so that a big replay never freezes the screen (older records are taken
in by `backlog.py`, in slices of a few milliseconds). A select runs only when the view
changed or a row's status changed (it can leave or enter the view); older pages land
below what is shown without one.

What the screen shows follows the store in steps: arrivals reach the list at most every
`SHOW_EVERY` while they pour in (each step shifts and rewrites every visible row, which
over SSH is the whole cost of a busy stream), a lifecycle change at once (the operator's
own `a` answers within a flush), and nothing while another screen hides the list.
"""

from __future__ import annotations

import time
from typing import Protocol

from notifycenter.store import EventStore, RowIndex, StoreChange, ViewQuery
from notifycenter.tui.expiry_notice import expired_ack_notices
from notifycenter.tui.feed import FLUSH_LIMIT
from notifycenter.tui.policy import Toast
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session
from notifycenter.tui.view_state import ViewState

REFILTER_WHILE_LOADING = 1.0  # seconds between selects while older pages pour in
SHOW_EVERY = 1.0  # seconds between two steps of arrivals on screen while they keep coming


class FlushHost(Protocol):
    """What the flush needs from the app."""

    @property
    def session(self) -> Session: ...

    @property
    def view(self) -> ViewState: ...

    @property
    def center(self) -> CenterScreen: ...

    def start_select(self, view: ViewState, store: EventStore, stale: int) -> None:
        """Run `store.select` off the event loop, then call `shown` and `select_done`."""

    def toasts_wanted(self) -> bool: ...

    def toast(self, toast: Toast) -> None: ...

    def refresh_detail(self) -> None: ...


class FeedFlusher:
    """Takes the session's buffers into its store on a timer and keeps the list in step."""

    def __init__(self, host: FlushHost) -> None:
        self.host = host
        self.selecting = False  # a select in flight reads the store: nothing is added meanwhile
        self.refilter_wanted = True
        self.view_changed = False
        self._stale = self._shown = 0  # changes the list skipped / covered by the index shown
        self._last_refilter = 0.0
        self._held: StoreChange | None = None  # taken in, not shown yet
        self._last_step = 0.0  # when arrivals last reached the screen
        self._cursor = ""  # the newest cursor taken in, not yet in the header

    @property
    def settled(self) -> bool:
        """The list shows every event taken in so far, for the current view (or waits
        for the screen on top of it to go)."""
        shown = self._held is None or self.host.center.hidden
        return shown and not self.selecting and not self.refilter_wanted

    def view_set(self) -> None:
        """The operator chose another view: select its rows now, not at the next tick."""
        self.refilter_wanted = self.view_changed = True
        if not self.selecting:
            self.flush()

    def list_replaced(self, reselect: bool = True) -> None:
        """A new store under the list (another hub's, or the hub's snapshot): what was
        held was the old store's. Its rows are selected on the next tick, unless the list
        already shows them for the current view (`reselect` False: a snapshot selected in
        its thread), sparing a second pass over a million rows."""
        self.refilter_wanted = reselect
        self._held, self._cursor = None, ""

    def flush(self) -> None:
        """Apply what arrived since the last tick in one go (a bounded amount), then toast
        what deserves it."""
        host = self.host
        if not host.center.alive:
            return
        session = host.session
        if self._held is not None:
            self.apply(StoreChange())  # shows what is held, when its time has come
        if not self.selecting:
            batch = session.feed.take(FLUSH_LIMIT)
            if batch:
                expired = (
                    [] if session.policy.in_backlog else expired_ack_notices(session.store, batch)
                )
                self.apply(session.store.add(batch))
                session.policy.offer(batch)
                for notice in expired if host.toasts_wanted() else ():
                    host.toast(notice)
                self._cursor = str(batch[-1].get("cursor") or "")
                if session.replay_until is not None:
                    self._replayed(session, self._cursor)
            if self._cursor and self._held is None:  # the header's cursor goes with the rows
                host.center.header.cursor, self._cursor = self._cursor, ""
            if self._refilter_due(session):
                self.refilter_wanted = self.view_changed = False
                self.selecting = True
                self._last_refilter = time.monotonic()
                host.start_select(host.view, session.store, self._stale)
        if host.toasts_wanted():
            for toast in session.policy.drain():
                host.toast(toast)

    def _replayed(self, session: Session, cursor: str) -> None:
        """After the hub's snapshot, the stream's replay: the header says how far it is;
        once it is in, the counts are the store's own."""
        done = session.replayed_to(int(cursor) if cursor.isdigit() else 0)
        center = self.host.center
        center.header.backlog_percent = session.loaded_percent()
        if done:
            center.buckets.show(session.counts())

    def _refilter_due(self, session: Session) -> bool:
        """Wanted, not held by a pause, and (while older pages pour in) at most once a second."""
        center = self.host.center
        if not self.refilter_wanted or center.hidden:
            return False  # a hidden list selects when it shows again
        if center.events.paused and not self.view_changed:
            return False
        if self.view_changed or not session.loading:
            return True
        return time.monotonic() - self._last_refilter >= REFILTER_WHILE_LOADING

    def apply(self, change: StoreChange) -> None:
        """Show what a store update changed (with what was held): rows, counts, and the
        detail if it is one of them; or hold it while the list is hidden, and arrivals
        until `SHOW_EVERY` has passed since the last step."""
        if self._held is not None:
            change = self._held if change.empty else merged(self._held, change)
            self._held = None
        if change.empty:
            return
        now = time.monotonic()
        center = self.host.center
        arrivals_only = not (change.lifecycle or change.status_rows or change.reordered)
        if center.hidden or (arrivals_only and now - self._last_step < SHOW_EVERY):
            self._held = change
            return
        if change.new_rows or change.moved_rows:
            self._last_step = now  # a lone event shows at once, a stream in steps
        self._show(change, center)

    def _show(self, change: StoreChange, center: CenterScreen) -> None:
        events = center.events
        if change.reordered or self._stale != self._shown:
            # Older pages land below what is shown: the list selects again in a worker
            # (about once a second while they come) rather than merging each on top;
            # until a select made after them is shown, later changes wait for it too.
            self._stale += 1
            events.refresh_rows(change.changed_rows)
            self.refilter_wanted = True
        else:
            events.apply_change(change)
        if change.counts_changed:
            center.buckets.show(self.host.session.counts())
        if change.status_rows:
            self.refilter_wanted = True  # a status change can move a row in or out of the view
        row = events.highlighted_row_id
        shown_changed = row is not None and (row in change.changed_rows or row in change.moved_rows)
        if shown_changed or (row is None and change.new_rows):
            self.host.refresh_detail()

    def shown(self, index: RowIndex, query: ViewQuery, store: EventStore, stale: int) -> None:
        """A select finished: show its rows, unless they are a previous hub's."""
        center = self.host.center
        if center.alive and store is self.host.session.store:
            center.events.set_index(index, query)
            if not self.view_changed:  # else the next select's rows bring their own bar
                center.show_filter_bar(self.host.view)  # in the same frame as its rows
            self._shown = stale
            self.host.refresh_detail()

    def shown_below(self, rows: RowIndex, since: int, query: ViewQuery) -> None:
        """The rest of a select that showed its first screen: below, if still that view's."""
        events = self.host.center.events
        if self.host.center.alive and events.view is query:
            events.append_older(rows, since)

    def select_done(self) -> None:
        self.selecting = False
        if self.view_changed:  # the view changed while an older select ran
            self.flush()


def merged(earlier: StoreChange, later: StoreChange) -> StoreChange:
    """Both changes as one, with the rows that existed after the later one."""
    change = earlier.merged(later)
    change.row_end = max(earlier.row_end, later.row_end)
    return change
