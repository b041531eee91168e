"""The operator's day on the command line: habits from kubectl, `run` on a terminal, the demo,
and a config file that costs a command nothing once it has been checked."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import httpx

from notifycenter.config import config_path
from tests.hubprocess import Hub

VALID = '[contexts.lab]\nserver = "http://lab.example:9181/"\n\n[tui]\ntheme = "textual-dark"\n'
PYDANTIC_LOADED = (
    "import sys; from notifycenter.config import load_config; c = load_config(); "
    "print(c.contexts['lab'].server, 'pydantic' in sys.modules)"
)


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_checked_config_file_is_read_without_the_schema_and_a_changed_one_is_checked() -> None:
    write_config(VALID)
    first, second = python(PYDANTIC_LOADED), python(PYDANTIC_LOADED)
    assert first.stdout.split() == ["http://lab.example:9181", "True"], first.stderr
    assert second.stdout.split() == ["http://lab.example:9181", "False"], second.stderr
    # The same file with a misspelt key: validated again, and refused as before.
    write_config(VALID.replace("theme", "theem"))
    refused = python(PYDANTIC_LOADED)
    assert refused.returncode == 1 and "notifycenter-1500" in refused.stderr
    assert "did you mean 'theme'" in refused.stderr


def test_the_remembered_checks_hold_no_token() -> None:
    write_config(VALID.replace('/"\n', '/"\ntoken = "s3cret-token-value"\n', 1))
    assert python(PYDANTIC_LOADED).returncode == 0
    data = Path(os.environ["NOTIFYCENTER_DATA_DIR"])
    remembered = "".join(p.read_text() for p in data.rglob("*") if p.is_file())
    assert remembered and "s3cret" not in remembered


# -- run on a terminal -----------------------------------------------------------------

CHILD_SEES = (
    "import os, sys; print('tty', sys.stdout.isatty(), sys.stderr.isatty(), "
    "os.get_terminal_size().columns); sys.exit(4)"
)


def in_terminal(args: list[str], columns: int = 97, timeout: float = 60) -> tuple[int, str]:
    """Run `args` with stdout and stderr on a fresh pty of `columns`; its exit status and output."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
    os.close(secondary)
    output, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    return returncode, output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_run_on_a_terminal_gives_the_command_a_terminal_and_names_the_operation(hub: Hub) -> None:
    returncode, output = in_terminal(
        [sys.executable, "-m", "notifycenter", "--server", hub.url, "run", "--name", "Deploy"]
        + ["--", sys.executable, "-c", CHILD_SEES]
    )
    assert returncode == 4, output
    assert "tty True True 97" in output  # kubectl and helm keep colour and progress bars
    [op] = httpx.get(f"{hub.url}/api/operations", timeout=10).json()["items"]
    assert f"operation {op['id']}" in output and f"notifycenter ops watch {op['id']}" in output
    assert (op["name"], op["state"]) == ("Deploy", "failed")
    events = httpx.get(f"{hub.url}/api/operations/{op['id']}", timeout=10).json()["events"]
    assert "tty True True 97" in events[-1]["data"]["details"]  # the tail is still kept


def test_run_into_a_pipe_gives_the_command_pipes(hub: Hub) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "notifycenter", "--server", hub.url, "run"]
        + ["--", sys.executable, "-c", CHILD_SEES.replace(", os.get_terminal_size().columns", "")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4 and done.stdout.strip() == "tty False False"
    assert "notifycenter run: operation " in done.stderr
