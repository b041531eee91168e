"""The notification center against a hub that answers what no hub of this version would:
states it does not know, times it cannot read, errors of the wrong shape, answers nested
deeper than a reader goes, histories of any size and text that would act on a terminal.
It shows what it can, keeps running, and lets nothing reach the terminal as a command.

A real hub serves the events; the client's methods are wrapped to change its answers on
the way in (a hub refuses such input at ingest, so only a broken or hostile one sends it).
"""

from __future__ import annotations

from typing import Any

import pytest

from notifycenter.client import HubClient
from notifycenter.model import wire
from notifycenter.model.lifecycle import Verb
from notifycenter.model.severity import Bucket
from notifycenter.store import BucketCount
from notifycenter.tui.backlog import counts_of
from notifycenter.tui.operations import OperationDetail, OperationsScreen, OperationTree
from notifycenter.tui.policy import PolicySettings
from notifycenter.tui.settings import TuiSettings
from notifycenter.tui.sources_watch import failing_subscriptions_text
from notifycenter.tui.widgets.header import HeaderBar
from tests.test_tui_helpers import detail_text, event, make_app, post, until

SIZE = (120, 36)
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x1b\\"


def operation(**fields: Any) -> dict[str, Any]:
    """An operation as `GET /api/operations` lists it."""
    listed = {
        **dict.fromkeys(("parent", "subject", "ended_at", "last_heard", "duration", "eta"), None),
        **{"error": None, "cursor": "5", "children": 0, "finished_children": 0},
        **{"id": "a1b2c3d4e5f60718", "trace_id": "0" * 32, "name": "Deploy"},
        **{"state": "running", "progress": 0.5, "done": 1.0, "total": 2.0, "message": "m"},
        **{"source": "urn:x", "started_by": "alice", "started_at": "2026-01-01T00:00:00Z"},
        "event_count": 1,
    }
    return {**listed, **fields}


def node(listed: dict[str, Any], children: list[Any] | None = None) -> dict[str, Any]:
    return {**listed, "children": children or [], "events": []}


def answering_operations(
    monkeypatch: pytest.MonkeyPatch, roots: list[dict[str, Any]], tree: Any = None
) -> None:
    """The hub's operations are `roots`; each opens as `tree` (or as itself)."""

    async def operations(self: HubClient, **_: Any) -> wire.OperationPage:
        page = {"items": roots, "next": None, "stall_after": 600.0, "last_cursor": "5"}
        return self._as(wire.OperationPage, page, "the page of operations")

    async def opened(self: HubClient, operation_id: str) -> wire.OperationTree:
        found = tree or node(next(r for r in roots if r["id"] == operation_id))
        answer = {**found, "path": [], "stall_after": 600.0, "last_cursor": "5"}
        return self._as(wire.OperationTree, answer, "the operation")

    monkeypatch.setattr(HubClient, "operations", operations)
    monkeypatch.setattr(HubClient, "operation", opened)


async def open_operations(pilot: Any, app: Any) -> OperationTree:
    """`o` once the stream is live; the tree once it lists the hub's operations."""
    await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, OperationsScreen))
    tree: OperationTree = app.screen.query_one(OperationTree)
    await until(pilot, lambda: bool(tree.rows))
    return tree


async def operation_center(hub: Any, tmp_path: Any) -> tuple[list[str], str]:
    """The operation center opened on the hub's operations: its first lines and detail."""
    post(hub.url, [event(1, "ERROR")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        tree = await open_operations(pilot, app)
        await pilot.pause(0.4)  # the detail of the highlighted operation is fetched
        lines = [tree.render_line(y).text.rstrip() for y in range(3)]
        detail = str(app.screen.query_one(OperationDetail).render())
        assert app.is_running
    return lines, detail


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "exploded"},  # a state of a later version, or of none
        {"started_at": "yesterday"},
        {"started_at": "2026-01-01T00:00:00"},  # no offset: read as UTC
        {"state": "succeeded", "ended_at": "nope"},
        {"progress": 1e308, "eta": 1e308, "duration": -5.0},
    ],
)
async def test_an_operation_the_client_cannot_read_whole_is_shown_as_it_came(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]
) -> None:
    answering_operations(monkeypatch, [operation(**fields)])
    lines, detail = await operation_center(hub, tmp_path)
    assert "Deploy" in lines[0] and "Deploy" in detail
    if fields.get("state") == "exploded":
        assert "? Deploy" in lines[0] and "exploded" in lines[0] and "? exploded" in detail


async def test_an_operation_nested_deeper_than_the_reader_goes_is_a_bad_answer(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = operation(children=1)
    deepest: dict[str, Any] = node(operation(id="f" * 16))
    for _ in range(600):
        deepest = node(operation(id="e" * 16), [deepest])
    answering_operations(monkeypatch, [root], node(root, [deepest]))
    lines, _ = await operation_center(hub, tmp_path)
    assert "Deploy" in lines[0]


async def test_an_operations_error_nested_too_deep_shows_its_plain_parts(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested: list[Any] = []
    innermost = nested
    for _ in range(1100):
        innermost.append([])
        innermost = innermost[0]
    error = {
        "code": "meshkit-1",
        "shortDescription": ["broke"],
        "suggestedRemediation": [nested, "retry"],
    }
    answering_operations(monkeypatch, [operation(state="failed", error=error)])
    _, detail = await operation_center(hub, tmp_path)
    assert "retry" in detail and "[[[" not in detail


async def test_an_operation_id_never_reaches_the_terminal_as_a_command(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its events are listed under a filter bar that names the operation by its id."""
    answering_operations(monkeypatch, [operation(id=OSC52, name="")])
    post(hub.url, [event(1, "ERROR")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_operations(pilot, app)
        await pilot.press("enter")  # this operation's events
        await until(pilot, lambda: app.screen is app.center and app.view.operation is not None)
        await pilot.pause()
        shown = str(app.center.query_one("#filter-bar").render())
        assert "operation ]52;c;" in shown and "\x1b" not in shown


@pytest.mark.parametrize(
    "error",
    [
        {"shortDescription": 5},
        {"shortDescription": {"a": 1}},
        {"longDescription": [1, 2]},
        {"probableCause": 5},
        {"suggestedRemediation": [["nested"], "restart the adapter"]},
    ],
)
async def test_an_error_of_the_wrong_shape_is_shown_from_what_reads(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, error: dict[str, Any]
) -> None:
    """Records with it are highlighted, and the same events streamed become toasts."""
    post(hub.url, [event(n, "ERROR", summary=f"record {n}") for n in (1, 2)])
    listed = HubClient.list

    async def hostile(self: HubClient, **options: Any) -> Any:
        page = await listed(self, **options)
        for record in page.items:
            record["event"]["data"] = {"error": error}
        return page

    monkeypatch.setattr(HubClient, "list", hostile)
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("j")
        await until(pilot, lambda: "io.meshery.test" in detail_text(app))
        if "restart the adapter" in str(error):
            assert "restart the adapter" in detail_text(app)
        assert app.is_running


async def test_a_history_of_any_size_and_types_is_shown_newest_first_part(
    hub: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(hub.url, [event(1, "ERROR"), event(2, "ERROR")])
    fetched = HubClient.get

    async def hostile(self: HubClient, ref: str) -> Any:
        record = await fetched(self, ref)
        target = {"source": record["event"]["source"], "id": record["event"]["id"]}

        def change(n: int, actor: Any) -> dict[str, Any]:
            data = {"target": target, "actor": actor, "comment": f"seen {n}"}
            kind = f"io.meshery.notification.{Verb.READ.value}"
            return {
                "specversion": "1.0",
                "id": f"h{n}",
                "source": "hub",
                "type": kind,
                "time": {"odd": n} if n == 0 else "2026-01-01T00:00:00Z",
                "data": data,
            }

        record["history"] = [change(0, ["evil"]), *(change(n, "alice") for n in range(1, 5001))]
        return record

    monkeypatch.setattr(HubClient, "get", hostile)
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "History (the newest 50 of 1,000)" in detail_text(app))
        await pilot.press("j", "k")
        await pilot.pause()
        assert "seen 5000" in detail_text(app) and "seen 4950" not in detail_text(app)
        assert app.is_running


def test_negative_counts_are_shown_as_none() -> None:
    """The bucket strip and the header's `loading backlog N%` read these while it loads."""
    summary: Any = {"buckets": {"errors": {"total": -7, "unacknowledged": -3, "silenced": -1}}}
    assert counts_of(summary) == {Bucket.ERRORS: BucketCount(0, 0, 0)}


async def test_a_pop_up_toast_carries_no_terminal_command(hub: Any, tmp_path: Any) -> None:
    """A server's name, an error code or a silence's id from the hub reach toasts."""
    settings = TuiSettings(policy=PolicySettings(toasts=True))
    app = make_app(hub.url, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
        app.notify(f"now on {OSC52} [@click=app.quit]", title=f"switched {OSC52}")
        await pilot.pause()
        shown = [f"{toast.title} {toast.message}" for toast in app._notifications]
        assert shown and all("\x1b" not in text for text in shown), shown
        assert "[@click=app.quit]" in shown[-1] and app.is_running


def test_a_failing_subscription_whose_sink_is_no_url_is_named_as_it_came() -> None:
    """The sources watch reads it every few seconds: it stopped for good on a bad URL."""
    failing = {"status": "failing", "sink": "http://[::1", "delivery": {"last_error": None}}
    assert failing_subscriptions_text([failing]) == "⚠ subscription http://[::1 failing"
