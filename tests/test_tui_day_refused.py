"""A token the hub stops accepting while the notification center is open (revoked, the
hub restarted with a new token file): the catalogued refusal and its fix are on the status
line and in the header, what had arrived stays listed, and the bad token is not retried.
A 403 on an action (a viewer's ack) is not a refusal of the token: the list goes on."""

from __future__ import annotations

from pathlib import Path

from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.connection import REFUSED_STATE
from notifycenter.tui.widgets.statusline import StatusLine
from tests import httpclient
from tests.conftest import HubFactory, write_token_file
from tests.test_tui_helpers import event, toasts, until, workers_done


def app_with_token(url: str, token: str, tmp_path: Path) -> NotifyCenterApp:
    target = Target(name="prod", server=url, token=token, source="flag")
    return NotifyCenterApp(target, state_dir=tmp_path, takeover=False)


def status_line(app: NotifyCenterApp) -> str:
    return app.center.query_one(StatusLine).text


def posted(url: str, token: str, n: int) -> None:

    response = httpclient.post(
        url + "/api/events",
        json=event(n, "ERROR", summary=f"event {n}"),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/cloudevents+json",
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text


async def test_a_token_revoked_mid_session_shows_the_refusal_and_stops_retrying(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    hub = hub_factory(tokens={"token-alice": ("alice", "admin")})
    posted(hub.url, "token-alice", 1)
    app = app_with_token(hub.url, "token-alice", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: app.center.header.status == "live" and len(app.center.events.index) == 1
        )
        data_dir = Path(hub.data_dir)
        write_token_file(
            data_dir.parent / f"{data_dir.name}.tokens.toml", {"token-bob1": ("bob", "admin")}
        )
        hub.restart()  # the hub's admin removed alice's token
        await until(pilot, lambda: app.center.header.status == REFUSED_STATE)
        line = status_line(app)
        assert line.startswith("notifycenter-1514: The hub stopped accepting the context's token")
        assert "set-context" in line and ":ctx NAME" in line
        assert len(app.center.events.index) == 1  # what had arrived stays
        await until(pilot, lambda: workers_done(app, "stream") and workers_done(app, "backfill"))
        await pilot.press("a")  # nothing is sent with the refused token; it says why
        await until(pilot, lambda: toasts(app)[-1].startswith("notifycenter-1514|"))
        assert app.center.header.status == REFUSED_STATE and app.center.header.attempt == 0
        assert sum("notifycenter-1514" in t for t in toasts(app)) == 2


async def test_a_403_on_an_action_is_not_a_refused_token(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    hub = hub_factory(tokens={"token-val1": ("val", "viewer"), "token-pat1": ("pat", "producer")})
    posted(hub.url, "token-pat1", 1)
    app = app_with_token(hub.url, "token-val1", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: app.center.header.status == "live" and len(app.center.events.index) == 1
        )
        await pilot.press("a")
        await until(pilot, lambda: any(t.startswith("notifycenter-1103|") for t in toasts(app)))
        posted(hub.url, "token-pat1", 2)
        await until(pilot, lambda: len(app.center.events.index) == 2)  # the stream goes on
        assert app.center.header.status == "live"
        assert not any("1514" in t for t in toasts(app))
