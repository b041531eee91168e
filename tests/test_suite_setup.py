"""The suite's own settings: property tests run a fifth of their examples unless asked for all,
and temporary directories live in memory when there is room."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

from tests import httpclient, hypothesis_profiles
from tests.environment import MEMORY_ROOT, memory_has_room, memory_temp_root
from tests.hubprocess import Hub, make_event, post_batch
from tests.hypothesis_profiles import examples
from tests.test_tui_helpers import event, post, record


@pytest.fixture
def restored_profile() -> Iterator[None]:
    """Loading a profile changes it for the whole worker: put back the one the run chose."""
    chosen = settings.get_current_profile_name()
    yield
    settings.load_profile(chosen)


def test_a_plain_run_takes_a_fifth_of_each_tests_examples(
    monkeypatch: pytest.MonkeyPatch, restored_profile: None
) -> None:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    hypothesis_profiles.load_profile()
    assert settings.get_current_profile_name() == "fast"
    assert settings().max_examples == 20
    assert (examples(300), examples(60), examples(12), examples(3)) == (60, 12, 5, 3)


def test_the_full_profile_runs_every_example(
    monkeypatch: pytest.MonkeyPatch, restored_profile: None
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "full")
    hypothesis_profiles.load_profile()
    assert settings().max_examples == 100
    assert (examples(300), examples(60), examples(12)) == (300, 60, 12)


@pytest.mark.skipif(not memory_has_room(), reason="no tmpfs with room on this machine")
def test_temporary_directories_are_in_memory_when_there_is_room(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    worker = getattr(pytestconfig, "workerinput", {})
    command = worker.get("mainargv", pytestconfig.invocation_params.args)
    if any(str(argument).startswith("--basetemp") for argument in command):
        pytest.skip("this run chose where its temporary directories go")
    assert tmp_path.resolve().is_relative_to(MEMORY_ROOT.resolve())


def test_a_chosen_place_for_temporary_directories_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    assert memory_temp_root("/var/tmp/mine") is None
    monkeypatch.setenv("PYTEST_DEBUG_TEMPROOT", "/var/tmp")
    assert memory_temp_root(None) is None


def test_the_helpers_requests_go_through_one_client(
    monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    """A new client per request loads the CA bundle again (~50 ms CPU per poll)."""
    shared = httpclient.client()
    assert httpclient.client() is shared
    sent: list[str] = []
    send = shared.send

    def counted(request: httpx.Request, **options: Any) -> httpx.Response:
        sent.append(request.url.path)
        return send(request, **options)

    monkeypatch.setattr(shared, "send", counted)
    accepted = post(hub.url, [event(1)])
    assert post_batch(hub.url, [make_event(2)]).status_code == 202
    assert record(hub.url, accepted["cursors"][0])["cursor"] == accepted["cursors"][0]
    assert sent == ["/api/events", "/api/events", f"/api/events/{accepted['cursors'][0]}"]


def test_a_hub_restarted_on_its_port_answers_the_shared_client(hub: Hub) -> None:
    assert httpclient.get(hub.url + "/healthz").status_code == 200
    hub.restart()
    assert httpclient.get(hub.url + "/healthz").status_code == 200
