"""The hub's operation projection and queries, on a real SQLite log (no HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifycenter.hub.operations import (
    OperationQuery,
    OperationsProjection,
    list_operations,
    operation_tree,
)
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.errors import NotifyError
from notifycenter.model.operations import Phase
from tests.test_operations_model import (
    CHILD_A,
    CHILD_B,
    GRANDCHILD,
    ROOT,
    T0,
    op_event,
    plain_event,
)

STALL = timedelta(minutes=10)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SqliteLog]:
    log = SqliteLog(tmp_path / "hub.sqlite3", projections=[EventIndex(), OperationsProjection()])
    await log.open()
    yield log
    await log.close()


async def listing(log: SqliteLog, at: float = 1, **params: str) -> list[dict[str, Any]]:
    now = T0 + timedelta(seconds=at)
    query = OperationQuery.parse(params, now)
    return (await log.read(lambda conn: list_operations(conn, query, now, STALL)))["items"]


async def test_list_orders_active_first_and_filters(log: SqliteLog) -> None:
    await log.append(
        [
            op_event(Phase.STARTED, ROOT, name="Deploy", total=2),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT, name="CRDs", at=1),
            op_event(Phase.SUCCEEDED, CHILD_A, parent=ROOT, at=2),
        ]
    )
    await log.append([op_event(Phase.STARTED, CHILD_B, parent=ROOT, name="Mesh", at=3)])
    items = await listing(log, at=4)
    assert [i["name"] for i in items] == ["Mesh", "Deploy", "CRDs"]
    assert [i["name"] for i in await listing(log, at=4, root="1")] == ["Deploy"]
    assert [i["name"] for i in await listing(log, at=4, state="succeeded")] == ["CRDs"]
    assert [i["name"] for i in await listing(log, at=4, filter="name LIKE 'M%'")] == ["Mesh"]
    assert len(await listing(log, at=4, limit="1")) == 1


async def test_state_filter_applies_the_stall_rule_at_query_time(log: SqliteLog) -> None:
    await log.append([op_event(Phase.STARTED, ROOT, name="Deploy")])
    assert [i["state"] for i in await listing(log, at=599, state="running")] == ["running"]
    assert await listing(log, at=601, state="running") == []
    assert [i["state"] for i in await listing(log, at=601, state="stalled")] == ["stalled"]


async def test_since_cursor_lists_only_what_changed(log: SqliteLog) -> None:
    first = await log.append(
        [op_event(Phase.STARTED, ROOT), op_event(Phase.STARTED, CHILD_A, parent=ROOT)]
    )
    await log.append([op_event(Phase.PROGRESS, CHILD_A, parent=ROOT, done=1, at=1)])
    changed = await listing(log, since=first.cursors[-1])
    assert {i["id"] for i in changed} == {CHILD_A, ROOT}  # news of a child is news of its parent


async def test_tree_has_children_events_and_path(log: SqliteLog) -> None:
    await log.append(
        [
            op_event(Phase.STARTED, ROOT, name="Deploy"),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT, name="CRDs"),
            op_event(Phase.STARTED, GRANDCHILD, parent=CHILD_A, name="apply"),
            plain_event(GRANDCHILD, 1, "applied crd 1"),
        ]
    )
    now = T0 + timedelta(seconds=2)
    tree = await log.read(lambda conn: operation_tree(conn, ROOT, now, STALL))
    grandchild = tree["children"][0]["children"][0]
    assert grandchild["name"] == "apply"
    assert [e["data"]["summary"] for e in grandchild["events"]] == [
        "apply started",
        "applied crd 1",
    ]
    sub = await log.read(lambda conn: operation_tree(conn, GRANDCHILD, now, STALL))
    assert [p["name"] for p in sub["path"]] == ["Deploy", "CRDs"]


async def test_unknown_operation_is_a_catalogued_404(log: SqliteLog) -> None:
    with pytest.raises(NotifyError) as caught:
        await log.read(lambda conn: operation_tree(conn, "ffffffffffffffff", T0, STALL))
    assert caught.value.http_status == 404 and caught.value.code == "notifycenter-1603"


def test_bad_query_parameters_are_catalogued_errors() -> None:
    now = datetime.now(UTC)
    for params in ({"state": "exploded"}, {"limit": "0"}, {"since": "yesterday-ish"}):
        with pytest.raises(NotifyError) as caught:
            OperationQuery.parse(params, now)
        assert caught.value.code == "notifycenter-1604"
    assert OperationQuery.parse({"since": "2h"}, now).since_time == pytest.approx(
        (now - timedelta(hours=2)).timestamp()
    )


async def test_projection_rebuilds_from_the_log(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    log = SqliteLog(path, projections=[EventIndex()])
    await log.open()
    await log.append(
        [
            op_event(Phase.STARTED, ROOT, name="Deploy", total=4),
            op_event(Phase.PROGRESS, ROOT, done=3, at=1),
        ]
    )
    await log.close()
    log = SqliteLog(path, projections=[EventIndex(), OperationsProjection()])
    await log.open()
    try:
        [item] = await listing(log, at=2)
        assert (item["name"], item["done"], item["total"]) == ("Deploy", 3, 4)
    finally:
        await log.close()


async def test_cesql_filter_on_derived_attributes(log: SqliteLog) -> None:
    await log.append(
        [
            op_event(Phase.STARTED, ROOT, name="Deploy", total=4),
            op_event(Phase.PROGRESS, ROOT, done=3, at=1),
            op_event(Phase.STARTED, CHILD_A, parent=ROOT, name="CRDs", total=4, at=1),
        ]
    )
    assert [i["name"] for i in await listing(log, at=2, filter="progress >= 50")] == ["Deploy"]
    assert [i["name"] for i in await listing(log, at=2, filter="parent = '" + ROOT + "'")] == [
        "CRDs"
    ]
    assert [
        i["name"] for i in await listing(log, at=700, filter="state = 'stalled' AND name = 'CRDs'")
    ] == ["CRDs"]
    assert await listing(log, at=2, filter="state = 'stalled'") == []
