"""Pilot tests of the operations view against a real hub."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from notifycenter.client.emitter import Emitter
from notifycenter.client.hub import HubClient
from notifycenter.model.errors import NotifyError
from notifycenter.tui.operations import OperationDetail, OperationsScreen, OperationTree
from notifycenter.tui.styles import css_paths
from tests.hubprocess import HubProcess
from tests.test_tui_helpers import press_until, until


class Host(App[None]):
    """Stands in for the notification center: opens the view, records what it asks for."""

    def __init__(self, client: HubClient, focus: str | None = None) -> None:
        super().__init__(css_path=css_paths())
        self.client, self.focus_id = client, focus
        self.requested: list[OperationsScreen.EventsRequested] = []

    def on_mount(self) -> None:
        self.push_screen(OperationsScreen(self.client, focus=self.focus_id))

    def on_operations_screen_events_requested(
        self, message: OperationsScreen.EventsRequested
    ) -> None:
        self.requested.append(message)


@pytest.fixture
def emitter(hub: HubProcess, tmp_path: Path) -> Iterator[Emitter]:
    emitter = Emitter(hub.url, source="urn:meshery:server:local", data_dir=tmp_path)
    yield emitter
    emitter.close()


@pytest.fixture
async def client(hub: HubProcess) -> AsyncIterator[HubClient]:
    async with HubClient(hub.url) as client:
        yield client


def lines(app: App[Any]) -> list[str]:
    tree = app.screen.query_one(OperationTree)
    return [tree.render_line(y).text.rstrip() for y in range(tree.size.height)]


async def clock_moved(past: datetime, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while datetime.now(UTC) < past:
        assert time.monotonic() < deadline, "the clock did not move"
        await asyncio.sleep(0)


def current(tree: OperationTree) -> dict[str, Any]:
    assert tree.current is not None
    return tree.current.view


def detail(app: App[Any]) -> str:
    return str(app.screen.query_one(OperationDetail).render())


def seed(emitter: Emitter) -> dict[str, Any]:
    done = emitter.operation("Import model")
    done.start()
    done.succeed()
    deploy = emitter.operation("Deploy bookinfo").start()
    crds = deploy.child("Install CRDs").start()
    crds.succeed()
    mesh = deploy.child("Provision Istio", total=4).start()
    mesh.progress(1, message="CRDs ready")
    broken = emitter.operation("Upgrade Linkerd").start()
    broken.fail(
        NotifyError(
            code="meshery-linkerd-1004",
            short_description=["linkerd check failed"],
            probable_cause=["the control plane is not ready"],
            suggested_remediation=["Run linkerd check --pre", "Retry the upgrade"],
        )
    )
    assert emitter.drain(10)  # stored by the hub, not only spooled
    return {"done": done, "deploy": deploy, "crds": crds, "mesh": mesh, "broken": broken}


async def test_running_first_with_tree_bars_and_glyphs(client: HubClient, emitter: Emitter) -> None:
    ops = seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Provision Istio" in "\n".join(lines(app)))
        shown = [line for line in lines(app) if line]
        assert shown[0].startswith("▾ ▶ Deploy bookinfo")  # running first, opened
        assert "50%" in shown[0]  # one of its two children finished
        mesh = next(line for line in shown if "Provision Istio" in line)
        assert mesh.startswith("    ▶ Provision Istio") and "25%" in mesh and "~" in mesh
        assert {shown[1].split()[1], shown[2].split()[1]} == {"Provision", "Install"}
        assert [line.split()[:2] for line in shown[3:]] == [["×", "Upgrade"], ["√", "Import"]]
        assert "failed" in next(line for line in shown if "Upgrade Linkerd" in line)
        ops["mesh"].succeed()


async def test_a_failure_shows_its_remediation_in_the_detail(
    client: HubClient, emitter: Emitter
) -> None:
    seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: any("Upgrade Linkerd" in line for line in lines(app)))
        tree = app.screen.query_one(OperationTree)
        await press_until(pilot, "j", lambda: "Upgrade Linkerd" in current(tree)["name"], 10)
        await until(pilot, lambda: "remediation 2" in detail(app))
        text = detail(app)
        assert (
            "meshery-linkerd-1004" in text
            and "probable cause: the control plane is not ready" in text
        )
        assert "remediation 1: Run linkerd check --pre" in text


async def test_enter_asks_for_the_operations_events_and_closes(
    client: HubClient, emitter: Emitter
) -> None:
    ops = seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Provision Istio" in "\n".join(lines(app)))
        tree = app.screen.query_one(OperationTree)
        await press_until(pilot, "j", lambda: current(tree).get("name") == "Provision Istio", 10)
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.requested))
        assert app.requested[0].operation_id == ops["mesh"].id
        assert app.requested[0].trace_id == ops["deploy"].trace_id
        assert not isinstance(app.screen, OperationsScreen)


async def test_collapse_and_expand(client: HubClient, emitter: Emitter) -> None:
    seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Provision Istio" in "\n".join(lines(app)))
        await pilot.press("left")
        await until(pilot, lambda: "Provision Istio" not in "\n".join(lines(app)))
        assert lines(app)[0].startswith("▸ ▶ Deploy bookinfo")
        await pilot.press("right")
        await until(pilot, lambda: "Provision Istio" in "\n".join(lines(app)))


async def test_live_progress_and_completion(client: HubClient, emitter: Emitter) -> None:
    ops = seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "25%" in "\n".join(lines(app)))
        ops["mesh"].progress(3)
        emitter.flush(10)
        await until(pilot, lambda: "75%" in "\n".join(lines(app)))
        ops["mesh"].succeed()
        ops["deploy"].succeed()
        emitter.flush(10)
        await until(pilot, lambda: "√ Deploy bookinfo" in "\n".join(lines(app)))
        assert not any("▶" in line for line in lines(app))  # nothing runs any more


async def test_opening_on_one_operation_puts_the_cursor_there(
    client: HubClient, emitter: Emitter
) -> None:
    ops = seed(emitter)
    app = Host(client, focus=ops["crds"].id)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(
            pilot,
            lambda: (
                app.screen.query_one(OperationTree).current is not None
                and app.screen.query_one(OperationTree).current.view["id"] == ops["crds"].id
            ),
        )
        ops["mesh"].succeed()


async def test_untrusted_names_are_shown_as_text(client: HubClient, emitter: Emitter) -> None:
    emitter.operation("[bold red]pwned[/] \x1b]0;title\x07ok").start()
    assert emitter.drain(10)  # stored by the hub, not only spooled
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "pwned" in "\n".join(lines(app)))
        assert "[bold red]pwned[/] ]0;titleok" in lines(app)[0]
        assert "\x1b" not in "\n".join(lines(app))


async def test_active_only_hides_ended_operations(client: HubClient, emitter: Emitter) -> None:
    seed(emitter)
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Import model" in "\n".join(lines(app)))
        await pilot.press("f")
        await until(pilot, lambda: "Import model" not in "\n".join(lines(app)))
        assert "Deploy bookinfo" in "\n".join(lines(app))
        assert "(active)" in str(app.screen.query_one("#ops-title").render())


async def test_more_roots_load_when_the_cursor_reaches_the_end(
    client: HubClient, emitter: Emitter
) -> None:
    for number in range(205):
        emitter.operation(f"Job {number}").start()
    assert emitter.drain(10)  # stored by the hub, not only spooled
    app = Host(client)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await until(pilot, lambda: len(screen.roots) == 200)
        await pilot.press("G")
        await until(pilot, lambda: len(screen.roots) == 205)
        assert screen.next_page is None


async def test_children_in_start_order_under_a_column_header(
    client: HubClient, emitter: Emitter
) -> None:
    deploy = emitter.operation("Deploy bookinfo").start()
    for name in ("First step", "Second step", "Third step"):
        started = datetime.now(UTC)
        deploy.child(name).start().succeed()
        await clock_moved(started + timedelta(milliseconds=2))  # distinct start times
    assert emitter.drain(10)  # stored by the hub, not only spooled
    app = Host(client, focus=deploy.id)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Third step" in "\n".join(lines(app)))
        shown = "\n".join(lines(app))
        assert shown.index("First step") < shown.index("Second step") < shown.index("Third step")
        columns = str(app.screen.query_one("#ops-columns").render())
        assert "operation" in columns and "elapsed" in columns and "state" in columns


async def test_a_long_remediation_scrolls_in_the_detail(
    client: HubClient, emitter: Emitter
) -> None:
    remedies = [f"Remedy number {n}: do the thing that fixes it" for n in range(1, 21)]
    emitter.operation("Upgrade Linkerd").start().fail(
        NotifyError(
            code="meshery-linkerd-1004",
            short_description=["linkerd check failed"],
            suggested_remediation=remedies,
        )
    )
    assert emitter.drain(10)  # stored by the hub, not only spooled
    app = Host(client)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "remediation 20" in detail(app))
        scroll = app.screen.query_one("#ops-detail-scroll")
        assert scroll.max_scroll_y > 0
        await pilot.press("tab")
        assert app.focused is scroll
        await pilot.press("end")
        await until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
