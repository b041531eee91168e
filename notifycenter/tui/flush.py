"""The flush timer: what arrived since the last tick goes into the store and onto the
screen in one bounded step, and the rows are selected again in a worker when needed.

A mixin of the app. Older record pages and the stream feed two buffers; a flush takes at
most `FLUSH_LIMIT` events (older records within a time budget), so that a big replay never
freezes the screen. A select runs only when the view changed, a row's status changed (it
can leave or enter the view), or older pages landed below what is shown.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work

from notifycenter.tui.feed import FLUSH_LIMIT
from notifycenter.tui.view_state import ViewState
from notifycenter.tui.widgets.buckets import BucketStrip
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.header import HeaderBar

FLUSH_BUDGET = 0.04  # seconds of store work per flush for older records
RECORD_SLICE = 250
REFILTER_WHILE_LOADING = 1.0  # seconds between selects while older pages pour in


class FeedFlusher:
    """Needs the app's `store`, `feed`, `records`, `backfill`, `policy`, `view`, `_ui`."""

    _stale = _shown = 0  # changes the list skipped / covered by the index it shows
    _last_refilter = 0.0

    def _flush_feed(self) -> None:
        """Apply what arrived since the last tick in one go (a bounded amount), then toast
        what deserves it."""
        if not self._alive():
            return
        if not self._selecting:  # a select in flight reads the store: let it finish first
            taken = self._take_records()
            batch = self.feed.take(FLUSH_LIMIT - taken)
            if batch:
                self._apply(self.store.add(batch))
                self.policy.offer(batch)
                self._ui.query_one(HeaderBar).cursor = str(batch[-1].get("cursor") or "")
            if self._refilter_due():
                self._refilter_wanted = self._view_changed = False
                self._selecting = True
                self._last_refilter = time.monotonic()
                self.refilter(self.view, self.store, self._stale)
        if self._toasts_wanted():
            for toast in self.policy.drain():
                self._toast(toast)

    def _take_records(self) -> int:
        """Older records in slices, within a time budget: the screen keeps answering keys."""
        started, taken, change = time.monotonic(), 0, None
        while (
            len(self.records) and taken < FLUSH_LIMIT and time.monotonic() - started < FLUSH_BUDGET
        ):
            records = self.records.take(RECORD_SLICE)
            taken += len(records)
            added = self.store.add_records(records)
            if change is None:
                change = added
            else:
                change, row_end = change.merged(added), max(change.row_end, added.row_end)
                change.row_end = row_end
        if change is not None:
            self._apply(change)
        return taken

    def _refilter_due(self) -> bool:
        """Wanted, not held by a pause, and (while older pages pour in) at most once a second."""
        if not self._refilter_wanted or (self._event_list().paused and not self._view_changed):
            return False
        if self._view_changed or not self._loading():
            return True
        return time.monotonic() - self._last_refilter >= REFILTER_WHILE_LOADING

    def _loading(self) -> bool:
        """True while older pages of records are still coming in."""
        return len(self.records) > 0 or (self.backfill is not None and not self.backfill.done)

    def _toasts_wanted(self) -> bool:
        """Toasts wait (and coalesce) while help, a dialog or the operations view is on top
        and while the detail has the whole screen (a pause holds them in the policy)."""
        detail = self._ui.query_one(DetailPane)
        return self.screen is self._main_screen and not detail.is_maximized

    def _apply(self, change: Any) -> None:
        if change.empty:
            return
        events = self._event_list()
        if change.reordered or self._stale != self._shown:
            # Older pages land below what is shown: the list selects again in a worker
            # (about once a second while they come) rather than merging each on top;
            # until a select made after them is shown, later changes wait for it too.
            self._stale += 1
            events.refresh_rows(change.changed_rows)
            self._refilter_wanted = True
        else:
            events.apply_change(change)
        if change.counts_changed:
            self._ui.query_one(BucketStrip).show(self.store.counts())
        if change.status_rows:
            self._refilter_wanted = True  # a status change can move a row in or out of the view
        row = self._highlighted()
        shown_changed = row is not None and (row in change.changed_rows or row in change.moved_rows)
        if shown_changed or (row is None and change.new_rows):
            self._refresh_detail()

    @work(group="filter", exclusive=True, thread=True, exit_on_error=False)
    def refilter(self, view: ViewState, store: Any, stale: int) -> None:
        """Select the rows in a thread; the store is not written to until it is done."""
        try:
            query = view.query()
            index = store.select(query)
            self.call_from_thread(self._show_index, index, query, store, stale)
        finally:
            self.call_from_thread(self._selected_done)

    def _show_index(self, index: Any, query: Any, store: Any, stale: int) -> None:
        if self._alive() and store is self.store:  # not a previous hub's rows
            self._event_list().set_index(index, query)
            self._shown = stale
            self._refresh_detail()

    def _selected_done(self) -> None:
        self._selecting = False
