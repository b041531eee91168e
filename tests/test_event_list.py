"""The event list widget in a small host app, driven with Pilot at 80x24 and 120x36."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.event_list import EventList
from tests.test_store import event, lifecycle
from tests.test_tui_helpers import until

STYLES = Path(__file__).resolve().parent.parent / "styles" / "event_list.tcss"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
EVIL = ["[/oops]", "[@click=app.quit]click me", "\x1b]52;c;aGVsbG8=\x07 osc", "left \u202eright"]


class Host(App[None]):
    CSS_PATH = str(STYLES)

    def __init__(self, store: EventStore) -> None:
        super().__init__()
        self.store = store
        self.seen: list[tuple[str, int | None]] = []
        self.news: list[int] = []

    def compose(self) -> ComposeResult:
        events_list = EventList(self.store, id="events")
        events_list.clock = lambda: NOW
        events_list.tz = UTC
        yield events_list

    def on_event_list_highlighted(self, message: EventList.Highlighted) -> None:
        self.seen.append(("highlighted", message.row_id))

    def on_event_list_selected(self, message: EventList.Selected) -> None:
        self.seen.append(("selected", message.row_id))

    def on_event_list_new_above(self, message: EventList.NewAbove) -> None:
        self.news.append(message.count)


def filled(count: int) -> EventStore:
    store = EventStore(clock=lambda: NOW)
    store.add(event(n, subject=str(n), summary=f"event number {n}") for n in range(1, count + 1))
    return store


def lines(widget: EventList) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def row_text(widget: EventList, row_id: int) -> str:
    position = list(widget.index).index(row_id)
    return widget.render_line(position - widget.scroll_offset.y).text


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_rows_render_newest_first_with_readable_columns(size: tuple[int, int]) -> None:
    store = filled(3)
    store.add(
        [
            event(4, severity="WARNING", subject="w"),
            event(5, severity="DEBUG", subject="d"),
            event(6, subject="1", summary="event number 1"),
        ]
    )
    async with Host(store).run_test(size=size) as pilot:
        widget = pilot.app.query_one(EventList)
        shown = lines(widget)
        assert all(len(line) == widget.size.width for line in shown[:5])
        assert "event number 1" in shown[0] and "×2" in shown[0] and "■ ERR" in shown[0]
        assert "· AUD" in shown[1] and "▲ WRN" in shown[2]
        assert "unread" in shown[0] and shown[0].startswith("› 54m ")  # AGE, k9s style
        assert "istio/adapter" in shown[0]  # the source's short name
        assert ("provision" in shown[0]) is (size[0] >= 100)  # the type column only when wide
        assert shown[0].startswith("›")


async def test_keys_move_the_highlight_and_enter_selects() -> None:
    store = filled(100)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        order = list(widget.index)
        await pilot.press("j", "j", "down")
        assert widget.highlighted_row_id == order[3]
        await pilot.press("k")
        assert widget.highlighted_row_id == order[2]
        await pilot.press("G")
        assert widget.highlighted_row_id == order[-1]
        assert widget.scroll_offset.y == 100 - widget.size.height
        await pilot.press("g", "pagedown")
        assert widget.highlighted_row_id == order[widget.size.height - 1]
        await pilot.press("pageup", "enter")
        await pilot.pause()
        assert pilot.app.seen[-1] == ("selected", order[0])
        assert ("highlighted", order[-1]) in pilot.app.seen


async def test_binding_ids_let_the_keymap_remap_keys() -> None:
    ids = {binding.id for binding in EventList.BINDINGS}
    assert {"list.down", "list.up", "list.first", "list.last", "list.select", "list.mark"} <= ids
    async with Host(filled(5)).run_test(size=(80, 24)) as pilot:
        pilot.app.set_keymap({"list.down": "n"})
        widget = pilot.app.query_one(EventList)
        await pilot.press("n")
        assert widget.cursor_position == 1


async def test_space_marks_rows_and_marks_show() -> None:
    store = filled(5)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("space", "j", "space", "j")
        first, second = widget.index[0], widget.index[1]
        assert widget.marked == {first, second}
        assert store.row(first).marked
        assert lines(widget)[0][1] == "•" and lines(widget)[2][1] == " "
        await pilot.press("k", "space")
        assert widget.marked == {first}
        widget.clear_marks()
        assert widget.marked == set() and lines(widget)[0][1] == " "


async def test_set_index_keeps_the_highlighted_event() -> None:
    store = filled(50)
    store.add(
        [event(51, severity="WARNING", subject="w1"), event(52, severity="WARNING", subject="w2")]
    )
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("j", "j", "j", "j")  # event 48
        target = widget.highlighted_row_id
        assert store.row(target).cursor == "0000000000000048"
        widget.set_index(store.select(ViewQuery(bucket="errors")), ViewQuery(bucket="errors"))
        assert widget.highlighted_row_id == target and widget.cursor_position == 2
        widget.set_index(store.select(ViewQuery(bucket="warnings")))
        assert widget.cursor_position == 1  # gone: the nearest older row instead
        widget.set_index(store.select(ViewQuery(text="no such thing")))
        assert widget.highlighted_row_id is None and lines(widget)[0].strip() == ""


async def test_arrivals_go_on_top_and_keep_the_place_when_scrolled() -> None:
    store = filled(60)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("j", "j", "j")
        target = widget.highlighted_row_id
        widget.post_message(EventList.StoreChanged(store.add([event(61, subject="new")])))
        widget.post_message(EventList.StoreChanged(store.add([event(62, subject="newer")])))
        await pilot.pause()
        assert widget.highlighted_row_id == target and widget.cursor_position == 5
        assert [store.row(r).cursor[-2:] for r in widget.index[:2]] == ["62", "61"]
        assert len(widget.index) == 62
        # a repeat moves its row to the top: no duplicate, the highlight stays put
        widget.post_message(
            EventList.StoreChanged(store.add([event(63, subject="30", summary="event number 30")]))
        )
        await pilot.pause()
        assert len(widget.index) == 62 and len(set(widget.index)) == 62
        assert store.row(widget.index[0]).count == 2 and widget.highlighted_row_id == target


async def test_the_top_follows_the_newest_until_the_operator_acts() -> None:
    store = filled(10)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        widget.apply_change(store.add([event(11, subject="new")]))
        assert widget.highlighted_row_id == store.find(11) and widget.new_above == 0
        await pilot.press("k")  # at the top already: nothing moves, but the operator acted
        widget.apply_change(store.add([event(12, subject="newer")]))
        assert widget.highlighted_row_id == store.find(11) and widget.cursor_position == 1


async def test_arrivals_never_take_the_highlight_and_are_counted_above() -> None:
    store = filled(60)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("k")  # the operator is reading the top row
        widget.post_message(EventList.NewAbove(widget, -1))  # what the app last saw
        target = widget.highlighted_row_id  # the top row, list scrolled to the top
        widget.apply_change(store.add([event(61, subject="new"), event(62, subject="newer")]))
        widget.apply_change(store.add([event(63, subject="newest")]))
        assert widget.highlighted_row_id == target and widget.cursor_position == 3
        assert widget.new_above == 3 and widget.scroll_offset.y == 3  # it stays on its line
        assert lines(widget)[0].startswith("›")
        await pilot.pause()
        assert [m for m in pilot.app.news if m] == [3]
        await pilot.press("g")  # to the top: the newest, and nothing new above any more
        assert widget.cursor_position == 0 and widget.highlighted_row_id == store.find(63)
        assert widget.new_above == 0 and widget.scroll_offset.y == 0


async def test_a_repeat_of_the_highlighted_row_keeps_the_highlight_on_it() -> None:
    store = filled(30)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("j", "j")
        target = widget.highlighted_row_id
        widget.apply_change(
            store.add([event(31, subject="x"), event(32, subject="28", summary="event number 28")])
        )
        assert widget.highlighted_row_id == target == store.find(32)
        assert list(widget.index) == list(store.select(ViewQuery()))


async def test_the_list_stays_in_display_order_however_changes_arrive() -> None:
    """Folds move rows up; changes may come queued, direct, twice or late: the list
    always equals a fresh select (newest occurrence first) and holds each row once."""
    import random

    rng = random.Random(5)
    store = filled(20)
    sent = [store.event(row) for row in range(len(store))]
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        for cursor in range(100, 400, 3):
            batch = [
                event(
                    cursor + k,
                    subject=str(rng.randrange(12)),
                    summary=f"event number {rng.randrange(12)}",
                )
                for k in range(rng.randrange(1, 3))
            ]
            sent += batch
            batch.append(
                lifecycle(cursor + 2, rng.choice(sent), rng.choice(["read", "ack", "resolve"]))
            )
            change = store.add(batch)
            if rng.random() < 0.5:
                widget.post_message(EventList.StoreChanged(change))
            else:
                widget.apply_change(change)
            if rng.random() < 0.2:
                await pilot.pause()
        await pilot.pause()
        assert list(widget.index) == list(store.select(ViewQuery()))


def in_view(widget: EventList) -> bool:
    top, height = widget.scroll_offset.y, widget.scrollable_content_region.height
    return top <= widget.cursor_position < top + height


async def test_the_highlighted_row_stays_in_view_after_set_index_and_resize() -> None:
    store = filled(400)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("G", *["k"] * 38)
        target = widget.highlighted_row_id
        assert store.row(target).summary == "event number 39"
        few = ViewQuery(text="event number 39")  # 39 and 390..399: a short list
        widget.set_index(store.select(few), few)
        assert widget.highlighted_row_id == target
        widget.set_index(store.select(ViewQuery()), ViewQuery())
        await until(pilot, lambda: in_view(widget))
        assert widget.highlighted_row_id == target
        widget.styles.height = 5  # a taller detail pane takes the list's lower lines
        await until(pilot, lambda: widget.scrollable_content_region.height == 5 and in_view(widget))


async def test_fold_counts_show_only_where_every_occurrence_matches() -> None:
    store = filled(3)
    store.add([event(4, subject="1", summary="event number 1")])
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        assert "×2" in lines(widget)[0]
        by_cursor = ViewQuery(predicate=lambda e: e["cursor"] == "0000000000000004")
        widget.set_index(store.select(by_cursor), by_cursor)
        assert not widget.shows_counts and "×2" not in lines(widget)[0]
        widget.set_index(store.select(ViewQuery(text="number 1")), ViewQuery(text="number 1"))
        assert widget.shows_counts and "×2" in lines(widget)[0]


async def test_arrivals_respect_the_view() -> None:
    store = filled(5)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        view = ViewQuery(bucket="warnings")
        widget.set_index(store.select(view), view)
        widget.apply_change(
            store.add([event(6, severity="WARNING", subject="w"), event(7, subject="e")])
        )
        assert [store.row(r).cursor[-1] for r in widget.index] == ["6"]


async def test_paused_list_counts_arrivals_and_shows_them_on_resume() -> None:
    store = filled(5)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        widget.paused = True
        widget.apply_change(store.add([event(6, subject="a")]))
        widget.apply_change(store.add([event(7, subject="b")]))
        assert widget.pending_new == 2 and len(widget.index) == 5
        widget.paused = False
        assert widget.pending_new == 0 and len(widget.index) == 7


async def test_an_ack_by_another_client_shows_on_the_row() -> None:
    store = filled(3)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        target = store.find(2)
        assert "unread" in row_text(widget, target)
        widget.post_message(
            EventList.StoreChanged(store.add([lifecycle(10, store.event(target), "ack", "bob")]))
        )
        await pilot.pause()
        assert "ack:bob" in row_text(widget, target)
        widget.apply_change(store.add([lifecycle(11, store.event(target), "ack", "anonymous")]))
        assert "ack:anonymous " in row_text(widget, target)  # the actor is not cut at 80 columns


async def test_untrusted_text_is_inert() -> None:
    store = EventStore(clock=lambda: NOW)
    store.add(
        event(n, subject=str(n), summary=text, source=f"urn:x:{text}")
        for n, text in enumerate(EVIL, 1)
    )
    async with Host(store).run_test(size=(120, 36)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.press("j", "enter")
        await pilot.pause()
        assert pilot.app.is_running  # the [@click=app.quit] did nothing
        shown = "\n".join(lines(widget))
        assert "[/oops]" in shown and "[@click=app.quit]click me" in shown
        assert "52;c;aGVsbG8= osc" in shown and "left right" in shown
        for y in range(4):
            for segment in widget.render_line(y):
                assert not any(
                    ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch == "\u202e" for ch in segment.text
                )
                assert not (segment.style and segment.style.meta), (
                    "no actions or links from event text"
                )


async def test_clicking_a_row_highlights_it() -> None:
    async with Host(filled(10)).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        await pilot.click(EventList, offset=(10, 3))
        assert widget.cursor_position == 3


def _shown(app: Any) -> list[str]:
    return lines(app.query_one(EventList))


async def test_a_change_the_index_already_has_is_not_merged_twice() -> None:
    store = filled(5)
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        change = store.add(
            [event(6, subject="a"), event(7, subject="1", summary="event number 1")]
        )  # new, moved
        widget.set_index(store.select(ViewQuery()))  # a refilter that already saw them
        widget.apply_change(change)
        assert len(widget.index) == len(set(widget.index)) == 6
        later = store.add([event(8, subject="a")])  # moves the row that was new above
        widget.apply_change(change.merged(later))  # as a coalesced burst would say it
        assert len(widget.index) == len(set(widget.index)) == 6
        assert widget.index[0] == store.find(8)
        await pilot.pause()


async def test_no_color_still_tells_severity_status_and_cursor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    store = filled(2)
    store.add([event(3, severity="WARNING", subject="w")])
    async with Host(store).run_test(size=(80, 24)) as pilot:
        assert pilot.app.no_color
        shown = lines(pilot.app.query_one(EventList))
        assert shown[0].startswith("›") and "▲ WRN" in shown[0] and "unread" in shown[0]
        assert shown[1].startswith(" ") and "■ ERR" in shown[1]


async def test_an_older_page_of_records_is_placed_in_time_order() -> None:
    store = EventStore(clock=lambda: NOW)
    store.add([event(n, subject=str(n)) for n in (10, 11)])
    async with Host(store).run_test(size=(80, 24)) as pilot:
        widget = pilot.app.query_one(EventList)
        older = [
            {"cursor": f"{n:016d}", "event": event(n, subject=f"old{n}"), "status": "unread"}
            for n in (2, 3)
        ]
        widget.apply_change(store.add_records(older))
        assert [store.row(r).cursor[-2:] for r in widget.index] == ["11", "10", "03", "02"]
        assert widget.highlighted_row_id == store.find(11)
