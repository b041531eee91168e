"""Switching views on a store big enough to select in a thread: the bucket strip answers
the key at once, and the filter bar appears together with the rows it describes (one
layout and paint of the screen, not one for the bar and another for the rows)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.widgets import Label

import notifycenter.store.select as store_select
import notifycenter.tui.app as tui_app
from notifycenter.model.severity import Bucket
from notifycenter.store import EventStore
from notifycenter.tui.widgets.buckets import BucketCounter
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, make_app, post, submit, until

SIZE = (120, 36)


class Gate:
    """Holds the list's selects in their thread until opened."""

    def __init__(self) -> None:
        self.closed = False
        self.waiting = threading.Event()
        self.opened = threading.Event()

    def open(self) -> None:
        self.closed = False
        self.opened.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    select = EventStore.select

    def held(store: EventStore, *args: object, **options: object) -> object:
        if gate.closed and threading.current_thread() is not threading.main_thread():
            gate.waiting.set()
            assert gate.opened.wait(20), "the test never opened the gate"
        return select(store, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(tui_app, "INLINE_SELECT_ROWS", 0)  # a big store: selects in a thread
    monkeypatch.setattr(store_select, "FEW_ROWS", 2)  # unless the view keeps at most 2 rows
    monkeypatch.setattr(EventStore, "select", held)
    yield gate
    gate.open()


def bar(app: tui_app.NotifyCenterApp) -> str:
    label = app.center.query_one("#filter-bar", Label)
    return str(label.render()) if label.display else ""


def selected(app: tui_app.NotifyCenterApp) -> list[Bucket]:
    return [
        counter.bucket
        for counter in app.center.query(BucketCounter)
        if counter.has_class("-selected")
    ]


def severities(app: tui_app.NotifyCenterApp) -> set[str]:
    events = app.center.events
    return {str(events.store.event(row).get("severitytext")) for row in events.index}


@asynccontextmanager
async def gated_app(hub: Hub, gate: Gate) -> AsyncIterator[tuple[tui_app.NotifyCenterApp, Any]]:
    """An app showing four errors and four infos; its selects wait at `gate` from then on."""
    post(hub.url, [event(n, "ERROR" if n % 2 else "INFO") for n in range(1, 9)])
    app = make_app(hub.url)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.settled and len(app.center.events.index) == 8)
        gate.closed = True
        yield app, pilot


async def test_the_filter_bar_comes_with_the_rows_it_describes(hub: Hub, gate: Gate) -> None:
    async with gated_app(hub, gate) as (app, pilot):
        await pilot.press("1")
        await until(pilot, gate.waiting.is_set)
        await pilot.pause()
        assert selected(app) == [Bucket.ERRORS]  # the key is answered at once
        assert bar(app) == "" and severities(app) == {"ERROR", "INFO"}  # the old rows, no bar
        gate.open()
        await until(pilot, lambda: app.settled and severities(app) == {"ERROR"})
        assert bar(app) == "filter: bucket errors"
        await pilot.press("1")
        await until(pilot, lambda: app.settled and len(app.center.events.index) == 8)
        assert bar(app) == ""


async def test_a_view_that_keeps_few_rows_comes_with_its_key(hub: Hub, gate: Gate) -> None:
    async with gated_app(hub, gate) as (app, pilot):
        await submit(pilot, "slash", "status:acked")  # nothing is acknowledged
        assert len(app.center.events.index) == 0  # selected at once, not in a thread
        assert "status: acknowledged" in bar(app) and not gate.waiting.is_set()
