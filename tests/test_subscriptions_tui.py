"""The TUI header names a failing subscription next to failing sources."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from notifycenter.catalogue.hub import FORBIDDEN
from notifycenter.model.errors import NotifyError
from notifycenter.tui.sources_watch import failing_subscriptions_text, watch_sources


def failing(sink: str, code: str = "notifycenter-2009") -> dict[str, Any]:
    return {
        "id": "6b0d",
        "sink": sink,
        "status": "failing",
        "delivery": {"last_error": {"code": code}},
    }


class Hub:
    def __init__(self, subscriptions: Sequence[Mapping[str, Any]] | NotifyError) -> None:
        self.answer = subscriptions
        self.asked = 0

    async def sources(self) -> Sequence[Mapping[str, Any]]:
        return [{"name": "meshery", "state": "failing", "error": {"code": "notifycenter-1934"}}]

    async def subscriptions(self) -> Sequence[Mapping[str, Any]]:
        self.asked += 1
        if isinstance(self.answer, NotifyError):
            raise self.answer
        return self.answer


def test_the_text_names_the_sink_host_and_code_and_is_sanitised():
    active = {"id": "x", "sink": "https://ok.example/", "status": "active"}
    assert failing_subscriptions_text([active]) == ""
    text = failing_subscriptions_text(
        [failing("https://hooks.slack.example/services/T0"), failing("x"), active]
    )
    assert text == "⚠ subscription hooks.slack.example failing (notifycenter-2009) +1 more"
    hostile = failing_subscriptions_text([failing("\x1b[31mevil\u202e", "c\x07ode")])
    assert "\x1b" not in hostile and "\u202e" not in hostile and "\x07" not in hostile


async def watch_once(hub: Hub, rounds: int) -> list[str]:
    shown: list[str] = []
    watch = watch_sources(hub, lambda: len(shown) < rounds, shown.append, interval=0.01)
    with pytest.raises(TimeoutError):  # it keeps watching: bounded here by a timeout
        await asyncio.wait_for(watch, 0.3)
    return shown


async def test_the_header_shows_both_failing_sources_and_subscriptions() -> None:
    shown = await watch_once(Hub([failing("http://127.0.0.1:9/hook")]), 1)
    assert shown == [
        "⚠ source meshery failing (notifycenter-1934)  "
        "⚠ subscription 127.0.0.1 failing (notifycenter-2009)"
    ]


async def test_a_viewer_is_not_asked_again() -> None:
    hub = Hub(FORBIDDEN.error("viewer"))
    shown = await watch_once(hub, 3)
    assert shown == ["⚠ source meshery failing (notifycenter-1934)"] * 3
    assert hub.asked == 1
