"""The environment every test starts from, whatever the shell that runs the suite."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

# Read by Rich, click, Textual, httpx or the CLI: a value in the developer's shell would
# change what a test sees (COLUMNS=80 cuts tables, NO_COLOR drops styles, a proxy
# intercepts 127.0.0.1, TRACEPARENT nests every operation).
CLEARED_VARIABLES = (
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLORTERM",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "TRACEPARENT",
    "TRACESTATE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
CLEARED_PREFIXES = ("NOTIFYCENTER_", "TEXTUAL_")
KEPT_PREFIXES = ("TEXTUAL_SNAPSHOT_",)  # set by pytest-textual-snapshot for its session


def fix_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """No user config or data, no terminal size, colour, proxy or tracing variables, UTC.

    `home` becomes HOME and holds the XDG folders, the config file and the data dir.
    Textual reads some variables once at import, so a shell's TEXTUAL_* values still need
    unsetting before the run; the ones it reads later are cleared here.
    """
    for name in list(os.environ):
        if name.startswith(KEPT_PREFIXES):
            continue
        if name in CLEARED_VARIABLES or name.startswith(CLEARED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NOTIFYCENTER_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("NOTIFYCENTER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


MEMORY_ROOT = Path("/dev/shm")
MEMORY_ROOT_NEEDED = 1 << 30  # bytes free before the suite's temporary files go there


def memory_temp_root(basetemp: str | None) -> Path | None:
    """Where pytest's temporary directories go when memory is at hand: tmpfs, not disk.

    Hubs in tests fsync every accepted event, and on a disk each fsync costs milliseconds
    that a hub-heavy test pays dozens of times. A kill -9 loses nothing from the page cache,
    so what the tests prove holds on tmpfs too. None when the run chose its own place.
    """
    if basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT") or not memory_has_room():
        return None
    return MEMORY_ROOT


def memory_has_room() -> bool:
    return (
        MEMORY_ROOT.is_dir()
        and os.access(MEMORY_ROOT, os.W_OK)
        and shutil.disk_usage(MEMORY_ROOT).free >= MEMORY_ROOT_NEEDED
    )
