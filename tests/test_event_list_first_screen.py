"""A big view shows its first screen before the rest of its rows are found: the rest goes
below, once, without moving what is shown or the highlight."""

from __future__ import annotations

from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.event_list import EventList
from tests.test_event_list import NOW, Host
from tests.test_store import event
from tests.test_tui_backlog_store import record


def backlog_store() -> EventStore:
    """40 events: the newest page first, then older pages placed below it."""
    store = EventStore(clock=lambda: NOW)
    newest_first = [
        record(n, event(n, subject=str(n), summary=f"event number {n}"), "unread")
        for n in range(40, 0, -1)
    ]
    store.add_records(newest_first[:5])
    for start in range(5, 40, 7):
        store.add_records(newest_first[start : start + 7])
    assert store.older_length >= 35  # all but the newest page sit below the log
    return store


async def test_the_rest_of_a_view_goes_below_its_first_screen_once() -> None:
    store = backlog_store()
    view = ViewQuery()
    async with Host(store).run_test(size=(120, 36)) as pilot:
        widget = pilot.app.query_one(EventList)
        first = store.select(view, older_limit=10)
        assert first.older_end == 10 and len(first) < len(store.select(view))
        widget.set_index(first, view)
        await pilot.press("j", "j")
        highlighted = widget.highlighted_row_id

        rest = store.select_older(view, first.older_end)
        widget.append_older(rest, first.older_end)
        widget.append_older(rest, first.older_end)  # a late duplicate changes nothing
        await pilot.pause()

        assert list(widget.index) == list(store.select(view))
        assert widget.highlighted_row_id == highlighted
        assert widget.cursor_position == 2
