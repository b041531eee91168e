"""k9s habits in the notification center: ctrl+z shows only errors and warnings (and back),
range marks act on a range, select-all of the view archives in one go after a confirm that
gives the count, and `:acked` / `:archived` are views by name. Every new key is remappable
and in help; `:` completes the new commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Label

from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.commandline import complete
from notifycenter.tui.help import HelpScreen, binding_rows
from notifycenter.tui.settings import parse_tui_settings
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, make_app, post, record, toasts, until


def rows(app: NotifyCenterApp) -> int:
    return len(app.center.events.index)


def filter_bar(app: NotifyCenterApp) -> str:
    return str(app.center.query_one("#filter-bar", Label).render())


def status(url: str, n: int) -> str:
    return str(record(url, f"urn:s{n}%23evt-{n:04d}")["status"])


def spread(count: int, severity: str = "ERROR") -> list[dict[str, Any]]:
    """Notifications that do not fold: each from a source of its own."""
    return [event(n, severity, source=f"urn:s{n}") for n in range(1, count + 1)]


async def test_ctrl_z_shows_only_errors_and_warnings_and_back(hub: Hub, tmp_path: Path) -> None:
    severities = ["ERROR", "WARNING", "INFO", "NOTICE", "CRITICAL"]
    post(hub.url, [event(n, s, source=f"urn:s{n}") for n, s in enumerate(severities, 1)])
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 5)
        await pilot.press("ctrl+z")
        await until(pilot, lambda: rows(app) == 3)
        assert "errors and warnings" in filter_bar(app)
        shown = {app.store.row(r).severity.name for r in app.center.events.index}
        assert shown == {"ERROR", "WARNING", "CRITICAL"}
        await pilot.press("ctrl+z")
        await until(pilot, lambda: rows(app) == 5)
        assert "errors and warnings" not in filter_bar(app)


async def test_a_range_of_marks_is_resolved_together(hub: Hub, tmp_path: Path) -> None:
    post(hub.url, spread(6))
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 6)
        events = app.center.events
        await pilot.press("j", "space", "j", "j", "j", "V")  # mark the second, extend to the fifth
        marked = [app.store.row(r).source for r in events.index if r in events.marked]
        assert marked == ["urn:s5", "urn:s4", "urn:s3", "urn:s2"]  # newest first
        await pilot.press("r")
        await until(pilot, lambda: [status(hub.url, n) for n in range(1, 7)].count("resolved") == 4)
        assert status(hub.url, 6) == "unread" and status(hub.url, 1) == "unread"
        assert not events.marked


async def test_select_all_archives_the_view_after_a_confirm_with_the_count(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [*spread(3), *spread(5, "WARNING")[3:]])
    post(hub.url, [event(7, "ERROR", source="urn:s1", summary="event number 1")])  # folds: ×2
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 5)
        await pilot.press("1")  # the errors bucket: 3 rows, 4 events
        await until(pilot, lambda: rows(app) == 3)
        await pilot.press("ctrl+a", "x")
        prefix = str(app.center.prompt.query_one("#prompt-prefix", Label).render())
        assert prefix.startswith("archive 3 rows (4 events)?")
        await pilot.press("escape")  # no: nothing archived, the marks stay
        await until(pilot, lambda: toasts(app)[-1] == "|Nothing archived.")
        assert status(hub.url, 1) == "unread" and len(app.center.events.marked) == 3
        await pilot.press("x", "enter")
        await until(pilot, lambda: rows(app) == 0)
        assert [status(hub.url, n) for n in range(1, 6)] == ["archived"] * 3 + ["unread"] * 2
        assert toasts(app)[-1] == "|archived 4 occurrences"
        await pilot.press("colon")
        app.center.prompt.query_one(Input).value = "archived"
        await pilot.press("enter")  # the archived view: what was archived, by name
        await until(pilot, lambda: rows(app) == 3 and "status:archived" in filter_bar(app))


async def test_acked_view_shows_what_the_team_is_on(hub: Hub, tmp_path: Path) -> None:
    post(hub.url, spread(3))
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 3)
        await pilot.press("a")
        await until(pilot, lambda: status(hub.url, 3) == "acknowledged")
        await pilot.press("colon")
        app.center.prompt.query_one(Input).value = "acked"
        await pilot.press("enter")
        await until(pilot, lambda: rows(app) == 1)
        row = app.store.row(app.center.events.index[0])
        assert row.source == "urn:s3" and row.acked_by == "anonymous"
        assert "status:acked" in filter_bar(app)


async def test_new_keys_are_remappable_in_help_and_completed(hub: Hub, tmp_path: Path) -> None:
    assert complete("ack")[1] == ["ack", "acked"] and complete("arch")[1] == ["archive", "archived"]
    post(hub.url, [event(1, "ERROR", source="urn:a"), event(2, "INFO", source="urn:b")])
    settings = parse_tui_settings({"keymap": {"view.problems": "P", "list.select-all": "ctrl+e"}})
    app = make_app(hub.url, tmp_path, takeover=False, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 2)
        ids = {row[2]: row for row in binding_rows(app)}
        assert ids["view.problems"][:2] == ("P", "Errors+warnings")
        assert {"list.mark-range", "list.select-all"} <= set(ids)
        await pilot.press("P")
        await until(pilot, lambda: rows(app) == 1)
        await pilot.press("P")
        await until(pilot, lambda: rows(app) == 2)  # select-all marks the view as shown
        await pilot.press("ctrl+e")
        await until(pilot, lambda: len(app.center.events.marked) == 2)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        for words in ("Errors+warnings", "mark: one, a range, all", ":acked", ":archived"):
            assert words in text, words
        assert "space V ^e mark: one, a range, all" in text  # each mark key once, whole
