"""The operator's day on the command line: habits from kubectl, `run` on a terminal, the demo,
and a config file that costs a command nothing once it has been checked."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml  # type: ignore[import-untyped]

from notifycenter.config import config_path
from notifycenter.demo.workdir import OWNER, PREFIX, demo_folder
from tests import httpclient
from tests.clirun import notifycenter
from tests.conftest import HubFactory
from tests.hubprocess import Hub, free_port, make_event, post_batch
from tests.waiting import wait_until

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

NOTIFYCENTER = (sys.executable, "-m", "notifycenter")
CHILD = (sys.executable, "-c")
COLUMNS = ", os.get_terminal_size().columns"
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
        [*NOTIFYCENTER, "--server", hub.url, "run", "--name", "Deploy", "--", *CHILD, CHILD_SEES]
    )
    assert returncode == 4, output
    assert "tty True True 97" in output  # kubectl and helm keep colour and progress bars
    [op] = httpclient.get(f"{hub.url}/api/operations", timeout=10).json()["items"]
    assert f"operation {op['id']}" in output and f"notifycenter ops watch {op['id']}" in output
    assert (op["name"], op["state"]) == ("Deploy", "failed")
    events = httpclient.get(f"{hub.url}/api/operations/{op['id']}", timeout=10).json()["events"]
    assert "tty True True 97" in events[-1]["data"]["details"]  # the tail is still kept


def test_run_into_a_pipe_gives_the_command_pipes(hub: Hub) -> None:
    done = subprocess.run(
        [*NOTIFYCENTER, "--server", hub.url, "run", "--", *CHILD, CHILD_SEES.replace(COLUMNS, "")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4 and done.stdout.strip() == "tty False False"
    assert "notifycenter run: operation " in done.stderr


# -- demo ------------------------------------------------------------------------------


def test_demo_without_tui_fails_against_a_dead_hub() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = notifycenter("demo", "--no-tui", "--server", dead, "--count", "5", "--rate", "1000")
    assert result.returncode == 1
    assert "notifycenter-1207" in result.stderr and "Sent" not in result.stderr


def test_demo_count_sends_exactly_that_many(hub: Hub) -> None:
    result = notifycenter(
        "demo", "--no-tui", "--server", hub.url, "--count", "10", "--rate", "1000", "--seed", "1"
    )
    assert result.returncode == 0, result.stderr
    assert "Sent 10 simulated events." in result.stderr
    summary = httpclient.get(hub.url + "/api/summary", timeout=10).json()
    assert sum(bucket["total"] for bucket in summary["buckets"].values()) == 10


def test_a_demo_folder_whose_owner_is_gone_is_swept(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    abandoned = tmp_path / f"{PREFIX}abandoned"
    (abandoned / "hub").mkdir(parents=True)
    (abandoned / OWNER).write_text(gone.stdout.strip())
    with demo_folder(tmp_path) as live:
        assert not abandoned.exists() and live.is_dir()
    assert not live.exists()


def test_ctrl_c_on_the_demo_leaves_no_folder_behind(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # A demo that does not stop dumps its threads' stacks on SIGABRT (faulthandler).
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONFAULTHANDLER": "1"}
    process = subprocess.Popen(
        [*NOTIFYCENTER, "demo", "--rate", "50"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        start_new_session=True,
    )
    os.close(secondary)
    screen: list[bytes] = []
    reader = threading.Thread(target=drain, args=(primary, screen), daemon=True)
    reader.start()
    try:
        wait_until(lambda: list(tmp_path.glob(f"{PREFIX}*/hub/*")), what="the demo's hub")
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            process.wait(timeout=10)
            reader.join(5)
            stacks = b"".join(screen).decode(errors="replace")[-6000:]
            pytest.fail(f"the demo did not stop on Ctrl-C; its stacks:\n{stacks}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert list(tmp_path.glob(f"{PREFIX}*")) == []


def drain(fd: int, into: list[bytes] | None = None) -> None:
    """Read the terminal until it closes, so the app never blocks on a full pty."""
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            if into is not None:
                into.append(chunk)
    with contextlib.suppress(OSError):
        os.close(fd)


# -- kubectl habits: options after the command, contexts, completion -------------------


def test_context_server_and_token_are_accepted_after_the_command(hub_factory: HubFactory) -> None:
    hub = hub_factory(tokens={"viewer-secret-1": ("vera", "viewer")})
    notifycenter("config", "set-context", "lab", "--server", "http://lab.example:9")
    notifycenter("config", "set-context", "prod", "--server", hub.url)
    listed = notifycenter("events", "list", "--context", "prod", "--token", "viewer-secret-1")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "No events."
    # After the command wins over before it, as the last word typed.
    later = notifycenter(
        "--server", "http://lab.example:9", "events", "list", "--server", hub.url,
        "--token", "viewer-secret-1",
    )  # fmt: skip
    assert later.returncode == 0 and later.stdout.strip() == "No events.", later.stderr
    shown = notifycenter("config", "view", "--context", "prod", "-o", "json")
    assert json.loads(shown.stdout)["target"]["server"] == hub.url


def test_get_current_and_delete_contexts() -> None:
    assert notifycenter("config", "get-contexts").stdout.startswith("No contexts")
    none = notifycenter("config", "current-context")
    assert none.returncode == 1 and "notifycenter-1801" in none.stderr
    notifycenter("config", "set-context", "lab", "--server", "http://lab.example:9181")
    notifycenter("config", "set-context", "prod", "--server", "https://prod.example:9181")
    table = notifycenter("config", "get-contexts").stdout.splitlines()
    assert table[0].split() == ["CURRENT", "NAME", "SERVER", "AUTH"]
    assert table[1].split() == ["*", "lab", "http://lab.example:9181", "none"]
    assert notifycenter("config", "current-context").stdout == "lab\n"
    deleted = notifycenter("config", "delete-context", "lab")
    assert deleted.returncode == 0 and "was the current context" in deleted.stderr
    assert notifycenter("config", "current-context").returncode == 1
    listing = json.loads(notifycenter("config", "get-contexts", "-o", "json").stdout)
    assert [(c["name"], c["current"]) for c in listing] == [("prod", False)]
    missing = notifycenter("config", "delete-context", "prod2")
    assert missing.returncode == 1 and "did you mean 'prod'" in missing.stderr


def test_shell_completion_completes_context_names() -> None:
    notifycenter("config", "set-context", "prod", "--server", "https://prod.example:9181")
    notifycenter("config", "set-context", "perf", "--server", "https://perf.example:9181")
    notifycenter("config", "set-context", "lab", "--server", "http://lab.example:9181")
    for words in (
        "notifycenter --context p",
        "notifycenter events list --context p",
        "notifycenter config use-context p",
        "notifycenter config delete-context p",
    ):
        done = subprocess.run(
            [*NOTIFYCENTER],
            env={
                **os.environ,
                "_NOTIFYCENTER_COMPLETE": "bash_complete",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            },
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.stdout.split() == ["plain,perf", "plain,prod"], (words, done.stderr)


# -- events list: the cursor to copy, -o wide, -o yaml ---------------------------------


def seed_errors(hub: Hub) -> None:
    events = [
        make_event(
            n, subject=f"mesh/{n}", data={"summary": f"Istio #{n}", "error": {"code": "c-9"}}
        )
        for n in (1, 2)
    ]
    assert post_batch(hub.url, events).is_success


def test_the_cursor_events_list_shows_is_the_ref_that_acknowledges(hub: Hub) -> None:
    seed_errors(hub)
    listed = notifycenter("--server", hub.url, "events", "list", "--search", "Istio #1")
    header, row = listed.stdout.splitlines()
    assert header.split()[0] == "CURSOR"
    cursor = row.split()[0]
    acked = notifycenter("--server", hub.url, "events", "ack", cursor, "--comment", "on it")
    assert acked.returncode == 0 and "acknowledged 1 notification" in acked.stdout
    shown = notifycenter("--server", hub.url, "events", "show", cursor)
    assert "Istio #1" in shown.stdout and "on it" in shown.stdout


def test_wide_adds_id_subject_and_code(hub: Hub) -> None:
    seed_errors(hub)
    wide = notifycenter("--server", hub.url, "events", "list", "-o", "wide")
    assert wide.returncode == 0, wide.stderr
    header, *rows = wide.stdout.splitlines()
    assert header.split()[:1] + header.split()[-4:] == [
        "CURSOR",
        "ID",
        "SUBJECT",
        "CODE",
        "SUMMARY",
    ]
    assert rows[0].split()[-5:] == ["evt-2", "mesh/2", "c-9", "Istio", "#2"]


def test_yaml_holds_the_same_records_as_json_and_escapes_what_a_terminal_acts_on(
    hub: Hub,
) -> None:
    hostile = make_event("h", data={"summary": "caf\u00e9 \u202e\x1b[31mred"})
    assert post_batch(hub.url, [hostile]).is_success
    as_yaml = notifycenter("--server", hub.url, "events", "list", "-o", "yaml")
    as_json = notifycenter("--server", hub.url, "-o", "json", "events", "list")
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert yaml.safe_load(as_yaml.stdout) == json.loads(as_json.stdout)
    assert "\x1b" not in as_yaml.stdout and "\u202e" not in as_yaml.stdout
    shown = notifycenter("--server", hub.url, "events", "show", "1", "-o", "yaml")
    assert yaml.safe_load(shown.stdout)["event"]["data"]["summary"].startswith("caf\u00e9")


def test_demo_never_sends_a_contexts_token_to_another_hub(hub_factory: HubFactory) -> None:
    hub = hub_factory(tokens={"context-token-1": ("pat", "producer")})
    write_config(
        'current-context = "prod"\n[contexts.prod]\nserver = "https://prod.example:9181"\n'
        'token = "context-token-1"\n'
    )
    sent = notifycenter("demo", "--no-tui", "--server", hub.url, "--count", "3", "--rate", "1000")
    assert sent.returncode == 1 and "Sent" not in sent.stderr, sent.stderr
    assert "notifycenter-1800" in sent.stderr  # refused without a token: not delivered


# -- serve -----------------------------------------------------------------------------


def test_ctrl_c_stops_serve_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*NOTIFYCENTER, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), what="the hub")
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground group
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0 and "Aborted" not in output, output
    assert output.rstrip().endswith("notifycenter hub stopped")


def answers(url: str) -> bool:
    try:
        return httpclient.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
