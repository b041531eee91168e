"""The notification center with a context of two servers: the header says which server
it is on, and a move to the other one when the first stops is a notice, not an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Label
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from notifycenter.catalogue.tui import HUB_UNREACHABLE
from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.widgets.header import HeaderBar
from tests.test_tui_helpers import event, post, until

SIZE = (100, 30)


async def test_the_header_names_the_server_and_a_switch_is_a_notice(
    hub_factory: Any, tmp_path: Path
) -> None:
    first, second = hub_factory(), hub_factory()
    post(first.url, [event(1, summary="on the first server")])
    post(second.url, [event(n, summary=f"second server {n}") for n in (1, 2)])
    hostile = "\x1b[31m"  # a hostile context name reaches the header inert
    target = Target(
        name=f"prod{hostile}",
        server=first.url,
        token=None,
        source="context",
        servers=(first.url, second.url),
    )
    app = NotifyCenterApp(target, state_dir=tmp_path)
    first_port, second_port = first.url.rsplit(":", 1)[1], second.url.rsplit(":", 1)[1]
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)

        def shown() -> str:
            context = str(app.query_one("#header-context", Label).render())
            return f"{context} {app.query_one('#header-server', Label).render()}"

        await until(pilot, lambda: header.status == "live" and app.store.event_count == 1)
        assert shown() == f"ctx prod[31m @ 127.0.0.1:{first_port}"
        first.stop()
        # The stream resumes on the second server after cursor 1: its event 2 arrives.
        await until(pilot, lambda: f"@ 127.0.0.1:{second_port}" in shown())
        await until(pilot, lambda: app.store.event_count == 2)
        assert header.status == "live" and "\x1b" not in shown()
        # A switch is not an outage: no "cannot reach the hub" error, one warning notice.
        assert not [n for n in app.notices if n.title == HUB_UNREACHABLE.code]
        switches = [n for n in app.notices if n.title == "Server switched"]
        assert len(switches) == 1 and switches[0].level == "warning"
        assert switches[0].message.startswith(
            f"now on 127.0.0.1:{second_port}, was 127.0.0.1:{first_port} ("
        )


async def test_a_server_whose_healthz_fails_at_connect_is_not_the_one_shown(
    hub: Any, tmp_path: Path
) -> None:
    asked: list[str] = []

    def degraded(_socket: Any, request: Request) -> Response:
        """/healthz says degraded; anything else is a 404, which would not move a client."""
        asked.append(request.path)
        if request.path == "/healthz":
            body = b'{"code": "notifycenter-1705", "shortDescription": ["degraded"]}'
            return Response(503, "Service Unavailable", Headers(), body)
        body = b'{"code": "notifycenter-1101", "shortDescription": ["not here"]}'
        return Response(404, "Not Found", Headers(), body)

    async def never(connection: Any) -> None:
        await connection.wait_closed()

    post(hub.url, [event(1, summary="from the healthy server")])
    async with serve(never, "127.0.0.1", 0, process_request=degraded) as stub:
        stub_url = f"http://127.0.0.1:{stub.sockets[0].getsockname()[1]}"
        target = Target(
            name="prod", server=stub_url, token=None, source="context", servers=(stub_url, hub.url)
        )
        app = NotifyCenterApp(target, state_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            header = app.query_one(HeaderBar)
            await until(pilot, lambda: header.status == "live" and app.store.event_count == 1)
            assert header.server == f"@ {hub.url.removeprefix('http://')}"
            assert not [n for n in app.notices if n.title == "Server switched"]
            assert not [n for n in app.notices if n.title == HUB_UNREACHABLE.code]
    # Chosen at connect: the first page and the stream came from the healthy server.
    assert asked[0] == "/healthz" and not {"/api/summary", "/api/stream"} & set(asked)
