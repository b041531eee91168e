"""What a key or a tick costs: only what changed is rebuilt and repainted.

Moving the highlight used to rebuild the whole footer (every key widget removed and
mounted again) and rewrite it on the terminal, though the keys it shows stay the same
from one unread row to the next.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from notifycenter.tui.app import NotifyCenterApp
from tests.hubprocess import Hub
from tests.test_tui_helpers import detail_text, event, make_app, post, until


def footer_keys(app: NotifyCenterApp) -> dict[str, FooterKey]:
    return {key.description: key for key in app.center.query_one(Footer).query(FooterKey)}


def ack_key(app: NotifyCenterApp) -> str:
    """`enabled`, `disabled`, or `missing` (also while the footer is being rebuilt)."""
    key = footer_keys(app).get("Ack")
    if key is None:
        return "missing"
    return "disabled" if key.has_class("-disabled") else "enabled"


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
        before = footer_keys(app)
        for _ in range(3):
            await pilot.press("j")
            await until(pilot, lambda: highlighted_summary(app) in detail_text(app))
        assert app.center.events.cursor_position == 3
        after = footer_keys(app)
        assert after.keys() == before.keys()
        assert all(after[name] is before[name] for name in before)  # not rebuilt


async def test_the_footer_follows_whether_a_row_is_highlighted(hub: Hub, tmp_path: Path) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: ack_key(app) != "missing" and app.settled)
        assert ack_key(app) == "disabled"  # nothing to acknowledge yet
        post(hub.url, [event(1, "ERROR", summary="pod crashloop")])
        await until(pilot, lambda: ack_key(app) == "enabled")
        assert "pod crashloop" in detail_text(app)
