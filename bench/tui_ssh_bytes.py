"""Bytes the notification center writes to its terminal per second, as an SSH link carries them.

    .venv/bin/python bench/tui_ssh_bytes.py [--seconds 20] [--warmup 5] [--rate 100] [--no-takeover]

Runs `notifycenter demo --rate RATE` (the TUI with its embedded hub and simulated
producers) in a pseudo-terminal of 120×36 with TERM=xterm-256color, in a throw-away
HOME, reads everything it writes, and prints the bytes per second after the warm-up
(the first paint is left out) and the busiest second. Target: < 20 KB/s.

The demo's alerts take the screen over (nobody acknowledges them here), so by default
that is what is measured; `--no-takeover` (`[tui] takeover = false`) keeps the event
list, the detail and the counters on screen while the events pour in.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

COLUMNS, LINES = 120, 36
NOTIFYCENTER = Path(sys.executable).with_name("notifycenter")


def run(
    seconds: float,
    warmup: float,
    rate: float,
    size: tuple[int, int],
    dump: Path | None = None,
    takeover: bool = True,
) -> dict[str, float]:
    home = tempfile.mkdtemp(prefix="nc-ssh-bench-")
    config = Path(home, "config.toml")
    config.write_text("" if takeover else "[tui]\ntakeover = false\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the TUI, as a user would start it
        os.environ.update(
            HOME=home,
            XDG_CONFIG_HOME=f"{home}/.config",
            XDG_DATA_HOME=f"{home}/.local/share",
            NOTIFYCENTER_CONFIG=str(config),
            TERM="xterm-256color",
            COLUMNS=str(size[0]),
            LINES=str(size[1]),
        )
        # A fixed seed: the same simulated traffic (and emergencies) in every run, so runs compare.
        demo = [str(NOTIFYCENTER), "demo", "--rate", str(rate), "--seed", "7"]
        os.execv(str(NOTIFYCENTER), demo)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    per_second: list[int] = []
    sink = dump.open("wb") if dump else None
    started = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < warmup + seconds:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child is gone
                break
            if sink is not None:
                sink.write(chunk)
            second = int(elapsed)
            per_second.extend([0] * (second + 1 - len(per_second)))
            per_second[second] += len(chunk)
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0):
            _drain(fd)
        os.close(fd)
        if sink is not None:
            sink.close()
        shutil.rmtree(home, ignore_errors=True)
    measured = per_second[int(warmup) : int(warmup + seconds)]
    measured.extend([0] * (int(seconds) - len(measured)))
    return {
        "first_paint_bytes": float(sum(per_second[: int(warmup)])),
        "bytes_per_second": sum(measured) / seconds,
        "busiest_second": float(max(measured, default=0)),
    }


def _drain(fd: int) -> None:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        with contextlib.suppress(OSError):
            os.read(fd, 65536)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--size", default=f"{COLUMNS}x{LINES}", help="COLUMNSxLINES")
    parser.add_argument("--dump", type=Path, help="also write every byte to this file")
    parser.add_argument(
        "--no-takeover", action="store_true", help="the list stays on screen: no emergency view"
    )
    args = parser.parse_args()
    columns, lines = (int(n) for n in args.size.split("x"))
    takeover = not args.no_takeover
    result = run(args.seconds, args.warmup, args.rate, (columns, lines), args.dump, takeover)
    shown = "emergency view" if takeover else "event list"
    print(
        f"demo --rate {args.rate:g} at {columns}x{lines} ({shown}),"
        f" {args.seconds:g} s after {args.warmup:g} s:"
        f" {result['bytes_per_second'] / 1024:.1f} KB/s"
        f" (busiest second {result['busiest_second'] / 1024:.1f} KB,"
        f" first paint {result['first_paint_bytes'] / 1024:.1f} KB); target < 20 KB/s"
    )


if __name__ == "__main__":
    main()
