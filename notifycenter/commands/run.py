"""`notifycenter run -- CMD ARGS…`: run any command as an operation.

Output passes through as the command writes it, and the last lines are kept and attached
to a failure. Where our own stdout or stderr is a terminal, the command's is a
pseudo-terminal of the same size (not a pipe), so kubectl and helm keep their colour and
progress; its stdin is ours. The operation's id goes to stderr first, for `ops watch`. The
command gets `TRACEPARENT`, so a nested `notifycenter run` (or any producer that reads it)
reports as a sub-operation. Reporting never stands in the command's way: with the hub
down the events are spooled, and `run` always exits with the command's own status.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import shlex
import signal
import socket
import subprocess
import sys
import termios
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import click

from notifycenter.catalogue import operations as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize

if TYPE_CHECKING:
    from notifycenter.client.emitter import Emitter
    from notifycenter.client.operation import Operation

EXAMPLES = """
\b
Examples:
  notifycenter run -- helm upgrade --install istio-base istio/base -n istio-system
  notifycenter run --name "Nightly backup" --source urn:meshery:job:backup -- ./backup.sh
  notifycenter run -- ./deploy.sh   # stderr: "notifycenter run: operation 00f067aa0ba902b7 …"
  notifycenter ops watch 00f067aa0ba902b7   # from another shell: follow it to its end
"""
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
CANCELLING_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
MAX_LINE = 500
CLOSE_TIMEOUT = 5.0


@click.command(
    "run",
    epilog=EXAMPLES,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--name", help="The operation's name (default: the command line).")
@click.option("--source", help="Event source (default: urn:notifycenter:run:<host name>).")
@click.option(
    "--traceparent",
    envvar="TRACEPARENT",
    help="Run as a sub-operation of this operation (default: $TRACEPARENT).",
)
@click.option(
    "--tail",
    "tail_lines",
    default=20,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="Lines of output attached to a failure.",
)
@click.argument("argv", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- CMD [ARGS]...")
@pass_cli
def command(
    cli: CliContext,
    name: str | None,
    source: str | None,
    traceparent: str | None,
    tail_lines: int,
    argv: tuple[str, ...],
) -> None:
    """Run CMD as an operation: started, then succeeded or failed with its output's tail."""
    line = shlex.join(argv)
    emitter = _open_emitter(cli, source or f"urn:notifycenter:run:{socket.gethostname()}")
    op = _open_operation(emitter, name or line[:120], traceparent)
    if op is not None:
        _warn(f"operation {op.id} (follow it: notifycenter ops watch {op.id})")
    try:
        outcome = execute(list(argv), tail_lines, op.traceparent if op else None)
        if op is not None:
            report(op, outcome, line)
    finally:
        if emitter is not None:
            _close(emitter)
    click.get_current_context().exit(outcome.exit_code)


def _close(emitter: Emitter) -> None:
    """Deliver what the hub takes now; say where the rest waits, and who delivers it."""
    if emitter.close(CLOSE_TIMEOUT):
        return
    _warn(
        f"the hub at {emitter.server} did not take this run's events: they are spooled in "
        f"{emitter.spool_path} and will be delivered by the next `notifycenter run` "
        f"(or emitter) with source {emitter.source} and hub {emitter.server}"
    )


def _open_emitter(cli: CliContext, source: str) -> Emitter | None:
    """The emitter, or None (with a warning) when the configuration does not allow one."""
    from notifycenter.client.emitter import Emitter

    try:
        target = cli.target()
        return Emitter(target.servers, source=source, token=target.token)
    except NotifyError as error:
        _warn(f"not reporting this run: {error.message}")
        return None


def _open_operation(
    emitter: Emitter | None, name: str, traceparent: str | None
) -> Operation | None:
    if emitter is None:
        return None
    try:
        return emitter.operation(name, traceparent=traceparent or None).start()
    except NotifyError as error:
        _warn(f"not reporting this run: {error.message}")
        return None


def _warn(text: str) -> None:
    click.echo(f"notifycenter run: {sanitize(text)}", err=True)


@dataclass
class Outcome:
    """How the command ended: `returncode` as Popen gives it (negative: killed by a signal)."""

    returncode: int | None
    tail: list[str] = field(default_factory=list)
    interrupted: bool = False
    start_error: OSError | None = None

    @property
    def exit_code(self) -> int:
        if self.start_error is not None:
            return 127 if isinstance(self.start_error, FileNotFoundError) else 126
        code = self.returncode or 0
        return 128 - code if code < 0 else code

    @property
    def cancelled(self) -> bool:
        code = self.returncode or 0
        return self.interrupted or (code < 0 and -code in CANCELLING_SIGNALS)


def execute(argv: list[str], tail_lines: int, traceparent: str | None) -> Outcome:
    """Run the command with output passed through; keep the last `tail_lines` lines."""
    env = dict(os.environ, TRACEPARENT=traceparent) if traceparent else None
    outputs = [_Output.open(sys.stdout), _Output.open(sys.stderr)]
    try:
        process = subprocess.Popen(
            argv, stdout=outputs[0].child_fd, stderr=outputs[1].child_fd, env=env
        )
    except OSError as exc:
        for output in outputs:
            output.close()
        return Outcome(None, start_error=exc)
    for output in outputs:
        output.close_child_end()
    tail = _Tail(tail_lines)
    pumps = [threading.Thread(target=tail.pump, args=(output,), daemon=True) for output in outputs]
    for pump in pumps:
        pump.start()
    outcome = Outcome(None)
    with _forwarding(process, outcome, outputs):
        returncode = process.wait()
    for pump in pumps:
        pump.join()
    outcome.returncode, outcome.tail = returncode, tail.lines()
    return outcome


@dataclass
class _Output:
    """Where one of the command's outputs goes: a pty when `out` is a terminal, else a pipe."""

    out: IO[str]
    read_fd: int
    child_fd: int
    is_terminal: bool

    @classmethod
    def open(cls, out: IO[str]) -> _Output:
        if _is_terminal(out):
            read_fd, child_fd = pty.openpty()
            output = cls(out, read_fd, child_fd, True)
            output.copy_size()
            return output
        read_fd, child_fd = os.pipe()
        return cls(out, read_fd, child_fd, False)

    def copy_size(self) -> None:
        """The pty gets the real terminal's rows and columns (again after a resize)."""
        if not self.is_terminal:
            return
        with contextlib.suppress(OSError, ValueError):
            size = fcntl.ioctl(self.out.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(self.read_fd, termios.TIOCSWINSZ, size)

    def read(self) -> bytes:
        """The next chunk; b"" at the end (a pty says EIO once the command has closed it)."""
        try:
            return os.read(self.read_fd, 65536)
        except OSError:
            return b""

    def close_child_end(self) -> None:
        # Each end is closed once: closing a number twice would close whatever file the
        # process opened since under the same number (the emitter's spool, say).
        if self.child_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.child_fd)
            self.child_fd = -1

    def close(self) -> None:
        self.close_child_end()
        if self.read_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.read_fd)
            self.read_fd = -1


def _is_terminal(out: IO[str]) -> bool:
    try:
        return os.isatty(out.fileno())
    except (OSError, ValueError, AttributeError):  # io.StringIO under test runners
        return False


class _Tail:
    """The last lines of the output, in the order they arrived. Each stream keeps its own
    last lines, and stderr's win when both do not fit: that is where errors go."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._streams: dict[bool, deque[tuple[int, str]]] = {
            False: deque(maxlen=max(size, 1)),
            True: deque(maxlen=max(size, 1)),
        }
        self._arrival = 0
        self._lock = threading.Lock()

    def pump(self, output: _Output) -> None:
        out = output.out
        sink = getattr(out, "buffer", None)
        is_err = out is sys.stderr
        partial = b""
        while chunk := output.read():
            _write(sink, out, chunk)
            *complete, partial = (partial + chunk).split(b"\n")
            self._add(is_err, complete)
        self._add(is_err, [partial] if partial else [])
        output.close()

    def _add(self, is_err: bool, raw: list[bytes]) -> None:
        with self._lock:
            for line in raw:
                self._arrival += 1
                self._streams[is_err].append(
                    (self._arrival, line.decode("utf-8", "replace").rstrip("\r")[:MAX_LINE])
                )

    def lines(self) -> list[str]:
        out, err = list(self._streams[False]), list(self._streams[True])
        out = out[max(len(out) + len(err) - self._size, 0) :] if self._size else []
        err = err[max(len(err) - self._size, 0) :] if self._size else []
        return [line for _, line in sorted(out + err)]


def _write(sink: IO[bytes] | None, out: IO[str], chunk: bytes) -> None:
    try:
        if sink is not None:
            sink.write(chunk)
            sink.flush()
        else:
            out.write(chunk.decode("utf-8", "replace"))
            out.flush()
    except (OSError, ValueError):
        pass  # our own output is gone (a closed pipe): keep the command running


class _forwarding:
    """While the command runs: forward SIGTERM/SIGHUP to it; note SIGINT, which the
    terminal already delivers to the whole foreground group; pass a resize on to its pty."""

    def __init__(
        self, process: subprocess.Popen[bytes], outcome: Outcome, outputs: list[_Output]
    ) -> None:
        self.process, self.outcome, self.outputs = process, outcome, outputs
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (*FORWARDED_SIGNALS, signal.SIGINT):
            self.previous[sig] = signal.signal(sig, self._handle)
        if any(output.is_terminal for output in self.outputs):
            self.previous[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._resize)

    def _resize(self, sig: int, frame: Any) -> None:
        for output in self.outputs:
            output.copy_size()

    def _handle(self, sig: int, frame: Any) -> None:
        self.outcome.interrupted = True
        if sig != signal.SIGINT and self.process.poll() is None:
            self.process.send_signal(sig)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def report(op: Operation, outcome: Outcome, line: str) -> None:
    """The ending: succeeded, cancelled, or failed with the catalogued error and the tail."""
    if outcome.start_error is not None:
        error = codes.COMMAND_NOT_STARTED.error(
            f"{line}: {outcome.start_error.strerror or outcome.start_error}"
        )
        _warn(error.message)
        op.fail(error)
    elif outcome.exit_code == 0:
        op.succeed()
    elif outcome.cancelled:
        op.cancel(f"interrupted: {_how(outcome)}")
    else:
        error = codes.COMMAND_FAILED.error(f"{line}: {_how(outcome)}")
        op.fail(error, message=_how(outcome), details="\n".join(outcome.tail) or None)


def _how(outcome: Outcome) -> str:
    code = outcome.returncode or 0
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"
