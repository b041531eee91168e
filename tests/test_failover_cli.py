"""The command line with several servers: a context keeps the list, `--server` is given
once per server, and when every server fails the error lists each one."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from tests.clirun import notifycenter
from tests.hubprocess import free_port, make_event, post_batch


def _dead() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_a_command_uses_the_live_server_when_the_first_is_dead(hub: Any) -> None:
    assert post_batch(hub.url, [make_event("x")]).status_code == 202
    ran = notifycenter("--server", _dead(), "--server", hub.url, "events", "list", "-o", "json")
    assert ran.returncode == 0, ran.stderr
    assert [record["event"]["id"] for record in json.loads(ran.stdout)] == ["evt-x"]
    after = notifycenter("events", "list", "-o", "json", "--server", _dead(), "--server", hub.url)
    assert after.returncode == 0, after.stderr  # after the command too, as kubectl takes it


def test_a_context_keeps_its_servers_and_get_contexts_shows_them(hub: Any) -> None:
    dead = _dead()
    made = notifycenter("config", "set-context", "prod", "--server", dead, "--server", hub.url)
    assert made.returncode == 0, made.stderr
    written = tomllib.loads(Path(os.environ["NOTIFYCENTER_CONFIG"]).read_text())
    assert written["contexts"]["prod"]["server"] == [dead, hub.url]
    table = notifycenter("config", "get-contexts")
    assert f"{dead},{hub.url}" in table.stdout
    listed = json.loads(notifycenter("config", "get-contexts", "-o", "json").stdout)
    assert listed[0]["servers"] == [dead, hub.url] and listed[0]["server"] == dead
    assert notifycenter("events", "list").returncode == 0  # the context fails over too


def test_a_single_server_context_stays_a_string() -> None:
    made = notifycenter("config", "set-context", "one", "--server", "http://a.example:9181/")
    assert made.returncode == 0, made.stderr
    written = tomllib.loads(Path(os.environ["NOTIFYCENTER_CONFIG"]).read_text())
    assert written["contexts"]["one"]["server"] == "http://a.example:9181"


def test_the_same_server_twice_is_refused_with_its_code() -> None:
    ran = notifycenter(
        "config", "set-context", "x", "--server", "http://a:80", "--server", "http://A/"
    )
    assert ran.returncode == 1
    assert (
        "notifycenter-2101" in ran.stderr and not Path(os.environ["NOTIFYCENTER_CONFIG"]).exists()
    )


def test_when_every_server_fails_the_error_lists_each_server_and_its_failure() -> None:
    first, second = _dead(), _dead()
    ran = notifycenter("--server", first, "--server", second, "events", "list")
    assert ran.returncode == 1
    assert "Error notifycenter-2100: None of the hub's servers answered" in ran.stderr
    lines = ran.stderr.splitlines()
    assert any(line.strip().startswith(f"{first}: ") for line in lines)
    assert any(line.strip().startswith(f"{second}: ") for line in lines)


def test_config_view_says_which_servers_this_shell_uses(hub: Any) -> None:
    dead = _dead()
    notifycenter("config", "set-context", "prod", "--server", dead, "--server", hub.url)
    view = notifycenter("config", "view")
    assert f"using: {dead}, {hub.url} (from context prod)" in view.stdout
    target = json.loads(notifycenter("config", "view", "-o", "json").stdout)["target"]
    assert target["servers"] == [dead, hub.url] and target["server"] == dead


def test_the_contexts_token_goes_to_its_servers_only(monkeypatch: Any) -> None:
    from notifycenter.config import resolve_target

    a, b = "http://a.example:9181", "http://b.example:9181"
    notifycenter("config", "set-context", "prod", "--server", a, "--server", b)
    config = Path(os.environ["NOTIFYCENTER_CONFIG"])
    config.write_text(config.read_text() + 'token = "prod-secret"\n')
    assert resolve_target().token == "prod-secret"
    assert resolve_target(server=[b]).token == "prod-secret"  # one of the context's servers
    assert resolve_target(server=[b, "http://elsewhere:1"]).token is None
    monkeypatch.setenv("NOTIFYCENTER_SERVER", f"{b}, {a}")
    from_env = resolve_target()
    assert from_env.servers == (b, a) and from_env.source == "env"
