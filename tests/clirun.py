"""Run the `notifycenter` command line in this process, as a script in a pipe would see it.

A Python process per invocation costs about a second; click's runner gives the same
exit status, stdout and stderr. Tests whose point is the process (signals, a terminal,
`python -m notifycenter` itself) still start one.
"""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from notifycenter.cli import main


@dataclass(frozen=True)
class Ran:
    """What a finished command left: the fields of `subprocess.CompletedProcess` tests read."""

    returncode: int
    stdout: str
    stderr: str


def notifycenter(*args: str, input: str | None = None) -> Ran:
    """`notifycenter ARGS` with its output piped (not a terminal)."""
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)
