"""The demo's temporary folder: removed when the demo ends, and swept when a demo was killed.

A folder holds the embedded hub's database and the TUI's state for one demo. It is
removed on every way out Python sees (return, exception, Ctrl-C, SIGTERM). A demo killed
outright (`kill -9`, a closed SSH session) cannot clean up, so each folder records its
owner's pid and the next demo removes the folders of owners that are gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PREFIX = "notifycenter-demo-"
OWNER = "owner.pid"


@contextlib.contextmanager
def demo_folder(root: Path | None = None) -> Iterator[Path]:
    """A fresh folder under the temporary folder, gone when the block is left."""
    sweep_abandoned(root)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    (folder / OWNER).write_text(str(os.getpid()), encoding="ascii")
    try:
        with _terminate_as_exit():
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_abandoned(root: Path | None = None) -> list[Path]:
    """Remove the demo folders whose owner process no longer runs; return them."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            pid = int((folder / OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # not ours to judge: no owner recorded (yet)
        if not _running(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process: its folder is not ours to remove
    return True


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C does, so the `finally` above runs."""

    def leave(sig: int, _frame: Any) -> None:
        raise SystemExit(128 + sig)

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.signal(sig, leave)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
