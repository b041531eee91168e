"""`notifycenter events take|assign|release` and `--owner`, as two users with tokens."""

from __future__ import annotations

import json

from tests.clirun import Ran, notifycenter
from tests.conftest import HubFactory
from tests.hubprocess import Hub, make_event, post_batch

TOKENS = {
    "alice-secret": ("alice", "operator"),
    "bob-secret": ("bob", "operator"),
    "pat-secret": ("pat", "producer"),
}


def as_user(hub: Hub, token: str, *args: str) -> Ran:
    return notifycenter("--server", hub.url, "--token", token, *args)


def _hub(hub_factory: HubFactory) -> Hub:
    hub = hub_factory(tokens=TOKENS)
    events = [make_event(n) for n in range(1, 4)]
    assert post_batch(hub.url, events, Authorization="Bearer pat-secret").status_code == 202
    return hub


def test_take_assign_release_and_the_owner_column_per_user(hub_factory: HubFactory) -> None:
    hub = _hub(hub_factory)
    taken = as_user(hub, "alice-secret", "events", "take", "evt-1", "--comment", "on it")
    assert (taken.returncode, taken.stdout) == (0, "taken 1 notification\n"), taken.stderr
    assigned = as_user(hub, "alice-secret", "events", "assign", "evt-2", "--to", "bob")
    assert assigned.stdout == "assigned 1 notification to bob\n", assigned.stderr

    table = as_user(hub, "bob-secret", "events", "list").stdout.splitlines()
    header = table[0].split()
    assert header[:7] == ["CURSOR", "TIME", "SEVERITY", "STATUS", "ACKED", "BY", "OWNER"]
    owners = {line.split()[-1]: line for line in table[1:]}  # the summary ends with "#n"
    assert "alice" in owners["#1"].split() and "bob" in owners["#2"].split()
    assert "acknowledged" in owners["#2"]

    mine = json.loads(
        as_user(hub, "bob-secret", "-o", "json", "events", "list", "--owner", "me").stdout
    )
    assert [(r["event"]["id"], r["owner"]) for r in mine] == [("evt-2", "bob")]
    hers = json.loads(
        as_user(hub, "alice-secret", "-o", "json", "events", "list", "--owner", "me").stdout
    )
    assert [r["event"]["id"] for r in hers] == ["evt-1"]
    nobody = json.loads(
        as_user(hub, "bob-secret", "-o", "json", "events", "list", "--owner", "none").stdout
    )
    assert [r["event"]["id"] for r in nobody] == ["evt-3"]

    shown = as_user(hub, "bob-secret", "events", "show", "evt-2").stdout
    assert "owner:        bob" in shown
    history = shown.split("history:\n", 1)[1]
    assert "acknowledged by alice" in history and "assigned to bob by alice" in history

    released = as_user(hub, "bob-secret", "events", "release", "--owner", "me")
    assert released.stdout == "released 1 notification\n", released.stderr
    again = as_user(hub, "bob-secret", "events", "release", "evt-2")
    assert again.stdout.startswith("released 0 notifications, 1 unchanged:")
    assert "owned by nobody" in again.stdout


def test_assign_needs_to_and_until_is_for_acking_verbs_only(hub_factory: HubFactory) -> None:
    hub = _hub(hub_factory)
    missing = as_user(hub, "alice-secret", "events", "assign", "evt-1")
    assert missing.returncode == 2 and "--to" in missing.stderr
    refused = as_user(hub, "alice-secret", "events", "release", "evt-1", "--until", "2h")
    assert refused.returncode == 2 and "--until" in refused.stderr
    tail = as_user(hub, "alice-secret", "events", "tail", "--owner", "me")
    assert tail.returncode == 2  # a log has no owners
