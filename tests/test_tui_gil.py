"""The notification center runs with a 1 ms GIL switch interval (notifycenter/tui/gil.py):
Textual's input and output threads then wait at most that long for the busy event loop's
thread, not CPython's default 5 ms, for each key and each frame."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from notifycenter.commands.common import CliContext
from notifycenter.commands.tui import run_app
from notifycenter.config import Target
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.gil import SWITCH_INTERVAL, quick_thread_switches


def test_the_interval_is_short_inside_and_back_after_even_on_an_error() -> None:
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL  # else this test could not tell
    with pytest.raises(RuntimeError), quick_thread_switches():
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        raise RuntimeError
    assert sys.getswitchinterval() == before


def test_the_app_runs_with_the_short_interval(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTIFYCENTER_CONFIG", str(tmp_path / "none.toml"))
    seen: list[float] = []
    monkeypatch.setattr(NotifyCenterApp, "run", lambda self: seen.append(sys.getswitchinterval()))
    target = Target(name="t", server="http://127.0.0.1:9", token=None, source="flag")
    run_app(CliContext(), target, embedded_data_dir=None, state_dir=tmp_path)
    assert seen == [SWITCH_INTERVAL]
    assert sys.getswitchinterval() != SWITCH_INTERVAL
