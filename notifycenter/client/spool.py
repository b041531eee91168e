"""A producer's on-disk spool: events the hub has not acknowledged yet, in order.

Layout under `<data dir>/spool/<hub>/<name>/`: `events.ndjson` (one event per line, appended
and fsynced), `offset` (byte position of the first line not yet acknowledged), `lock`
(held while a process owns the spool, so two producers never replay the same lines) and
`hub` (the hub's normalised URL). Replaying after a crash may resend a few acknowledged
events; the hub stores a `source`+`id` pair once, so the result is still exactly once.

A spool belongs to one hub: events queued for (or refused by) production must never
reach staging because the next process points elsewhere. `<hub>` is named after the
normalised URL (`hub_folder`), and a folder whose `hub` file names another hub is never
opened for this one (an unmarked folder is marked by the first hub that opens it).
Spools of older versions (`<data dir>/spool/<name>/events.ndjson`) do not say which hub
they were for, so they are left where they are, never replayed, and reported
(`legacy_spools`): an operator who knows the hub moves the folder under it.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

MAX_SLOTS = 64
HUB_FILE = "hub"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def spool_name_for(source: str) -> str:
    """A file-system-safe folder name for a producer's source."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("._")[:100] or "default"


def normalise_server(server: str) -> str:
    """One spelling per hub: scheme and host in lower case, the port always written, no
    trailing slash, no credentials, query or fragment."""
    parts = urlsplit(server.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # not a valid port: keep the text, still one folder per spelling
        return server.strip().rstrip("/").lower()
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}{parts.path.rstrip('/')}"


def hub_folder(server: str) -> str:
    """The spool folder of a hub: readable, and unique thanks to a digest of its URL."""
    normalised = normalise_server(server)
    readable = spool_name_for(normalised.split("://", 1)[-1])[:60]
    digest = hashlib.sha256(normalised.encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


def legacy_spools(root: Path, name: str) -> list[Path]:
    """Spools of older versions for this name that still hold events (hub unknown)."""
    found = []
    for slot in range(MAX_SLOTS):
        folder = root / (name if slot == 0 else f"{name}.{slot}")
        events = folder / "events.ndjson"
        try:
            if events.stat().st_size > _offset_in(folder):
                found.append(folder)
        except OSError:
            continue
    return found


def _offset_in(folder: Path) -> int:
    try:
        return int((folder / "offset").read_text() or 0)
    except (OSError, ValueError):
        return 0


@dataclass(frozen=True)
class SpoolBatch:
    lines: list[bytes]
    end: int  # byte offset just after the last line


class Spool:
    """Only one thread uses a Spool: the emitter's sender."""

    def __init__(self, folder: Path, lock_file: IO[bytes] | None) -> None:
        self.folder = folder
        self._lock_file = lock_file
        self._events_path = folder / "events.ndjson"
        self._offset_path = folder / "offset"
        self._offset = self._read_offset()
        self._writer = self._events_path.open("ab")
        self._reader = self._events_path.open("rb")
        self._drop_torn_tail()
        self.count = self._count_pending()

    @classmethod
    def open(cls, root: Path, name: str, hub: str | None = None) -> Spool:
        """Own `root/name`, or `name.1`, `name.2`… when another process holds it or, with
        `hub` (a normalised URL), when it belongs to another hub."""
        for slot in range(MAX_SLOTS):
            folder = root / (name if slot == 0 else f"{name}.{slot}")
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # events may be confidential
            lock_file = _try_lock(folder / "lock")
            if lock_file is None:
                continue
            if hub is None or _claim(folder, hub):
                return cls(folder, lock_file)
            lock_file.close()
        raise OSError(f"all {MAX_SLOTS} spools named {name!r} under {root} are in use")

    def _read_offset(self) -> int:
        try:
            offset = int(self._offset_path.read_text() or 0)
        except (FileNotFoundError, ValueError):
            offset = 0
        size = self._events_path.stat().st_size if self._events_path.exists() else 0
        return offset if 0 <= offset <= size else 0

    def _drop_torn_tail(self) -> None:
        """A line cut short by a crash was never handed over: remove it."""
        size = self._events_path.stat().st_size
        if size == 0:
            return
        self._reader.seek(max(0, size - 65536))
        tail = self._reader.read()
        if tail.endswith(b"\n"):
            return
        keep = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
        os.truncate(self._events_path, max(keep, 0))
        self._offset = min(self._offset, keep)

    def _count_pending(self) -> int:
        self._reader.seek(self._offset)
        return sum(1 for line in self._reader if line.strip())

    def append(self, lines: list[bytes]) -> None:
        """Write and fsync: once this returns, the events survive a crash."""
        if not lines:
            return
        self._writer.write(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
        self._writer.flush()
        os.fsync(self._writer.fileno())
        self.count += len(lines)

    def peek(self, max_events: int, max_bytes: int) -> SpoolBatch:
        """The oldest unacknowledged lines, at least one even if it exceeds `max_bytes`."""
        self._reader.seek(self._offset)
        lines: list[bytes] = []
        size = 0
        while len(lines) < max_events:
            line = self._reader.readline()
            if not line:
                break
            if lines and size + len(line) > max_bytes:
                break
            size += len(line)
            if line.strip():
                lines.append(line.rstrip(b"\n"))
        return SpoolBatch(lines, self._offset + size)

    def commit(self, batch: SpoolBatch, count: int | None = None) -> None:
        """Forget the first `count` lines of `batch` (all of them by default)."""
        lines = batch.lines if count is None else batch.lines[:count]
        end = (
            batch.end
            if count is None or count == len(batch.lines)
            else self._offset + sum(len(line) + 1 for line in lines)
        )
        self.count -= len(lines)
        if end >= self._events_path.stat().st_size:
            os.truncate(self._events_path, 0)  # all acknowledged: start the file afresh
            end = 0
        self._write_offset(end)

    def _write_offset(self, offset: int) -> None:
        temporary = self._offset_path.with_suffix(".tmp")
        with temporary.open("w") as out:
            out.write(str(offset))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self._offset_path)
        self._offset = offset

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None


def _claim(folder: Path, hub: str) -> bool:
    """True when the folder is this hub's; an unmarked one (new, or moved here by an
    operator) is marked as this hub's."""
    marker = folder / HUB_FILE
    try:
        return marker.read_text().strip() == hub
    except FileNotFoundError:
        temporary = marker.with_suffix(".tmp")
        temporary.write_text(hub + "\n")
        os.replace(temporary, marker)
        return True


def _try_lock(path: Path) -> IO[bytes] | None:
    handle = path.open("ab")
    if fcntl is None:
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
