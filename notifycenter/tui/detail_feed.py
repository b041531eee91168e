"""What the detail pane shows: the highlighted row, its remedy and who did what to it.

Rows that came as records carry their status but not their history: that is fetched
from the hub once per record (`history.py`) and the detail is shown again when it lands.
The fetch waits until the highlight rests for `SETTLE_SECONDS`: while `j` is held, each
key would otherwise start a request that the next one cancels, and the keys pay for them.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Protocol

from notifycenter.model.lifecycle import LifecycleChange
from notifycenter.tui.detail_model import build_detail
from notifycenter.tui.history import from_records
from notifycenter.tui.lifecycle_actions import status_of
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session
from notifycenter.tui.view_state import ViewState
from notifycenter.tui.work import Work

SETTLE_SECONDS = 0.15


class DetailHost(Protocol):
    """What the detail feed needs from the app."""

    @property
    def session(self) -> Session: ...

    @property
    def view(self) -> ViewState: ...

    @property
    def center(self) -> CenterScreen: ...

    def start_worker(self, work: Work, group: str, exclusive: bool = True) -> object: ...


class DetailFeed:
    """Shows the highlighted row in the detail pane, or why there is none."""

    def __init__(self, host: DetailHost) -> None:
        self.host = host
        self._row_class: tuple[bool, str | None] | None = None  # what the footer's keys reflect

    def refresh(self) -> None:
        center = self.host.center
        if not center.alive:
            return
        row = center.events.highlighted_row_id
        store = self.host.session.store
        status = None if row is None else status_of(store.row(row))
        self._bindings_for(center, (row is not None, status))
        if row is None:
            described = self.host.view.describe()
            empty = f"No events match {described}." if described else None
            if center.detail.detail is not None or center.detail.empty_text != empty:
                center.detail.show(None, empty)
            return
        history = self._history_of(row)
        events = center.events  # its clock and zone: the detail's times read like the list's
        view = build_detail(store.event(row), history, status, now=events.clock(), tz=events.tz)
        if view != center.detail.detail:  # the same text again would be a repaint for nothing
            center.detail.show(view)

    def _bindings_for(self, center: CenterScreen, row_class: tuple[bool, str | None]) -> None:
        """Which keys apply depends on whether a row is highlighted and its status, not on
        which row it is: the footer is asked again only when that changes."""
        if row_class != self._row_class:
            self._row_class = row_class
            center.refresh_bindings()

    def _history_of(self, row: int) -> list[LifecycleChange]:
        """What the store saw; for rows that came as records, the hub's history first."""
        session = self.host.session
        own = session.store.history(row)
        cursor = session.store.row(row).cursor
        last = session.backfill.last if session.backfill and session.client else None
        if not from_records(cursor, last):
            return own
        merged = session.histories.merged(cursor, own)
        if merged is None:
            self.host.start_worker(partial(self._fetch, session, cursor), group="history")
            return own
        return merged

    async def _fetch(self, session: Session, cursor: str) -> None:
        await asyncio.sleep(SETTLE_SECONDS)  # the next highlight move cancels this one
        if session.client is None:
            return
        await session.histories.fetch(session.client, cursor)
        if session is not self.host.session or not self.host.center.alive:
            return  # another hub by now, or closed
        row = self.host.center.events.highlighted_row_id
        if row is not None and session.store.row(row).cursor == cursor:
            self.refresh()
