"""The first page is on the screen before the stream starts and older pages are decoded:
their imports and decoding would otherwise hold the first rows' frame back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notifycenter.client.hub import HubClient
from notifycenter.client.stream import Subscription
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, make_app, post, until


async def test_the_stream_starts_once_the_first_rows_are_drawn(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(hub.url, [event(n, "ERROR", summary=f"pod {n} crashloop") for n in range(1, 6)])
    app = make_app(hub.url, tmp_path)
    rows_at_stream_start: list[int] = []
    subscribe = HubClient.subscribe

    def counted(self: HubClient, *args: Any, **options: Any) -> Subscription:
        rows_at_stream_start.append(len(app.center.events.index))
        return subscribe(self, *args, **options)

    monkeypatch.setattr(HubClient, "subscribe", counted)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.center.header.status == "live" and app.settled)
        assert rows_at_stream_start == [5]
