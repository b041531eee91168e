"""The TUI header names a hub source that cannot follow its system, with its code."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from notifycenter.catalogue.hub import ROUTE_NOT_FOUND
from notifycenter.model.errors import NotifyError
from notifycenter.tui import sources_watch
from notifycenter.tui.sources_watch import failing_text, watch_sources
from notifycenter.tui.widgets.header import HeaderBar
from tests.conftest import HubFactory
from tests.test_sources_hubthread import closed_port
from tests.test_tui_helpers import make_app, until

SIZE = (140, 36)
NAME = "meshery-prod\x1b[31m[b]x[/b]\x07"  # untrusted: an escape, markup and a bell


async def test_the_header_shows_a_failing_source_sanitised(
    hub_factory: HubFactory,
    isolated_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    config = isolated_environment / "sources.toml"
    config.write_text(
        "[[hub.sources]]\n"
        f'url = "meshery+http://127.0.0.1:{closed_port()}"\n'
        'name = "meshery-prod\\u001b[31m[b]x[/b]\\u0007"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NOTIFYCENTER_CONFIG", str(config))
    hub = hub_factory()
    monkeypatch.setattr(sources_watch, "POLL_SECONDS", 0.2)
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        label = app.query_one("#header-source", Label)
        await until(pilot, lambda: bool(header.source_problem))
        shown = str(label.render())
        assert label.display
    assert shown == "⚠ source meshery-prod[31m[b]x[/b] failing (notifycenter-1933)"
    assert "\x1b" not in shown and "\x07" not in shown


async def test_a_hub_without_sources_shows_nothing(hub_factory: HubFactory, tmp_path: Path) -> None:
    hub = hub_factory()
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.status == "live")
        assert not app.query_one("#header-source", Label).display


class Answers:
    """A hub's sources endpoint, answer by answer."""

    def __init__(self, *answers: Sequence[Mapping[str, Any]] | NotifyError) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def sources(self) -> Sequence[Mapping[str, Any]]:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, NotifyError):
            raise answer
        return answer


def failing(name: str, code: str) -> dict[str, Any]:
    return {"name": name, "state": "failing", "error": {"code": code}}


async def test_the_watch_follows_recovery_and_stops_on_a_hub_without_the_endpoint() -> None:
    shown: list[str] = []
    recovering = Answers([failing("a", "notifycenter-1934"), failing("b", "x")], [])
    watch = watch_sources(recovering, lambda: len(shown) < 2, shown.append, interval=0.01)
    with pytest.raises(TimeoutError):  # it keeps watching: bounded here by a timeout
        await asyncio.wait_for(watch, 0.5)
    assert shown == ["⚠ source a failing (notifycenter-1934) +1 more", ""]
    old_hub = Answers(ROUTE_NOT_FOUND.error("no route GET /api/sources"))
    await watch_sources(old_hub, lambda: True, shown.append, interval=0.01)  # returns
    assert old_hub.calls == 1 and shown[-1] == ""


def test_following_sources_show_nothing() -> None:
    assert failing_text([{"name": "a", "state": "following", "error": None}]) == ""
