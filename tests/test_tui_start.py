"""Starting the notification center: embedded hub, settings errors, contexts, reconnects."""

from __future__ import annotations

from click.testing import CliRunner

from notifycenter.cli import main
from notifycenter.client import HubClient
from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.embedded import bind_of, hub_answers
from notifycenter.tui.widgets.header import HeaderBar
from tests.hubprocess import free_port
from tests.test_tui_helpers import (
    detail_text,
    event,
    idle,
    make_app,
    post,
    submit,
    toasts,
    until,
)

SIZE = (100, 30)


def test_hub_detection_and_bind(hub):
    assert hub_answers(hub.url)
    assert not hub_answers(f"http://127.0.0.1:{free_port()}")
    assert bind_of("http://127.0.0.1:0") == "127.0.0.1:0"
    assert bind_of("http://127.0.0.1:9181/") == "127.0.0.1:9181"


async def test_embedded_hub_takes_posts_while_open(tmp_path):
    target = Target(name="local", server="http://127.0.0.1:0", token=None, source="default")
    app = NotifyCenterApp(target, embedded_data_dir=tmp_path / "hub", state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.status == "live")
        assert header.embedded and "embedded hub" in str(app.query_one("#header-state").render())
        assert header.server.startswith("http://127.0.0.1:") and not header.server.endswith(":0")
        async with HubClient(header.server) as producer:
            await producer.emit(event(1, "ERROR", summary="posted to the embedded hub"))
        await until(pilot, lambda: "posted to the embedded hub" in detail_text(app))
    assert (tmp_path / "hub" / "hub.sqlite3").exists()


def test_invalid_tui_settings_stop_the_start_with_the_key(isolated_environment):
    config = isolated_environment / "config.toml"
    config.write_text('[tui.notifications]\nmin-severity = "LOUD"\n')
    result = CliRunner().invoke(main, ["--server", "http://127.0.0.1:9", "tui"])
    assert result.exit_code == 1
    assert "notifycenter-1500" in result.output and "min-severity" in result.output
    config.write_text('[tui.keymap]\n"lifecycle.acknowledge" = "K"\n')
    result = CliRunner().invoke(main, ["--server", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "lifecycle.acknowledge" in result.output
    config.write_text('[tui]\ntheme = "no-such-theme"\n')
    result = CliRunner().invoke(main, ["--server", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "no-such-theme" in result.output


async def test_context_command_switches_hubs(hub_factory, isolated_environment, tmp_path):
    first, second = hub_factory(), hub_factory()
    post(first.url, [event(1, summary="from the first hub")])
    post(second.url, [event(2, summary="from the second hub")])
    (isolated_environment / "config.toml").write_text(
        f'current-context = "one"\n[contexts.one]\nserver = "{first.url}"\n[contexts.two]\nserver = "{second.url}"\n'
    )
    app = NotifyCenterApp(
        Target(name="one", server=first.url, token=None, source="context"), state_dir=tmp_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "from the first hub" in detail_text(app))
        await submit(pilot, "colon", "context two")
        await until(pilot, lambda: "from the second hub" in detail_text(app))
        header = app.query_one(HeaderBar)
        assert header.context_name == "two" and header.server == second.url
        assert app.store.event_count == 1
        await submit(pilot, "colon", "context nowhere")
        await until(pilot, lambda: any("nowhere" in t for t in toasts(app)))
        assert app.is_running and app.query_one(HeaderBar).context_name == "two"


async def test_a_hub_restart_shows_reconnecting_then_live(hub, tmp_path):
    post(hub.url, [event(1)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.status == "live" and app.store.event_count == 1)
        hub.stop()
        await until(pilot, lambda: header.status == "reconnecting" and header.attempt >= 1)
        assert "reconnecting (attempt" in str(app.query_one("#header-state").render())
        # While the app cannot run (these calls block its loop), the hub comes back and
        # takes events: on reconnect they arrive as a backlog, so one digest, no flood.
        hub.start()
        post(
            hub.url,
            [event(n, "ERROR" if n < 5 else "WARNING", source=f"urn:away{n}") for n in range(2, 9)],
        )
        await until(
            pilot, lambda: header.status == "live" and app.store.event_count == 8, timeout=15
        )
        await until(pilot, lambda: any("while away" in t for t in toasts(app)) and idle(app))
        assert [t for t in toasts(app) if "urn:away" in t or "while away" in t] == [
            "Backlog|while away: 7 events, 3 errors"
        ]
        post(hub.url, [event(20, "ERROR", summary="live again", source="urn:later")])
        await until(pilot, lambda: any("live again" in t for t in toasts(app)))


async def test_no_hub_at_start_says_so_and_keeps_trying(tmp_path):
    app = make_app(f"http://127.0.0.1:{free_port()}", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("notifycenter-1501" in t for t in toasts(app)))
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.attempt >= 2)
        assert header.status == "connecting" and "attempt" in str(
            app.query_one("#header-state").render()
        )
