"""`notifycenter run -- CMD`: a command as an operation, exit status passed through."""

from __future__ import annotations

import shlex
import sys
from typing import Any

from tests import httpclient
from tests.clirun import Ran, notifycenter
from tests.conftest import HubFactory
from tests.hubprocess import Hub, free_port
from tests.hubthread import HubThread

SOURCE = "urn:notifycenter:run:test"
FAILING = "import sys\nfor n in range(30): print(f'step {n}')\nprint('fatal: disk full', file=sys.stderr)\nsys.exit(3)"


def notifycenter_run(server: str, *args: str) -> Ran:
    return notifycenter("--server", server, "run", "--source", SOURCE, *args)


def operations(hub: Hub, **params: str) -> list[dict[str, Any]]:
    return httpclient.get(f"{hub.url}/api/operations", params=params, timeout=10).json()["items"]


def ending_event(hub: Hub, op_id: str) -> dict[str, Any]:
    events = httpclient.get(f"{hub.url}/api/operations/{op_id}", timeout=10).json()["events"]
    return events[-1]


def test_a_failing_command_fails_the_operation_with_its_output_tail(hub: Hub) -> None:
    result = notifycenter_run(
        hub.url, "--name", "Nightly backup", "--tail", "5", "--", sys.executable, "-c", FAILING
    )
    assert result.returncode == 3
    assert "step 29" in result.stdout and "fatal: disk full" in result.stderr  # passed through
    [op] = operations(hub)
    assert (op["name"], op["state"], op["source"]) == ("Nightly backup", "failed", SOURCE)
    failed = ending_event(hub, op["id"])
    assert failed["type"] == "io.meshery.operation.failed"
    tail = failed["data"]["details"].splitlines()
    # Two pipes interleave as they arrive, but the error line on stderr is always kept.
    assert len(tail) == 5 and "fatal: disk full" in tail
    assert [line for line in tail if line != "fatal: disk full"] == [
        "step 26",
        "step 27",
        "step 28",
        "step 29",
    ]
    assert failed["data"]["error"]["code"] == "notifycenter-1601"
    assert "exited with status 3" in failed["data"]["error"]["longDescription"][0]


def test_a_succeeding_command_succeeds_and_names_itself_after_the_command(hub: Hub) -> None:
    result = notifycenter_run(hub.url, "--", sys.executable, "-c", "print('ok')")
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    [op] = operations(hub)
    assert op["state"] == "succeeded"
    assert op["name"] == shlex.join([sys.executable, "-c", "print('ok')"])


def test_a_missing_command_exits_127_and_fails(hub: Hub) -> None:
    result = notifycenter_run(hub.url, "--", "no-such-command-notifycenter")
    assert result.returncode == 127
    assert "notifycenter-1602" in result.stderr
    [op] = operations(hub)
    assert op["state"] == "failed"
    assert ending_event(hub, op["id"])["data"]["error"]["code"] == "notifycenter-1602"


def test_a_nested_run_is_a_sub_operation(hub: Hub) -> None:
    inner = [
        sys.executable,
        "-m",
        "notifycenter",
        "--server",
        hub.url,
        "run",
        "--name",
        "inner",
        "--",
        sys.executable,
        "-c",
        "pass",
    ]
    result = notifycenter_run(hub.url, "--name", "outer", "--", *inner)
    assert result.returncode == 0, result.stderr
    by_name = {op["name"]: op for op in operations(hub)}
    assert by_name["inner"]["parent"] == by_name["outer"]["id"]
    assert by_name["outer"]["progress"] == 1.0


def test_run_works_with_the_hub_down_and_delivers_later(
    hub_factory: HubFactory, tmp_path: Any
) -> None:
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    result = notifycenter_run(
        server,
        "--name",
        "offline job",
        "--",
        sys.executable,
        "-c",
        "import sys; print('done offline'); sys.exit(5)",
    )
    assert result.returncode == 5 and "done offline" in result.stdout
    assert (
        "spooled in" in result.stderr
        and "will be delivered by the next `notifycenter run`" in result.stderr
    )
    hub = HubThread(tmp_path / "late-hub", port=port)
    try:
        hub.start()
        # The next run with the same source replays the spool before its own events.
        assert (
            notifycenter_run(
                server, "--name", "online job", "--", sys.executable, "-c", "pass"
            ).returncode
            == 0
        )
        states = {op["name"]: op["state"] for op in operations(hub)}
        assert states == {"offline job": "failed", "online job": "succeeded"}
    finally:
        hub.stop()


def test_the_tail_keeps_stderr_lines_when_stdout_floods() -> None:
    from notifycenter.commands.run import execute

    script = (
        "import sys\nfor n in range(50): print(f'out {n}')\nprint('boom', file=sys.stderr)\n"
        "for n in range(50, 60): print(f'out {n}')\nsys.exit(7)"
    )
    outcome = execute([sys.executable, "-c", script], 3, None)
    assert outcome.exit_code == 7 and not outcome.cancelled
    assert sorted(outcome.tail) == ["boom", "out 58", "out 59"]


def test_a_signal_is_128_plus_its_number_and_cancels() -> None:
    from notifycenter.commands.run import execute

    outcome = execute(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], 5, None
    )
    assert outcome.exit_code == 143 and outcome.cancelled


def test_closing_an_output_twice_leaves_a_reused_descriptor_alone(tmp_path: Any) -> None:
    """The child's end is closed after the spawn and again when the pump ends: the second
    close must not hit a file opened since under the same number (it was the spool's)."""
    import io
    import os

    from notifycenter.commands.run import _Output

    output = _Output.open(io.StringIO())
    number = output.child_fd
    output.close_child_end()
    with open(tmp_path / "spool", "wb") as reused:
        assert reused.fileno() == number  # the lowest free number is taken again
        output.close()
        os.fstat(reused.fileno())  # still open
        reused.write(b"kept")
