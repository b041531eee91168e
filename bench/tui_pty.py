"""What the TUI benchmarks share: a hub process, a TUI process in a pseudo-terminal, and
just enough of a terminal to know what is on screen.

Every figure the TUI benchmarks print is read off this terminal: from a key written to the
pseudo-terminal (or the process started) until the terminal's output shows the change,
so it includes everything an operator waits for — process start, imports, the hub's
answers, the store, the redraw and the bytes on the terminal.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
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
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import orjson
from rich.cells import get_character_cell_size

from notifycenter.hub.settings import HubSettings
from notifycenter.hub.snapshots import rebuild_after

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_common import free_port, post_request, send_all
from pg_ingest import PgServer, pg_binaries
from store_memory import synthetic_events

COLUMNS, LINES = 120, 36
NOTIFYCENTER = Path(sys.executable).with_name("notifycenter")
BARE_APP = Path(__file__).resolve().parent / "tui_bare.py"
FLOOR_APP = Path(__file__).resolve().parent / "tui_floor.py"
BATCH = 1000
REQUESTS_IN_FLIGHT = 50  # batches serialised at a time: a million events never sit in memory
CURSOR_MARK = "›"  # the event list's gutter mark of the highlighted row
AGE_CELLS = 7  # gutter, AGE and a space: the AGE ticks, so it is not part of a row's identity
LIST_CELLS = 66  # the list's part of a 120-column line (the detail pane is to its right)
COUNTS = re.compile(r"\d (?:Errors|Err|Warnings|Warn|Infos|Info|Audit) ([\d,]+)")
LOADING = "loading backlog"  # the header says so until every older page is in
SEVERITY = re.compile(r"[♦■▲●√·] (EMR|ALR|CRT|ERR|WRN|NTC|INF|OK|DBG|AUD)\b")
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
        if tail != -1:
            cut = CSI.match(text, tail)
            if cut is None or cut.group(0) == "\x1b":  # a sequence cut between reads
                text, self._pending = text[:tail], text[tail:]
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

    def loading(self) -> bool:
        return LOADING in self.text(0)

    def severities(self) -> list[str]:
        """The severity word of every list row on screen, top to bottom."""
        found = []
        for row in range(2, self.lines - 1):
            match = SEVERITY.search(self.text(row)[:LIST_CELLS])
            if match:
                found.append(match.group(1))
        return found


class Tui:
    """A TUI process in a pseudo-terminal; a thread keeps reading what it writes. The clock
    (`started`) starts just before the process is forked."""

    def __init__(self, argv: Sequence[str], home: Path) -> None:
        self.started = time.monotonic()
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
            os.execv(argv[0], list(argv))
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.pid, self.fd = pid, fd
        self.screen = Terminal(COLUMNS, LINES)
        self.changed = threading.Condition()
        self.counted_all_at: float | None = None
        self.loaded_at: float | None = None  # the header stopped saying "loading backlog"
        self._was_loading = False
        self.expected = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def center(cls, server: str, home: Path, profile: Path | None = None) -> Tui:
        """`notifycenter --server URL tui`, optionally under cProfile (see PROFILED)."""
        arguments = ["--server", server, "tui"]
        if profile is not None:
            return cls([sys.executable, "-c", PROFILED, str(profile), *arguments], home)
        return cls([str(NOTIFYCENTER), *arguments], home)

    @classmethod
    def bare(cls, home: Path) -> Tui:
        """The peer: a bare Textual app with a list of the same size (bench/tui_bare.py)."""
        return cls([sys.executable, str(BARE_APP)], home)

    @classmethod
    def floor(cls, server: str, home: Path) -> Tui:
        """The stack's floor: click, Textual and httpx showing the first page (tui_floor.py)."""
        return cls([sys.executable, str(FLOOR_APP), server], home)

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
                now = time.monotonic() - self.started
                if self.counted_all_at is None and self.screen.counted() >= self.expected > 0:
                    self.counted_all_at = now
                loading = self.screen.loading()
                if loading:
                    self._was_loading = True
                elif self._was_loading and self.loaded_at is None and self.screen.highlight():
                    self.loaded_at = now
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
def hub(data: Path, extra: Sequence[str] = ()) -> Iterator[int]:
    """`notifycenter serve` on `data` (and `extra` arguments); yields its port."""
    port = free_port()
    env = {**os.environ, "NOTIFYCENTER_CONFIG": str(data / "none.toml")}
    # Its errors go to a file, not a pipe: a long run's logs never block it.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [
                str(NOTIFYCENTER),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--data-dir",
                str(data),
                *extra,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the hub did not start: {_said(process, errors)}")
                time.sleep(0.1)
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


def _said(process: subprocess.Popen[bytes], errors: IO[bytes]) -> str:
    """What a hub that did not start wrote last: its error, from the code on (another hub
    holding the data dir, a port in use…)."""
    if process.poll() is None:
        process.kill()
    process.wait(10)
    errors.seek(0)
    lines = errors.read().decode(errors="replace").strip().splitlines()
    coded = [n for n, line in enumerate(lines) if "notifycenter-" in line]
    return " | ".join(line.strip() for line in lines[coded[-1] if coded else -3 :]) or "nothing"


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
    except OSError:
        return False
    return True


def filled(port: int, data: Path, count: int, backend: str = "sqlite") -> float | None:
    """Fill the hub with `count` events unless `data` was filled with as many before (on
    that backend); seconds taken, or None when reused."""
    marker = data / ("bench-events" if backend == "sqlite" else f"bench-events-{backend}")
    if marker.exists() and int(marker.read_text()) == count:
        return None
    seconds = fill(port, count)
    marker.write_text(str(count))
    return seconds


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


def moved(screen: Terminal, before: tuple[int, str] | None) -> bool:
    return screen.highlight() not in (before, None)


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max in milliseconds."""
    ms = sorted(1000 * s for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))], ms[-1]


@contextmanager
def bench_dirs(data: Path | None, name: str) -> Iterator[tuple[Path, Path]]:
    """The hub's data dir (`data`, kept for reuse, or a temporary one) and the TUI's home."""
    hub_data = data or Path(tempfile.mkdtemp(prefix=f"nc-{name}-hub-"))
    hub_data.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix=f"nc-{name}-home-"))
    try:
        yield hub_data, home
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if data is None:
            shutil.rmtree(hub_data, ignore_errors=True)


@contextmanager
def filled_hub(
    data: Path, events: int, backend: str = "sqlite", backlog: str = "snapshot"
) -> Iterator[int]:
    """A hub process on `data` holding `events` events (filled once, reused); its port.
    With `backend="postgresql"` its log is on a PostgreSQL server whose cluster is kept
    in `data/postgresql`, started for the run (`bench_database`). `backlog="snapshot"`
    (the default, as `serve` runs) waits until the hub has a backlog snapshot to send, as
    a hub that has been running has; `"pages"` runs it with `--no-snapshots`, so that the
    TUI reads every page as before snapshots."""
    print(f"start: {load_note()}")
    extra = ["--no-snapshots"] if backlog == "pages" else []
    with bench_database(data, backend) as database, hub(data, [*database, *extra]) as port:
        seconds = filled(port, data, events, backend)
        if seconds is not None:
            print(f"hub filled with {events:,} events in {seconds:.1f} s")
        if backlog == "snapshot":
            print(snapshot_ready(port))
        yield port


def snapshot_ready(port: int, timeout: float = 900) -> str:
    """Wait until the hub sends a backlog snapshot as current as a running hub keeps it
    (no further behind than what makes its keeper build again: right after a fast fill the
    first build covers only part of the log, and the TUI would replay the rest event by
    event); say how long that took, how big it is and how far behind the log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            through, size = _snapshot_through(port)
            behind = _last_seq(port) - through
            waited = time.monotonic() - started
            if behind < rebuild_after(through, SNAPSHOT_MIN_EVENTS):
                return (
                    f"backlog snapshot: {size / 1e6:.1f} MB, {behind:,} events behind the log,"
                    f" sent after waiting {waited:.1f} s"
                )
        except OSError:  # 404 until the first build is written
            pass
        time.sleep(1)
    raise RuntimeError(f"the hub wrote no current backlog snapshot within {timeout:.0f} s")


SNAPSHOT_MIN_EVENTS = HubSettings.snapshot_min_events  # as `serve` runs


def _snapshot_through(port: int) -> tuple[int, int]:
    """The log position the hub's snapshot was read through, and its size (from the
    headers: the body, ~200 MB at a million events, is not downloaded every second)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/snapshot", timeout=30) as got:
        return int(got.headers["X-Notifycenter-Snapshot-Through"]), int(
            got.headers["Content-Length"]
        )


def _last_seq(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/summary", timeout=30) as got:
        return int(json.loads(got.read())["last_cursor"])


BACKLOGS = ("snapshot", "pages")


@contextmanager
def bench_database(data: Path, backend: str) -> Iterator[list[str]]:
    """The hub's `--database` for `backend`: none for SQLite (in `data`); for PostgreSQL a
    server of its own on a free port, its cluster in `data/postgresql` (made by the first
    run, reused after it, like the SQLite log) and the log in its database `bench`."""
    if backend == "sqlite":
        yield []
        return
    root = data / "postgresql"
    server = PgServer(root, pg_binaries())
    fresh = not server.data.exists()
    if fresh:
        data.chmod(0o755)  # the server may run as its own user (under root)
        root.mkdir()
        server.init()
    else:  # the cluster of an earlier run: this run's port
        with (server.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"port = {server.port}\n")
    server.start()
    try:
        if fresh:
            import psycopg

            with psycopg.connect(server.admin_url, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
        yield ["--database", server.url("bench")]
    finally:
        server.stop()
