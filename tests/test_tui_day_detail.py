"""The detail pane gives every time one way: local time with its offset and its age
(`2026-11-29 18:02:11 +01:00 (3m ago)`), an ack's `until` as how long is left — never
the raw ISO-Z text the hub stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from textual.widgets import Static

from notifycenter.tui.emergency import EmergencyScreen
from tests.hubprocess import Hub
from tests.test_tui_helpers import detail_text, event, make_app, post, until

PARIS = timezone(timedelta(hours=1))


async def test_detail_times_are_local_with_offset_and_age(hub: Hub, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    sent = now - timedelta(minutes=3)
    stamp = sent.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    post(hub.url, [event(1, "ERROR", summary="pod crashloop", time=stamp)])
    app = make_app(hub.url, tmp_path, clock=lambda: now, display_tz=PARIS)
    async with app.run_test(size=(100, 30)) as pilot:  # the detail below the list, full width
        await until(pilot, lambda: "pod crashloop" in detail_text(app))
        local = sent.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")
        assert f"time  {local} +01:00 (3m ago)" in detail_text(app)
        assert stamp not in detail_text(app)
        await pilot.press("A")
        app.center.prompt.query_one("#prompt-input").value = "on it for 2h"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: "ack by" in detail_text(app))
        history = detail_text(app).split("History", 1)[1].strip()
        at, _, rest = history.partition("  ack by anonymous — on it (until ")
        assert at.startswith(now.astimezone(PARIS).strftime("%Y-%m-%d ")) and "+01:00 (" in at
        assert rest.endswith("+01:00 (in 2h))")  # the ack lapses two hours after it was made


async def test_the_emergency_view_reads_times_the_same_way(hub: Hub, tmp_path: Path) -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # the app's clock, not the machine's
    post(hub.url, [event(1, "ALERT", summary="broker lost", time="2026-11-28T09:27:00.000Z")])
    app = make_app(hub.url, tmp_path, clock=lambda: now, display_tz=PARIS)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, EmergencyScreen))

        def shown() -> str:
            found = app.screen.query("#emergency-text")
            return str(found.first(Static).render()) if found else ""

        await until(pilot, lambda: "time" in shown())
        assert "2026-11-28 10:27:00 +01:00 (3m ago)" in shown()


async def test_the_detail_age_moves_on_once_a_minute(hub: Hub, tmp_path: Path) -> None:
    now = [datetime(2026, 11, 28, 9, 30, tzinfo=UTC)]
    post(hub.url, [event(1, "ERROR", summary="pod crashloop", time="2026-11-28T09:27:00.000Z")])
    app = make_app(hub.url, tmp_path, clock=lambda: now[0], display_tz=UTC)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "(3m ago)" in detail_text(app))
        now[0] += timedelta(minutes=2)  # the one-second timer notices the age changed
        await until(pilot, lambda: "2026-11-28 09:27:00 +00:00 (5m ago)" in detail_text(app))
