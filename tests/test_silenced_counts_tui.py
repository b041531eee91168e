"""Two notification centers: the Errors counter's "new" count leaves out what a hub silence
keeps quiet while it is in force, and takes it back when the silence ends, with no toasts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from notifycenter.model.lifecycle import format_time
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.widgets.buckets import BucketCounter
from tests import httpclient
from tests.hubthread import HubThread
from tests.test_tui_helpers import ISTIO, event, make_app, post, toasts, until

LINKERD = "urn:meshery:adapter:linkerd"


def shown(app: NotifyCenterApp) -> tuple[int, int]:
    """The Errors counter as the operator reads it: (total, still to acknowledge)."""
    counts: tuple[int, int] = app.query_one("#bucket-errors", BucketCounter).counts
    return counts


def silence(url: str, **body: Any) -> dict[str, Any]:
    made = httpclient.post(
        url + "/api/silences", json={"filter": f"source = '{ISTIO}'", **body}, timeout=10
    )
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


def row_text(app: NotifyCenterApp, summary: str) -> str | None:
    """The list's line for the notification with this summary (every row fits the screen);
    None before the list shows it (the counts come from the hub and may be ahead)."""
    events = app.center.events
    lines = [events.render_line(y).text for y in range(len(events.index))]
    return next((line for line in lines if summary in line), None)


def marked_silenced(app: NotifyCenterApp, summary: str) -> bool | None:
    """Whether the row says "silenced"; None while it is not listed."""
    text = row_text(app, summary)
    return None if text is None else "silenced" in text


def told_of(app: NotifyCenterApp, text: str) -> int:
    return sum(text in line for line in toasts(app))


async def test_two_centers_drop_the_silenced_errors_and_take_them_back_when_it_is_expired(
    hub: HubThread, tmp_path: Any
) -> None:
    post(hub.url, [event(1, summary="before")])
    first, second = make_app(hub.url, tmp_path / "a"), make_app(hub.url, tmp_path / "b")
    async with first.run_test(size=(100, 30)) as one, second.run_test(size=(100, 30)) as two:
        pairs = ((one, first), (two, second))
        for pilot, app in pairs:
            await until(pilot, lambda app=app: shown(app) == (1, 1))

        made = silence(hub.url, duration="1h", comment="upgrade")
        quiet = [event(n, summary=f"quiet {n}") for n in (2, 3, 4)]
        post(hub.url, [*quiet, event(5, source=LINKERD, summary="loud")])
        for pilot, app in pairs:
            await until(pilot, lambda app=app: shown(app) == (5, 2))  # 3 quiet of 5
            await until(pilot, lambda app=app: marked_silenced(app, "quiet 2") is not None)
            assert marked_silenced(app, "quiet 2") is True

        gone = httpclient.post(f"{hub.url}/api/silences/{made['id']}/expire", timeout=10)
        assert gone.status_code == 200, gone.text
        for pilot, app in pairs:
            await until(pilot, lambda app=app: shown(app) == (5, 5))
            await until(pilot, lambda app=app: marked_silenced(app, "quiet 2") is False)
            await until(pilot, lambda app=app: told_of(app, "Silence ended") == 1)  # one line
            assert told_of(app, "quiet") == 0  # back in the counts, not replayed as news


async def test_the_counts_come_back_when_the_silence_ends_by_itself(
    hub: HubThread, tmp_path: Any
) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown(app) == (0, 0))
        ends = datetime.now(UTC) + timedelta(seconds=3)
        silence(hub.url, ends=format_time(ends))
        post(hub.url, [event(1, summary="quiet"), event(2, source=LINKERD, summary="loud")])
        await until(pilot, lambda: shown(app)[0] == 2)
        if datetime.now(UTC) < ends - timedelta(seconds=1):  # a loaded machine may be late
            assert shown(app) == (2, 1)
        await until(pilot, lambda: shown(app) == (2, 2))
        assert told_of(app, "quiet") == 0


async def test_a_center_started_during_a_silence_does_not_count_what_it_silenced(
    hub: HubThread, tmp_path: Any
) -> None:
    silence(hub.url, duration="1h")
    post(hub.url, [event(1, summary="quiet"), event(2, source=LINKERD, summary="loud")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown(app)[0] == 2)
        assert shown(app) == (2, 1)
