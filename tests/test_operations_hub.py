"""End to end: producers in two processes drive a three-level operation; a real hub derives
its state and progress at each step; a killed producer's operation stalls."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifycenter.client import HubClient
from notifycenter.client.emitter import Emitter
from notifycenter.commands.ops import _listed as ops_listed
from notifycenter.hub import operations
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import Hub
from tests.waiting import wait_until

SERVER_SOURCE = "urn:meshery:server:local"
ADAPTER_SOURCE = "urn:meshery:adapter:istio"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


@pytest.fixture
def hub(hub_factory: HubFactory) -> Hub:
    return hub_factory(extra_args=["--stall-after", "3s"])


@pytest.fixture
def emitter(hub: Hub, tmp_path: Path) -> Iterator[Emitter]:
    emitter = Emitter(hub.url, source=SERVER_SOURCE, data_dir=tmp_path / "server")
    yield emitter
    emitter.close()


def tree(hub: Hub, op_id: str) -> dict[str, Any]:
    answer = httpclient.get(f"{hub.url}/api/operations/{op_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def listing(hub: Hub, **params: str) -> list[dict[str, Any]]:
    answer = httpclient.get(f"{hub.url}/api/operations", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_three_levels_across_two_processes(hub: Hub, emitter: Emitter, tmp_path: Path) -> None:
    with emitter.operation("Deploy design", subject="design/bookinfo") as root:
        assert emitter.flush(10)
        assert tree(hub, root.id)["state"] == "running"
        assert tree(hub, root.id)["progress"] is None  # no total, no children yet

        with root.child("Provision Istio") as mesh:
            assert emitter.flush(10)
            state = tree(hub, root.id)
            assert (state["done"], state["total"], state["progress"]) == (0, 1, 0.0)
            assert state["children"][0]["name"] == "Provision Istio"
            assert state["children"][0]["started_by"] == SERVER_SOURCE

            adapter = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    ADAPTER_SCRIPT,
                    hub.url,
                    str(tmp_path / "adapter"),
                    mesh.traceparent,
                ],
                check=False,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert adapter.returncode == 0, adapter.stderr
            crd_id = adapter.stdout.strip()

            state = tree(hub, root.id)
            mesh_view = state["children"][0]
            crds = mesh_view["children"][0]
            assert crds["id"] == crd_id and crds["name"] == "Install CRDs"
            assert crds["state"] == "succeeded"
            assert (crds["done"], crds["total"], crds["progress"]) == (3, 3, 1.0)
            assert crds["source"] == ADAPTER_SOURCE and crds["parent"] == mesh.id
            assert [e["data"]["summary"] for e in crds["events"]][-2] == "applied 3 CRDs"
            assert (mesh_view["done"], mesh_view["total"]) == (1, 1)  # its one child finished
            assert mesh_view["state"] == "running"  # but it has not said so itself
            mesh.progress(1, 1, message="control plane ready")
        assert emitter.flush(10)
        state = tree(hub, root.id)
        assert state["children"][0]["state"] == "succeeded"
        assert (state["done"], state["total"], state["state"]) == (1, 1, "running")
    assert emitter.flush(10)
    final = tree(hub, root.id)
    assert final["state"] == "succeeded" and final["progress"] == 1.0
    assert final["ended_at"] is not None and final["duration"] >= 0
    assert final["subject"] == "design/bookinfo"
    roots = listing(hub, root="1")
    assert [r["id"] for r in roots] == [root.id]
    assert {r["id"] for r in listing(hub, state="succeeded")} == {root.id, mesh.id, crd_id}


ADAPTER_SCRIPT = textwrap.dedent("""
    import sys
    from notifycenter.client.emitter import Emitter
    server, data_dir, traceparent = sys.argv[1:4]
    emitter = Emitter(server, source="urn:meshery:adapter:istio", data_dir=data_dir)
    with emitter.operation("Install CRDs", total=3, traceparent=traceparent) as op:
        for done in (1, 2, 3):
            op.progress(done)
        emitter.emit(type="io.meshery.provisioning.istio.crd", summary="applied 3 CRDs")
    assert emitter.close(10)
    print(op.id)
""")

STALLING_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from notifycenter.client.emitter import Emitter
    server, data_dir = sys.argv[1:3]
    emitter = Emitter(server, source="urn:meshery:adapter:istio", data_dir=data_dir)
    op = emitter.operation("Import model", total=10).start()
    op.progress(2)
    assert emitter.flush(10)
    print(op.id, flush=True)
    time.sleep(600)
""")


def test_a_killed_producers_operation_stalls(hub: Hub, tmp_path: Path) -> None:
    producer = subprocess.Popen(
        [sys.executable, "-c", STALLING_SCRIPT, hub.url, str(tmp_path / "p")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        op_id = producer.stdout.readline().strip()  # type: ignore[union-attr]
        assert tree(hub, op_id)["state"] == "running"
    finally:
        producer.kill()
        producer.wait()
    state = wait_until(
        lambda: (view := tree(hub, op_id))["state"] == "stalled" and view, what="the stall"
    )
    assert state["progress"] == 0.2 and state["ended_at"] is None
    assert [i["id"] for i in listing(hub, state="stalled")] == [op_id]
    assert listing(hub, state="running") == []


def test_unknown_operation_and_bad_query_are_catalogued(hub: Hub) -> None:
    missing = httpclient.get(f"{hub.url}/api/operations/ffffffffffffffff", timeout=10)
    assert missing.status_code == 404 and missing.json()["code"] == "notifycenter-1603"
    bad = httpclient.get(f"{hub.url}/api/operations", params={"state": "sleepy"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["code"] == "notifycenter-1604"
    bad_filter = httpclient.get(
        f"{hub.url}/api/operations", params={"filter": "name LIKE"}, timeout=10
    )
    assert bad_filter.status_code == 400


def test_reading_operations_needs_a_viewer_token(hub_factory: HubFactory) -> None:
    secured = hub_factory(
        tokens={"producer-secret": ("adapter", "producer"), "viewer-secret": ("alice", "viewer")}
    )
    url = f"{secured.url}/api/operations"
    assert httpclient.get(url, timeout=10).status_code == 401
    assert (
        httpclient.get(
            url, headers={"Authorization": "Bearer producer-secret"}, timeout=10
        ).status_code
        == 403
    )
    assert (
        httpclient.get(
            url, headers={"Authorization": "Bearer viewer-secret"}, timeout=10
        ).status_code
        == 200
    )


def test_a_big_tree_shares_one_answers_events_between_its_operations(
    hub: Hub, emitter: Emitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root keeps the events it asks for; every descendant gets an even share of the
    rest, so one request never answers every event of a thousand operations."""
    monkeypatch.setattr(operations, "MAX_TREE_EVENTS", 20)  # the hub runs in this process
    with emitter.operation("Deploy", total=3) as root:
        for n in range(6):
            with root.child(f"step {n}") as step:
                step.progress(1, 2)
        for done in (1, 2, 3):
            root.progress(done)
    assert emitter.flush(10)
    answer = httpclient.get(f"{hub.url}/api/operations/{root.id}", params={"events": "10"})
    whole = answer.json()
    assert len(whole["events"]) == 5 and whole["event_count"] == 5  # started, 3 progress, ended
    kids = whole["children"]
    assert len(kids) == 6 and all(len(kid["events"]) == 1 for kid in kids)  # (20 - 10) // 6
    assert all(kid["event_count"] == 3 for kid in kids)  # the count is the whole


async def test_a_filter_that_matches_rarely_stops_at_the_budget_and_says_where(
    hub: Hub, emitter: Emitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page examines what the time allows (here: as little as it can) and the next
    goes on from there; `ops list` follows them to the match."""
    for n in range(150):
        with emitter.operation(f"sync {n}", subject="needle" if n == 20 else None):
            pass
    assert emitter.flush(10)
    monkeypatch.setattr(operations, "SCAN_SECONDS", 0.0)
    params = {"filter": "UPPER(subject) = 'NEEDLE'"}  # checked in Python, not SQL
    first = httpclient.get(f"{hub.url}/api/operations", params=params).json()
    assert first["items"] == [] and first["cut_off"]["code"] == "notifycenter-2110"
    assert int(first["next"]) > 0
    async with HubClient(hub.url) as client:
        found = await ops_listed(client, params, 10)
    assert [operation["name"] for operation in found] == ["sync 20"]
