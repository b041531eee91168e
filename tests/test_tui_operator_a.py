"""The operator's day in the notification center: prompts over the full detail, escape
that steps back, the error screen, compact help, command mode and emergencies."""

from __future__ import annotations

import pytest
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.codes import CodeScreen
from notifycenter.tui.emergency import EmergencyScreen
from notifycenter.tui.fatal import FatalScreen
from notifycenter.tui.help import HelpScreen
from notifycenter.tui.operations import OperationsScreen
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.footer import KeyFooter
from notifycenter.tui.widgets.prompt import PromptBar
from tests import httpclient
from tests.test_tui_helpers import (
    detail_text,
    event,
    istio_failure,
    make_app,
    post,
    press_until,
    record,
    submit,
    toasts,
    until,
)

SIZES = [(120, 36), (80, 24)]
ISTIO_REF = "urn:meshery:adapter:istio%23evt-0900"


def rows(app) -> int:
    return len(app.center.events.index)


def footer_keys(app) -> list[str]:
    return [key.description for footer in app.screen.query(KeyFooter) for key in footer.shown()]


def drawn(app, selector: str) -> bool:
    """The widget is on screen with a visible size (not hidden behind something else)."""
    widget = app.screen.query_one(selector)
    return (
        widget.display
        and widget.region.height > 0
        and widget in app.screen._compositor.visible_widgets
    )


@pytest.mark.parametrize("size", SIZES)
async def test_prompts_are_drawn_over_the_full_detail_and_escape_steps_back(hub, tmp_path, size):
    post(hub.url, [event(1, "WARNING", source="urn:w"), istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: rows(app) == 2)
        await submit(pilot, "slash", "src:istio")
        await until(pilot, lambda: rows(app) == 1 and "Suggested remediation" in detail_text(app))
        await pilot.press("enter")
        pane = app.query_one(DetailPane)
        await until(pilot, lambda: app.center.detail_full and pane.size.width > size[0] - 4)
        await pilot.press("A")
        await until(pilot, lambda: drawn(app, "#prompt-input"))
        field = app.query_one("#prompt-input", Input)
        assert app.focused is field
        field.value = f"on it {size[0]}"
        await pilot.press("enter")
        await until(pilot, lambda: record(hub.url, ISTIO_REF).get("comment") == f"on it {size[0]}")
        # Back where the prompt was opened: the full detail, with its keys in the footer.
        assert app.center.detail_full and app.focused is pane
        await until(pilot, lambda: "Back to list" in footer_keys(app))
        await pilot.press("colon")
        await until(pilot, lambda: drawn(app, "#prompt-input"))
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is pane and not app.center.prompt.display)
        await pilot.press("escape")  # one level: the list is back, filtered as before
        await until(pilot, lambda: not app.center.detail_full and drawn(app, "#events"))
        assert app.focused is app.center.events and rows(app) == 1
        await pilot.press("escape")  # at the top level escape keeps the filter
        await pilot.pause()
        assert rows(app) == 1 and "src:istio" in app.view.describe()
        await pilot.press("c")
        await until(pilot, lambda: rows(app) == 2)


def emergency_text(app) -> str:
    screen = app.screen
    assert isinstance(screen, EmergencyScreen), type(screen).__name__
    try:
        title = str(screen.query_one("#emergency-title", Static).render())
        return title + "\n" + str(screen.query_one("#emergency-text", Static).render())
    except NoMatches:
        return ""  # pushed, not composed yet


def emergencies() -> list[dict]:
    return [
        {**istio_failure(), "severitytext": "EMERGENCY"},
        event(2, "ALERT", source="urn:x", summary="disk full on node-7"),
        event(3, "ALERT", source="urn:audit", summary="audit alert", category="audit"),
        event(4, "ERROR", source="urn:e", summary="an ordinary error"),
    ]


@pytest.mark.parametrize("size", SIZES)
async def test_an_emergency_takes_over_until_acknowledged_or_handed_over(hub, tmp_path, size):
    post(hub.url, emergencies())
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, EmergencyScreen))
        await until(
            pilot, lambda: "2 of 2" in emergency_text(app) or "1 of 2" in emergency_text(app)
        )
        await press_until(pilot, "n", lambda: "Fix the weights" in emergency_text(app), 3)
        text = emergency_text(app)
        assert "EMERGENCY" in text and "meshery-istio-1002" in text and "Probable cause" in text
        assert "[ ] 1. Fix the weights" in text and "0 of 3 done" in text
        assert "audit alert" not in text and "ordinary error" not in text
        await pilot.press("space", "down", "space")
        assert "[x] 1. Fix the weights" in emergency_text(app) and "2 of 3 done" in emergency_text(
            app
        )
        await pilot.press("n")
        assert "disk full on node-7" in emergency_text(app)
        await pilot.press("p")  # ticks stay while the view lives
        assert "2 of 3 done" in emergency_text(app)
        await pilot.press("slash", "e", "1")  # the hidden list's keys do nothing here
        assert app.view.describe() == "" and isinstance(app.screen, EmergencyScreen)
        await pilot.press("a")
        await until(pilot, lambda: record(hub.url, ISTIO_REF)["status"] == "acknowledged")
        await until(pilot, lambda: "1 of 1" in emergency_text(app))
        assert "disk full on node-7" in emergency_text(app)
        await submit(pilot, "colon", "assign bob")
        await until(pilot, lambda: record(hub.url, "urn:x%23evt-0002")["owner"] == "bob")
        await until(pilot, lambda: app.screen is app.center)
        # Un-acknowledged elsewhere: the same event does not take the screen again.
        cursor = record(hub.url, ISTIO_REF)["cursor"]
        answer = httpclient.post(
            f"{hub.url}/api/lifecycle/unack", json={"refs": [cursor]}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        row = app.store.find(cursor)
        await until(
            pilot, lambda: row is not None and app.store.row(row).status.value != "acknowledged"
        )
        app._take_over()
        assert app.screen is app.center


async def test_readonly_shows_the_emergency_without_actions_and_escape_leaves(hub, tmp_path):
    post(hub.url, emergencies()[:1])
    app = make_app(hub.url, tmp_path, readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, EmergencyScreen))
        await until(pilot, lambda: "1. Fix the weights" in emergency_text(app))
        assert "read-only" in emergency_text(app)
        await pilot.press("a", "colon")
        assert not app.screen.query_one(PromptBar).display
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.center)
        app._take_over()
        assert app.screen is app.center
        assert record(hub.url, ISTIO_REF)["status"] == "unread"


@pytest.mark.parametrize(
    ("token", "answer"),
    [(None, "1102"), ("wrong-token", "1102"), ("producer-token", "1103")],
)
async def test_a_refused_token_gets_an_error_screen_and_quitting_exits_1(
    hub_factory, tmp_path, token, answer
):
    hub = hub_factory(
        tokens={"right-token": ("alice", "operator"), "producer-token": ("pat", "producer")}
    )
    app = NotifyCenterApp(
        Target(name="prod-eu", server=hub.url, token=token, source="flag"), state_dir=tmp_path
    )
    async with app.run_test(size=(80, 24)) as pilot:
        # The screen is pushed before it is composed: wait for its text, not the screen.
        await until(
            pilot,
            lambda: isinstance(app.screen, FatalScreen) and app.screen.query("#fatal-text"),
        )
        text = str(app.screen.query_one("#fatal-text", Static).render())
        assert "notifycenter-1511" in text and "prod-eu" in text and hub.url in text
        assert "is running" in text and f"notifycenter-{answer}" in text and "--token" in text
        assert not any("1501" in t or "firewall" in t.lower() for t in toasts(app))
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_code == 1


async def test_quitting_normally_exits_0(hub, tmp_path):
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.center.alive and app.center.header.status == "live")
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_code == 0


def help_lines(app) -> list[str]:
    return str(app.screen.query_one("#help-text", Static).render()).splitlines()


@pytest.mark.parametrize("size", SIZES)
async def test_help_fits_one_screen_with_the_operator_keys_first(hub, tmp_path, size):
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen) and len(help_lines(app)) > 5)
        lines = help_lines(app)
        body = app.screen.query_one("#help-body")
        assert len(lines) <= body.content_region.height, "help scrolls"
        text = "\n".join(lines)
        assert lines[0].startswith("Keys  Act") and "Ack" in lines[1] and "Resolve" in text
        assert text.index("Ack") < text.index("Filter") < text.index("move")
        assert ":context" in text and ":assign" in text
        await pilot.press("i")
        await until(pilot, lambda: "lifecycle.ack" in "\n".join(help_lines(app)))


async def test_command_line_completes_and_remembers_across_sessions(hub, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "notifycenter.tui.app.context_names", lambda: ["prod-eu", "prod-us", "staging"]
    )
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        field = app.center.prompt.query_one(Input)
        await pilot.press("colon", *"ct", "tab")
        assert field.value == "ctx " and app.focused is field  # tab stays in the input
        await pilot.press("s", "tab")
        assert field.value == "ctx staging "
        await pilot.press("ctrl+u", *"ctx p", "tab")
        assert field.value == "ctx prod-"
        assert "prod-eu" in str(app.center.prompt.query_one("#prompt-hint").render())
        await pilot.press("escape")
        await submit(pilot, "colon", "filter severitynumber >= 17")
        await until(pilot, lambda: ":filter severitynumber >= 17" in app.view.describe())
        await submit(pilot, "colon", "assign bob")
        await until(pilot, lambda: record(hub.url, ISTIO_REF).get("owner") == "bob")
    again = make_app(hub.url, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: again.center.alive)
        field = again.center.prompt.query_one(Input)
        await pilot.press("colon", "up")
        assert field.value == "assign bob"
        await pilot.press("up")
        assert field.value == "filter severitynumber >= 17"
        await pilot.press("down", "down")
        assert field.value == ""


async def test_list_keys_in_the_operations_view_leave_the_list_alone(hub, tmp_path):
    post(hub.url, [event(1, "WARNING", source="urn:w"), istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 2)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OperationsScreen))
        await pilot.press("e", "slash", "1", "a")
        await until(pilot, lambda: any("works on the event list" in t for t in toasts(app)))
        assert isinstance(app.screen, OperationsScreen)
        assert app.view.describe() == "" and not app.center.prompt.display
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.center and rows(app) == 2)
        assert record(hub.url, ISTIO_REF)["status"] == "unread"


async def test_the_bucket_is_named_where_the_list_is_empty(hub, tmp_path):
    post(hub.url, [event(1, "WARNING", source="urn:w")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: rows(app) == 1)
        await pilot.press("1")
        await until(pilot, lambda: rows(app) == 0 and "No events match" in detail_text(app))
        assert "bucket errors" in detail_text(app)
        assert "bucket errors" in str(app.query_one("#filter-bar").render())


async def test_an_error_code_opens_its_documentation(hub, tmp_path):
    failure = istio_failure()
    failure["data"] = {
        **failure["data"],
        "error": {**failure["data"]["error"], "code": "notifycenter-1102"},
    }
    post(hub.url, [failure])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "d documents notifycenter-1102" in detail_text(app))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, CodeScreen))
        text = str(app.screen.query_one("#code-text", Static).render())
        assert "ErrUnauthenticated" in text and "Suggested remediation" in text
        assert "docs/errors.md#notifycenter-1102" in text
        await pilot.press("escape")
        await submit(pilot, "colon", "code meshery-istio-1002")
        await until(pilot, lambda: isinstance(app.screen, CodeScreen))
        text = str(app.screen.query_one("#code-text", Static).render())
        assert "docs.meshery.io/reference/error-codes" in text


def test_a_flood_of_alerts_shows_the_newest_fifty_then_the_rest():
    from notifycenter.store import EventStore
    from notifycenter.tui.emergency import SHOWN_AT_MOST, EmergencyWatch

    store = EventStore()
    store.add(
        [
            {**event(n, "ALERT", source=f"urn:s{n}"), "severitynumber": 19, "cursor": str(n)}
            for n in range(1, 121)
        ]
    )
    watch = EmergencyWatch()
    first = watch.pending(store)
    assert len(first) == SHOWN_AT_MOST and first[0].view.summary == "event number 120"
    watch.handled.update(e.cursor for e in first)
    second = watch.pending(store)
    assert len(second) == SHOWN_AT_MOST and second[0].view.summary == "event number 70"
    watch.handled.update(e.cursor for e in second)
    assert len(watch.pending(store)) == 20
