"""`notifycenter ops list` and `ops watch`: what scripts and operators get in a terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifycenter.client.emitter import Emitter
from notifycenter.model.errors import NotifyError
from tests.clirun import Ran
from tests.clirun import notifycenter as run_cli
from tests.hubprocess import Hub, post_batch

JSON_KEYS = {
    "id",
    "name",
    "state",
    "progress",
    "done",
    "total",
    "parent",
    "source",
    "started_at",
    "ended_at",
}


@pytest.fixture
def emitter(hub: Hub, tmp_path: Path) -> Iterator[Emitter]:
    emitter = Emitter(hub.url, source="urn:meshery:server:local", data_dir=tmp_path)
    yield emitter
    emitter.close()


def notifycenter(hub: Hub, *args: str) -> Ran:
    return run_cli("--server", hub.url, *args)


def start_watch(hub: Hub, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "notifycenter", "--server", hub.url, "ops", "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def test_list_as_json_has_the_documented_keys(hub: Hub, emitter: Emitter) -> None:
    with emitter.operation("Deploy design") as root:
        done = root.child("Install CRDs", total=2)
        done.progress(1)
        done.succeed()
        running = root.child("Provision Istio").start()
        assert emitter.flush(10)
        result = notifycenter(hub, "-o", "json", "ops", "list")
        items = json.loads(result.stdout)
        assert all(set(item) == JSON_KEYS for item in items)
        assert [item["name"] for item in items][:2] == [
            "Provision Istio",
            "Deploy design",
        ]  # running first
        by_name = {item["name"]: item for item in items}
        assert by_name["Install CRDs"] | {"started_at": None, "ended_at": None} == {
            "id": done.id,
            "name": "Install CRDs",
            "state": "succeeded",
            "progress": 1.0,
            "done": 2,
            "total": 2,
            "parent": root.id,
            "source": "urn:meshery:server:local",
            "started_at": None,
            "ended_at": None,
        }
        running_only = json.loads(
            notifycenter(hub, "-o", "json", "ops", "list", "--state", "running").stdout
        )
        assert {item["id"] for item in running_only} == {root.id, running.id}
        filtered = json.loads(
            notifycenter(
                hub,
                "-o",
                "json",
                "ops",
                "list",
                "--filter",
                "name LIKE '%Istio%' AND state = 'running'",
            ).stdout
        )
        assert [item["id"] for item in filtered] == [running.id]
        table = notifycenter(hub, "ops", "list", "--root").stdout
        assert "Deploy design" in table and "Install CRDs" not in table and "running" in table
        running.succeed()


def test_watch_exits_0_when_the_operation_succeeds(hub: Hub, emitter: Emitter) -> None:
    op = emitter.operation("Provision Istio", total=2).start()
    assert emitter.flush(10)
    watch = start_watch(hub, op.id, "--timeout", "60")
    child = op.child("Install CRDs").start()
    op.progress(1)
    child.succeed()
    op.succeed()
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    assert "Provision Istio" in out and "Install CRDs" in out
    assert out.strip().split("\n\n")[-1].splitlines()[0].count("succeeded") == 1


@pytest.mark.parametrize("ending", ["fail", "cancel"])
def test_watch_exits_1_when_the_operation_fails_or_is_cancelled(
    hub: Hub, emitter: Emitter, ending: str
) -> None:
    op = emitter.operation("Import model").start()
    assert emitter.flush(10)
    watch = start_watch(hub, op.id)
    if ending == "fail":
        op.fail(
            NotifyError(
                code="meshery-model-1001",
                short_description=["bad model"],
                suggested_remediation=["Fix the YAML indentation"],
            ),
            message="exited with status 3",
            details="line 1\nyaml: line 7: mapping values are not allowed",
        )
    else:
        op.cancel("operator asked")
    _out, err = watch.communicate(timeout=60)
    assert watch.returncode == 1
    if ending == "fail":
        assert "meshery-model-1001" in err and "remediation 1: Fix the YAML indentation" in err
        assert "Import model failed: exited with status 3" in err
        assert "details:" in err and "    yaml: line 7: mapping values are not allowed" in err


def test_watch_gives_up_after_the_timeout(hub: Hub, emitter: Emitter) -> None:
    op = emitter.operation("Never ends").start()
    assert emitter.flush(10)
    result = notifycenter(hub, "ops", "watch", op.id, "--timeout", "1")
    assert result.returncode == 124
    assert "notifycenter-1605" in result.stderr and "Never ends" in result.stdout


def test_watch_of_an_unknown_operation_is_an_error(hub: Hub) -> None:
    result = notifycenter(hub, "ops", "watch", "ffffffffffffffff")
    assert result.returncode == 1 and "notifycenter-1603" in result.stderr


def test_watch_rides_out_a_hub_restart(hub: Hub, emitter: Emitter) -> None:
    op = emitter.operation("Survives restarts").start()
    assert emitter.flush(10)
    watch = start_watch(hub, op.id, "--timeout", "60")
    assert "Survives restarts" in watch.stdout.readline()  # it is watching
    hub.restart()
    op.succeed()
    assert emitter.drain(30)
    _out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def op_event(state: str, span: str, name: str, second: int, parent: str | None = None) -> dict:
    """An operation event at a known time, so that the start order is certain."""
    return {
        "specversion": "1.0",
        "id": f"{span}-{state}",
        "source": "urn:meshery:server:local",
        "type": f"io.meshery.operation.{state}",
        "time": f"2026-11-28T09:00:0{second}.000Z",
        "traceparent": f"00-{TRACE}-{span}-01",
        "category": "operation",
        "data": {"operation": {"id": span, "parent": parent, "name": name}},
    }


def test_list_shows_trees_whole_ids_and_uncut_columns_when_piped(hub: Hub) -> None:
    root, first, second = "00000000000000a1", "00000000000000b2", "00000000000000c3"
    name = "Deploy the bookinfo design to the production cluster in eu-west with every add-on"
    post_batch(
        hub.url,
        [
            op_event("started", root, name, 0),
            op_event("started", first, "Install CRDs", 1, root),
            op_event("succeeded", first, "Install CRDs", 2, root),
            op_event("started", second, "Provision Istio", 3, root),
        ],
    )
    lines = notifycenter(hub, "ops", "list").stdout.splitlines()
    ids = [re.search(r"\b[0-9a-f]{16}\b", line).group() for line in lines[1:]]
    assert ids == [root, first, second]  # children under their parent, in the order they started
    rows = dict(zip(ids, lines[1:], strict=False))
    assert "√ succeeded" in rows[first] and rows[root].endswith(
        f"urn:meshery:server:local  {name}"
    )  # uncut
    assert rows[first].endswith("urn:meshery:server:local    Install CRDs")  # indented
    roots = json.loads(notifycenter(hub, "ops", "list", "--root", "-o", "json").stdout)
    assert [item["id"] for item in roots] == [root]


def test_watch_json_prints_the_final_tree(hub: Hub, emitter: Emitter) -> None:
    op = emitter.operation("Quick job").start()
    op.succeed()
    assert emitter.flush(10)
    result = notifycenter(hub, "ops", "watch", op.id, "-o", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["state"] == "succeeded"
