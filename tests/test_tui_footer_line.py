"""The key footer is one widget drawing one line: the same keys Textual's footer showed,
clickable, dimmed when disabled, drawn again only when the keys change."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.geometry import Region

from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.help import HelpScreen
from notifycenter.tui.widgets.footer import KeyFooter, ShownKey
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, make_app, post, until


def footer(app: NotifyCenterApp) -> KeyFooter:
    return app.center.query_one(KeyFooter)


def key(app: NotifyCenterApp, description: str) -> ShownKey | None:
    return next((k for k in footer(app).shown() if k.description == description), None)


def ack_enabled(app: NotifyCenterApp) -> bool | None:
    found = key(app, "Ack")
    return None if found is None else found.enabled


def cell_of(line: Text, label: str) -> int:
    """The footer cell where `label` starts."""
    at = line.plain.index(label)
    return cell_len(line.plain[:at])


async def test_one_line_holds_every_key_in_order_and_the_palette_key_at_the_right(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [event(1, "ERROR", summary="pod crashloop")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: ack_enabled(app) is True and app.settled)
        bar = footer(app)
        assert not bar.children  # one widget, no widget per key
        line = bar.render()
        shown = bar.shown()
        left = [k for k in shown if not k.palette]
        assert [k.description for k in left][:4] == ["Detail", "Mark", "Quit", "Help"]
        palette = "▏^p palette"
        room = bar.content_size.width - len(palette)
        keys = "".join(f" {k.display} {k.description} " for k in left)
        assert line.plain == keys[:room].ljust(room) + palette  # cut where the palette starts
        assert bar.region.y == 35 and bar.region.width == 120  # docked at the bottom


async def test_a_click_presses_its_key_and_a_disabled_key_only_rings(
    hub: Hub, tmp_path: Path
) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: ack_enabled(app) is False and app.settled)
        line = footer(app).render()
        ack = cell_of(line, " a Ack ")
        help_key = cell_of(line, " ? Help ")
        assert line.get_style_at_offset(Console(), ack + 1).dim  # disabled: dimmed
        assert not line.get_style_at_offset(Console(), help_key + 1).dim
        bar = footer(app)
        hovered = bar.get_component_rich_style("key-footer--hover").bgcolor
        await pilot.hover(KeyFooter, offset=(help_key + 1, 0))
        await until(
            pilot, lambda: bar.render().get_style_at_offset(Console(), help_key).bgcolor == hovered
        )
        assert bar.render().get_style_at_offset(Console(), ack).bgcolor != hovered
        rung: list[int] = []
        app.bell = lambda: rung.append(1)  # type: ignore[method-assign]
        await pilot.click(KeyFooter, offset=(ack + 1, 0))
        await until(pilot, lambda: rung == [1])
        assert app.screen is app.center
        await pilot.click(KeyFooter, offset=(help_key + 1, 0))
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_keys_that_stay_the_same_are_not_drawn_again_and_new_ones_are_drawn_in_place(
    hub: Hub, tmp_path: Path
) -> None:
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: ack_enabled(app) is False and app.settled)
        await pilot.pause()
        bar = footer(app)
        drawn: list[bool | None] = []
        refresh = bar.refresh

        def counted(*regions: Region, **options: bool) -> KeyFooter:
            drawn.append(ack_enabled(app))
            return refresh(*regions, **options)

        bar.refresh = counted  # type: ignore[method-assign]
        for _ in range(3):  # asked again and again, the same keys: nothing to draw
            app.center.refresh_bindings()
            await pilot.pause()
        assert drawn == []
        post(hub.url, [event(1, "ERROR", summary="pod crashloop")])  # a row: `a` works now
        await until(pilot, lambda: ack_enabled(app) is True)
        assert drawn[-1] is True
        assert footer(app) is bar and not bar.children
        assert " a Ack " in bar.render().plain
