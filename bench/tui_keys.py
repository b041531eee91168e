"""Key to frame in the notification center, as an operator at a terminal sees it.

    .venv/bin/python bench/tui_keys.py [--events 2000] [--keys 200] [--interval 0.15]
    .venv/bin/python bench/tui_keys.py --events 1000000 --data /tmp/nc-1m   # filled once, reused
    .venv/bin/python bench/tui_keys.py --keys 100 --profile /tmp/keys.prof  # cProfile the keys

Starts `notifycenter serve` on a data dir holding N events (loaded through the hub's API in
batches of 1,000, or a dir filled by an earlier run), then `notifycenter --server URL tui`
in a pseudo-terminal of 120×36 (TERM=xterm-256color, a throw-away HOME). As soon as the
first rows are on the terminal — while the backlog may still be loading — it presses `j`
KEYS times at human pace and times each from the key written to the terminal until the
terminal's output shows the highlight on another row (a small screen model follows the
escape stream). Prints p50/p95/max key to frame, the TUI process's CPU per key above its
idle CPU (measured for as long right after), the time to the first rows and the time
until the bucket strip counts all N events. Target: p95 <= 50 ms, also while loading.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import orjson
from rich.cells import get_character_cell_size

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_common import free_port, post_request, send_all
from store_memory import synthetic_events

COLUMNS, LINES = 120, 36
NOTIFYCENTER = Path(sys.executable).with_name("notifycenter")
BATCH = 1000
REQUESTS_IN_FLIGHT = 50  # batches serialised at a time: a million events never sit in memory
CURSOR_MARK = "›"  # the event list's gutter mark of the highlighted row
AGE_CELLS = 7  # gutter, AGE and a space: the AGE ticks, so it is not part of a row's identity
COUNTS = re.compile(r"\d (?:Errors|Err|Warnings|Warn|Infos|Info|Audit) ([\d,]+)")
# Run as the TUI with `--profile`: cProfile from SIGUSR1 (first key) to SIGUSR2 (last frame).
PROFILED = """
import cProfile, os, signal, sys
profile, path = cProfile.Profile(), sys.argv.pop(1)
def stop(*_):
    profile.disable()
    profile.dump_stats(path)
signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
signal.signal(signal.SIGUSR2, stop)
from notifycenter.cli import main
main()
"""
CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*[@-~])|\x1b[^\[]|[\x00-\x1f]")


class Terminal:
    """Just enough of a terminal to know what is on screen: Textual writes cursor moves,
    colours and text; colours and modes are skipped."""

    def __init__(self, columns: int, lines: int) -> None:
        self.columns, self.lines = columns, lines
        self.grid = [[" "] * columns for _ in range(lines)]
        self.row = self.col = 0
        self._pending = ""

    def feed(self, text: str) -> None:
        text, self._pending = self._pending + text, ""
        tail = text.rfind("\x1b")
        if tail != -1 and not CSI.match(text, tail):
            text, self._pending = text[:tail], text[tail:]  # a sequence cut between reads
        position = 0
        for match in CSI.finditer(text):
            self._write(text[position : match.start()])
            position = match.end()
            if match.group(2) in ("H", "f"):
                numbers = [int(n) if n else 1 for n in (match.group(1) or "").split(";")]
                self.row = min(max(numbers[0], 1), self.lines) - 1
                self.col = min(max(numbers[1] if len(numbers) > 1 else 1, 1), self.columns) - 1
            elif match.group(0) == "\r":
                self.col = 0
            elif match.group(0) == "\n":
                self.row = min(self.row + 1, self.lines - 1)
        self._write(text[position:])

    def _write(self, text: str) -> None:
        line = self.grid[self.row]
        for char in text:
            if self.col >= self.columns:
                break
            line[self.col] = char
            size = get_character_cell_size(char)
            if size == 2 and self.col + 1 < self.columns:
                line[self.col + 1] = ""
            self.col += max(size, 1)

    def text(self, row: int) -> str:
        return "".join(self.grid[row])

    def highlight(self) -> tuple[int, str] | None:
        """The highlighted list row: its screen line and text (without the AGE)."""
        for row, line in enumerate(self.grid):
            for col in range(min(4, self.columns)):
                if line[col] == CURSOR_MARK:
                    return row, "".join(line[col + AGE_CELLS : col + 80])
        return None

    def counted(self) -> int:
        """Events the bucket strip counts."""
        for row in range(min(4, self.lines)):
            found = COUNTS.findall(self.text(row))
            if len(found) >= 3:
                return sum(int(n.replace(",", "")) for n in found)
        return 0


class Tui:
    """`notifycenter tui` in a pseudo-terminal; a thread keeps reading what it writes."""

    def __init__(self, server: str, home: Path, profile: Path | None = None) -> None:
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update(
                HOME=str(home),
                XDG_CONFIG_HOME=f"{home}/.config",
                XDG_DATA_HOME=f"{home}/.local/share",
                NOTIFYCENTER_CONFIG=f"{home}/none.toml",
                NOTIFYCENTER_DATA_DIR=f"{home}/data",
                TERM="xterm-256color",
                COLUMNS=str(COLUMNS),
                LINES=str(LINES),
            )
            arguments = ["--server", server, "tui"]
            if profile is not None:
                python = sys.executable
                os.execv(python, [python, "-c", PROFILED, str(profile), *arguments])
            os.execv(str(NOTIFYCENTER), [str(NOTIFYCENTER), *arguments])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.pid, self.fd = pid, fd
        self.started = time.monotonic()
        self.screen = Terminal(COLUMNS, LINES)
        self.changed = threading.Condition()
        self.counted_all_at: float | None = None
        self.expected = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            with self.changed:
                self.screen.feed(chunk.decode("utf-8", "replace"))
                if self.counted_all_at is None and self.screen.counted() >= self.expected > 0:
                    self.counted_all_at = time.monotonic() - self.started
                self.changed.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def highlight(self) -> tuple[int, str] | None:
        with self.changed:
            return self.screen.highlight()

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            time.sleep(0.05)
        os.close(self.fd)


@contextmanager
def hub(data: Path) -> Iterator[int]:
    """`notifycenter serve` on `data`; yields its port."""
    port = free_port()
    env = {**os.environ, "NOTIFYCENTER_CONFIG": str(data / "none.toml")}
    process = subprocess.Popen(
        [str(NOTIFYCENTER), "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the hub did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def _answers(port: int) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
    except OSError:
        return False
    return True


def fill(port: int, count: int) -> float:
    """Post `count` events in batches; seconds taken."""
    started = time.perf_counter()
    batch: list[dict[str, object]] = []
    requests: list[bytes] = []
    for event in synthetic_events(count):
        event.pop("cursor", None)
        batch.append(event)
        if len(batch) == BATCH:
            requests.append(_request(port, batch))
            batch = []
        if len(requests) == REQUESTS_IN_FLIGHT:
            asyncio.run(send_all(port, requests, 4))
            requests = []
    if batch:
        requests.append(_request(port, batch))
    if requests:
        asyncio.run(send_all(port, requests, 4))
    return time.perf_counter() - started


def _request(port: int, batch: list[dict[str, object]]) -> bytes:
    return post_request(port, orjson.dumps(batch), "application/cloudevents-batch+json")


def _moved(screen: Terminal, before: tuple[int, str] | None) -> bool:
    return screen.highlight() not in (before, None)


def press_keys(tui: Tui, keys: int, interval: float, key: bytes) -> list[float]:
    """Seconds from each key written until the highlight shows on another row (or the
    same row with another event, once the list scrolls)."""
    latencies: list[float] = []
    for _ in range(keys):
        before = tui.highlight()
        sent = time.monotonic()
        tui.press(key)
        moved = partial(_moved, tui.screen, before)
        if not tui.wait(moved, timeout=10):
            raise RuntimeError(f"no frame answered the key within 10 s (highlight {before})")
        latencies.append(time.monotonic() - sent)
        time.sleep(max(interval - (time.monotonic() - sent), 0))
    return latencies


def run(
    count: int, keys: int, interval: float, data: Path | None, profile: Path | None = None
) -> dict[str, float]:
    keep = data is not None
    data = data or Path(tempfile.mkdtemp(prefix="nc-keys-hub-"))
    data.mkdir(parents=True, exist_ok=True)
    marker = data / "bench-events"
    home = Path(tempfile.mkdtemp(prefix="nc-keys-home-"))
    figures: dict[str, float] = {}
    try:
        with hub(data) as port:
            if not (keep and marker.exists() and int(marker.read_text()) == count):
                figures["hub filled in (s)"] = fill(port, count)
                marker.write_text(str(count))
            tui = Tui(f"http://127.0.0.1:{port}", home, profile)
            tui.expected = count
            try:
                if not tui.wait(partial(_moved, tui.screen, None), timeout=120):
                    raise RuntimeError("no rows on screen within 120 s")
                figures["first rows after launch (s)"] = time.monotonic() - tui.started
                if profile is not None:
                    os.kill(tui.pid, signal.SIGUSR1)
                cpu, started = tui.cpu_seconds(), time.monotonic()
                latencies = press_keys(tui, keys, interval, b"j")
                if profile is not None:
                    os.kill(tui.pid, signal.SIGUSR2)
                pressing, cpu_keys = time.monotonic() - started, tui.cpu_seconds() - cpu
                figures["keys pressed from (s)"] = started - tui.started
                figures["keys pressed until (s)"] = time.monotonic() - tui.started
                cpu = tui.cpu_seconds()
                time.sleep(pressing)  # the same time without keys: what the TUI spends idle
                cpu_idle = tui.cpu_seconds() - cpu
                ms = sorted(1000 * s for s in latencies)
                figures["key to frame p50 (ms)"] = statistics.median(ms)
                figures["key to frame p95 (ms)"] = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
                figures["key to frame max (ms)"] = ms[-1]
                figures["CPU per key (ms)"] = 1000 * max(cpu_keys - cpu_idle, 0.0) / keys
                figures["CPU idle (ms/s)"] = 1000 * cpu_idle / pressing
                if tui.counted_all_at is not None:
                    figures["all events counted after launch (s)"] = tui.counted_all_at
            finally:
                tui.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if not keep:
            shutil.rmtree(data, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.15, help="seconds between keys")
    parser.add_argument("--data", type=Path, help="hub data dir to keep and reuse across runs")
    parser.add_argument("--profile", type=Path, help="cProfile the TUI while keys are pressed")
    options = parser.parse_args()
    figures = run(options.events, options.keys, options.interval, options.data, options.profile)
    print(f"notifycenter tui at {COLUMNS}x{LINES} on a hub of {options.events:,} events:")
    for name, value in figures.items():
        print(f"{name:>38}: {value:,.1f}")
    print(f"{'target':>38}: key to frame p95 <= 50 ms")


if __name__ == "__main__":
    main()
