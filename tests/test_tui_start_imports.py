"""The notification center's start imports only what its first screen needs.

Every import on the way from `notifycenter` to the first rows is paid before anything is
drawn; the hub's server, the emitter, the filter parser, the config schema (and pydantic)
and the stream's websockets are needed later or never. Checked in a fresh interpreter,
through `sys.modules`, so re-adding one of those imports fails here.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

# What `notifycenter tui` runs until the first rows: the CLI, the command, the app built
# from default settings, and the client that asks for the first page.
START = """
import json, sys
from notifycenter.cli import main
from notifycenter.commands.tui import command
from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.embedded import hub_answers
from notifycenter.tui.settings import parse_tui_settings

target = Target(name="t", server="http://127.0.0.1:9", token=None, source="flag")
app = NotifyCenterApp(target, settings=parse_tui_settings(None))
app.check_settings()
from notifycenter.client import HubClient
HubClient(target.servers)
print(json.dumps(sorted(sys.modules)))
"""

NOT_AT_START = [
    "notifycenter.hub",  # the hub's server: only for an embedded hub
    "uvicorn",
    "starlette",
    "notifycenter.client.emitter",  # producers only
    "notifycenter.client.spool",
    "notifycenter.client.stream",  # the stream starts after the first page
    "websockets",
    "notifycenter.model.filters",  # the CESQL parser: once a filter is typed
    "lark",
    "notifycenter.config_schema",  # only for a config file with a [tui] table
    "pydantic",  # the config schema's: answers are checked with msgspec (~0.1 s less)
    "cloudevents",
]


@pytest.fixture(scope="module")
def start_modules() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", START], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", NOT_AT_START)
def test_the_start_does_not_import(start_modules: set[str], module: str) -> None:
    loaded = sorted(m for m in start_modules if m == module or m.startswith(module + "."))
    assert loaded == [], f"imported on the way to the first rows: {loaded}"


def test_the_client_package_still_offers_every_name() -> None:
    import notifycenter.client as client

    for name in client.__all__:
        assert getattr(client, name).__name__ == name
    assert set(client.__all__) <= set(dir(client))
    with pytest.raises(AttributeError):
        _ = client.NoSuchThing


def test_the_start_imports_leave_the_collector_on_with_their_objects_frozen() -> None:
    from notifycenter.tui.startup import collector_paused

    frozen = gc.get_freeze_count()
    try:
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            made = [[n] for n in range(1000)]
            raise RuntimeError("an import failed")
        assert gc.isenabled()  # back on even when an import fails
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.enable()
        gc.unfreeze()  # this test process keeps collecting everything
