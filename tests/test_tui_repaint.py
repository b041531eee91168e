"""What a key or a tick costs: only what changed is rebuilt and repainted.

Moving the highlight used to rebuild the whole footer (every key widget removed and
mounted again) and rewrite it on the terminal, though the keys it shows stay the same
from one unread row to the next.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.geometry import Region
from textual.screen import Screen

from notifycenter.store import StoreChange
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.detail_model import DetailView
from notifycenter.tui.emergency import EmergencyScreen
from notifycenter.tui.flush import SHOW_EVERY
from notifycenter.tui.widgets.footer import KeyFooter, ShownKey
from tests.hubprocess import Hub
from tests.test_tui_helpers import detail_text, event, make_app, post, until


def footer_keys(app: NotifyCenterApp) -> dict[str, ShownKey]:
    return {key.description: key for key in app.center.query_one(KeyFooter).shown()}


def ack_key(app: NotifyCenterApp) -> str:
    """`enabled`, `disabled`, or `missing` (before the footer first shows its keys)."""
    key = footer_keys(app).get("Ack")
    if key is None:
        return "missing"
    return "enabled" if key.enabled else "disabled"


def highlighted_summary(app: NotifyCenterApp) -> str:
    row = app.center.events.highlighted_row_id
    return "" if row is None else app.store.row(row).summary


async def test_moving_the_highlight_keeps_the_footer_and_shows_each_row(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [event(n, "ERROR", summary=f"pod {n} crashloop") for n in range(1, 6)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 5 and app.settled)
        await until(pilot, lambda: ack_key(app) == "enabled")
        await pilot.pause()
        before = footer_keys(app)
        footer = app.center.query_one(KeyFooter)
        redrawn: list[int] = []
        refresh = footer.refresh

        def counted(*regions: Region, **options: bool) -> KeyFooter:
            redrawn.append(app.center.events.cursor_position)
            return refresh(*regions, **options)

        footer.refresh = counted  # type: ignore[method-assign]
        for _ in range(3):
            await pilot.press("j")
            await until(pilot, lambda: highlighted_summary(app) in detail_text(app))
        assert app.center.events.cursor_position == 3
        assert footer_keys(app) == before
        assert redrawn == []  # the same keys: the footer is not drawn again


async def test_the_footer_follows_whether_a_row_is_highlighted(hub: Hub, tmp_path: Path) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: ack_key(app) != "missing" and app.settled)
        assert ack_key(app) == "disabled"  # nothing to acknowledge yet
        post(hub.url, [event(1, "ERROR", summary="pod crashloop")])
        await until(pilot, lambda: ack_key(app) == "enabled")
        assert "pod crashloop" in detail_text(app)


async def test_events_under_an_emergency_do_not_repaint_it_and_show_once_it_is_handled(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [event(1, "ALERT", summary="disk full on node-7")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, EmergencyScreen))
        emergency = app.screen
        await until(pilot, lambda: app.settled and app.center.header.status == "live")
        await pilot.pause()  # what changed while it connected is painted: count from here
        repainted: list[tuple[Region, ...]] = []
        refresh = emergency.refresh

        def counted(*regions: Region, **options: bool) -> Screen[object]:
            if regions:  # cells the list, counters or detail beneath changed
                repainted.append(regions)
            return refresh(*regions, **options)

        emergency.refresh = counted  # type: ignore[method-assign]
        for first in (2, 6, 10):  # batches in separate flushes, an AGE tick or two
            post(
                hub.url,
                [event(n, "INFO", summary=f"node {n} ready") for n in range(first, first + 4)],
            )
            await until(pilot, lambda: app.store.event_count == first + 3 and app.settled)  # noqa: B023
            await pilot.pause(0.5)
        assert repainted == []
        await pilot.press("a")
        await until(pilot, lambda: app.screen is app.center)
        await until(pilot, lambda: len(app.center.events.index) == 13)
        assert "node 13 ready" in app.store.row(app.center.events.index[0]).summary
        assert app.center.buckets.query_one("#bucket-infos").counts[0] == 12  # type: ignore[attr-defined]


async def test_a_stream_reaches_the_list_in_steps_and_a_lone_event_at_once(
    hub: Hub, tmp_path: Path
) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.settled and app.center.header.status == "live")
        events = app.center.events
        steps: list[int] = []
        apply_change = events.apply_change

        def counted(change: StoreChange) -> None:
            steps.append(len(change.new_rows))
            apply_change(change)

        events.apply_change = counted  # type: ignore[method-assign]
        started = time.monotonic()
        for n in range(1, 13):  # each in a flush of its own: one list step per flush before
            post(hub.url, [event(n, "INFO", summary=f"node {n} ready")])
            await until(pilot, lambda: app.store.event_count == n)  # noqa: B023
        await until(pilot, lambda: len(events.index) == 12 and app.settled)
        elapsed = time.monotonic() - started
        assert steps[0] == 1  # the first of a stream shows at once
        assert len(steps) <= elapsed / SHOW_EVERY + 2, (steps, elapsed)
        assert "node 12 ready" in app.store.row(events.index[0]).summary


async def test_a_new_detail_does_not_redraw_the_lists_scrollbar(hub: Hub, tmp_path: Path) -> None:
    post(hub.url, [event(n, "ERROR", summary=f"pod {n} crashloop") for n in range(1, 80)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        events = app.center.events
        await until(pilot, lambda: len(events.index) == 79 and app.settled)
        await pilot.pause()
        scrollbar = events.vertical_scrollbar
        redrawn: list[int] = []
        refresh = scrollbar.refresh

        def counted(*regions: Region, **options: bool) -> object:
            redrawn.append(events.cursor_position)
            return refresh(*regions, **options)

        scrollbar.refresh = counted  # type: ignore[assignment,method-assign]
        for _ in range(3):  # the highlight moves, the detail is laid out again: no scrolling
            await pilot.press("j")
            await until(pilot, lambda: highlighted_summary(app) in detail_text(app))
        assert events.cursor_position == 3 and events.scroll_offset.y == 0
        assert redrawn == []


async def test_a_burst_of_keys_paints_the_detail_once_for_the_last_row(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [event(n, "ERROR", summary=f"pod {n} crashloop") for n in range(1, 9)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        events = app.center.events
        await until(pilot, lambda: len(events.index) == 8 and app.settled)
        await until(pilot, lambda: highlighted_summary(app) in detail_text(app))
        detail = app.center.detail
        painted: list[str] = []
        show = detail.show

        def counted(view: DetailView | None, empty_text: str | None = None) -> None:
            painted.append(view.summary if view else "")
            show(view, empty_text)

        detail.show = counted  # type: ignore[method-assign]
        for _ in range(
            5
        ):  # a burst of `j` handled before the next frame: one detail, the last row's
            events.action_cursor_down()
        await until(pilot, lambda: highlighted_summary(app) in detail_text(app))
        await pilot.pause()
        assert painted == [highlighted_summary(app)]
