"""The suite's own support: the fixed environment and the in-process hub behave as the
tests that rely on them assume."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from notifycenter.model.errors import NotifyError
from tests import httpclient
from tests.environment import fix_environment
from tests.hubprocess import make_event, post_batch
from tests.hubthread import HubThread
from tests.waiting import wait_until


def test_a_developers_shell_does_not_reach_the_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = {
        "COLUMNS": "80",
        "LINES": "24",
        "NO_COLOR": "1",
        "TRACEPARENT": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "HTTP_PROXY": "http://proxy.invalid:3128",
        "NOTIFYCENTER_SERVER": "http://prod.example:9181",
        "NOTIFYCENTER_TOKEN": "prod-secret",
        "TEXTUAL_THEME": "nord",
        "TERM": "dumb",
    }
    for name, value in shell.items():
        monkeypatch.setenv(name, value)
    fix_environment(monkeypatch, tmp_path)
    assert not set(shell) - {"TERM"} & set(os.environ)
    assert os.environ["TERM"] == "xterm-256color"
    assert os.environ["HOME"] == str(tmp_path)
    assert Path(os.environ["NOTIFYCENTER_CONFIG"]).is_relative_to(tmp_path)


def test_the_in_process_hub_keeps_its_port_and_data_across_a_restart(tmp_path: Path) -> None:
    hub = HubThread(tmp_path / "hub").start()
    try:
        url = hub.url
        assert post_batch(hub.url, [make_event(1)]).status_code == 202
        hub.restart()
        assert hub.url == url
        listed = httpclient.get(hub.url + "/api/events", timeout=10).json()["items"]
        assert [item["event"]["id"] for item in listed] == ["evt-1"]
    finally:
        hub.stop()
    with pytest.raises(httpx.TransportError):
        httpclient.get(url + "/healthz", timeout=2)


def test_the_in_process_hub_takes_serve_options(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[token]]\ntoken = "viewer-secret"\nuser = "vera"\nrole = "viewer"\n')
    with HubThread(tmp_path / "hub", extra_args=["--token-file", str(tokens)]) as hub:
        assert httpclient.get(hub.url + "/api/events", timeout=10).status_code == 401
        allowed = httpclient.get(
            hub.url + "/api/events", headers={"authorization": "Bearer viewer-secret"}, timeout=10
        )
        assert allowed.status_code == 200


def test_a_hub_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(NotifyError, match="notifycenter-1112"):  # as `serve` would
        HubThread(tmp_path / "hub", extra_args=["--token-file", str(tmp_path / "missing")]).start()
    with HubThread(tmp_path / "first") as first:
        with pytest.raises(RuntimeError, match="notifycenter-"):
            HubThread(tmp_path / "second", port=first.port).start()


def test_wait_until_returns_the_value_or_fails_with_what_it_waited_for() -> None:
    answers = iter([None, 0, "ready"])
    assert wait_until(lambda: next(answers), timeout=5, interval=0) == "ready"
    with pytest.raises(AssertionError, match="the moon"):
        wait_until(lambda: False, timeout=0.05, what="the moon")
