"""Hub plug-in: the backlog snapshot, `GET /api/snapshot`.

A notification center that starts against a hub of a million events would take them in
page by page for over a minute (docs/performance.md). The hub keeps, in its data
directory, the client store that its log makes (`store/snapshot.py`), built ahead of time
by a child process (`snapshot_build.py`) so that its event loop never waits for it, and
sends it whole: the client loads it in seconds and replays the log after its cursor.

A build starts once the log holds `snapshot_min_events` and, after the first, when the log
has grown by half that or by a fiftieth of the snapshot (what a client replays after it), looked at every
`snapshot_interval_seconds` (0 turns snapshots off: `serve --no-snapshots`). Each build
starts from the previous snapshot; from nothing when retention pruned events it holds,
at most once per `FULL_EVERY` (between, pruned events stay in it, as in a client running
since before). With replicas each keeps its own, in its own data directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from notifycenter.catalogue import hub as codes
from notifycenter.hub.auth import Permission
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.openapi import SECURED, _errors
from notifycenter.hub.snapshot_build import Job, newest_snapshot, through_of
from notifycenter.model.cursor import format_cursor

PATH = "/api/snapshot"
MEDIA_TYPE = "application/vnd.notifycenter.snapshot"
THROUGH_HEADER = "X-Notifycenter-Snapshot-Through"
FULL_EVERY = 3600.0  # seconds between two builds from nothing that retention calls for
log = logging.getLogger("notifycenter.hub")


class SnapshotKeeper:
    """Holds where the current snapshot is; its task builds the next when it is due."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.current: Path | None = None
        self.through = 0
        self.events = 0  # held by the current snapshot (0: not known yet)
        self._full_at = float("-inf")
        self._task: asyncio.Task[None] | None = None

    def create(self, conn: Any) -> None:
        return None

    def apply(self, conn: Any, entries: Sequence[StoredEntry]) -> None:
        return None

    def start(self, hub: Hub) -> None:
        settings = hub.settings
        self.directory = settings.data_dir / "snapshots"
        self.current = newest_snapshot(self.directory) if self.directory.is_dir() else None
        if self.current is not None:
            self.through = through_of(self.current)
        failures = Counter(
            "notifycenter_snapshot_build_failures",
            "Backlog snapshot builds that failed (notifycenter-1124)",
            registry=hub.metrics.registry,
        )
        self._task = asyncio.create_task(self._keep(hub, failures))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def due(self, last_seq: int, min_events: int) -> bool:
        """A build is due: the log is big enough, and grew enough since the last one."""
        if last_seq < min_events:
            return False
        if self.current is None:
            return True
        return last_seq - self.through >= rebuild_after(self.events, min_events)

    async def _keep(self, hub: Hub, failures: Counter) -> None:
        settings = hub.settings
        while True:
            if self.due(hub.log.last_seq, settings.snapshot_min_events):
                try:
                    await self.build(hub)
                except (BuildFailed, OSError) as failed:  # OSError: no child could start
                    failures.inc()
                    log.warning(codes.SNAPSHOT_BUILD_FAILED.log_line(str(failed)))
            await asyncio.sleep(settings.snapshot_interval_seconds)

    async def build(self, hub: Hub) -> None:
        """One build in a child process; the new snapshot is served once it is written."""
        assert self.directory is not None
        settings, database = hub.settings, hub.settings.database
        job = Job(
            directory=str(self.directory),
            sqlite=None if database else str(settings.db_path),
            database_url=database.url if database else None,
            database_password=database.password if database else None,
            full_if_pruned=time.monotonic() - self._full_at >= FULL_EVERY,
        )
        result = await run_build(job)
        self.current, self.through = Path(result["path"]), int(result["through"])
        self.events = int(result["events"])
        if result["full"]:
            self._full_at = time.monotonic()
        log.info(
            "backlog snapshot through %s: %d events, %d rows, %.1f MB in %.1f s (%s)",
            format_cursor(self.through),
            self.events,
            result["rows"],
            result["bytes"] / 1e6,
            result["seconds"],
            "from nothing" if result["full"] else "from the previous one",
        )


class BuildFailed(Exception):
    """The child process failed; its message says why."""


async def run_build(job: Job) -> dict[str, Any]:
    """Run `snapshot_build` in a child process; its result. A cancelled build kills it."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifycenter.hub.snapshot_build",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await child.communicate(json.dumps(dataclasses.asdict(job)).encode())
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        raise
    if child.returncode != 0:
        said = err.decode(errors="replace").strip().splitlines()
        raise BuildFailed(f"the builder exited with {child.returncode}: {said[-1] if said else ''}")
    try:
        result: dict[str, Any] = json.loads(out)
    except ValueError:
        raise BuildFailed(f"the builder answered {out[:80]!r}") from None
    return result


def _keeper(hub: Hub) -> SnapshotKeeper | None:
    return next((p for p in hub.log.projections if isinstance(p, SnapshotKeeper)), None)


# -- plug-in interface ---------------------------------------------------------------


def rebuild_after(snapshot_events: int, min_events: int) -> int:
    """How far the log may grow past a snapshot before the next build: what a client
    replays at most, a fiftieth of the snapshot."""
    return max(1, min_events // 2, snapshot_events // 50)


class WholeFile(FileResponse):
    """The file whole, whatever `Range` asks: a snapshot is read whole, and Starlette
    answers a range it cannot serve with a plain-text 400 or 416 that no client reads as
    the hub's error (ignoring the header is what HTTP allows a server)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name != b"range"]
        await super().__call__({**scope, "headers": headers}, receive, send)


def projection() -> SnapshotKeeper:
    return SnapshotKeeper()


def routes(hub: Hub) -> list[BaseRoute]:
    async def get_snapshot(request: Request) -> Response:
        hub.require(request, Permission.READ)
        keeper = _keeper(hub)
        current = keeper.current if keeper is not None else None
        if keeper is None or current is None or not current.is_file():
            raise codes.NO_SNAPSHOT.error(f"log at {format_cursor(hub.log.last_seq)}")
        headers = {
            "Cache-Control": "no-store",
            THROUGH_HEADER: format_cursor(keeper.through),
            "Accept-Ranges": "none",
        }
        return WholeFile(current, media_type=MEDIA_TYPE, headers=headers)

    return [Route(PATH, get_snapshot, methods=["GET"])]


async def start(hub: Hub) -> None:
    keeper = _keeper(hub)
    if keeper is not None and hub.settings.snapshot_interval_seconds > 0:
        keeper.start(hub)


async def stop(hub: Hub) -> None:
    keeper = _keeper(hub)
    if keeper is not None:
        await keeper.stop()


def openapi_paths() -> dict[str, Any]:
    return {
        PATH: {
            "get": {
                "summary": "The backlog as one snapshot of the client store",
                "description": "What a client's store holds after reading every record and the log after them, in notifycenter's own binary format (docs/store.md), built ahead of time. A client loads it and replays the log (GET /api/stream?since=) after the position in the X-Notifycenter-Snapshot-Through header. 404 (notifycenter-1123) until the log holds enough events for one.",
                "operationId": "getSnapshot",
                "security": SECURED,
                "responses": {
                    "200": {
                        "description": "the snapshot",
                        "headers": {
                            THROUGH_HEADER: {
                                "description": "the log position the snapshot was read through",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors(401, 403, 404),
                },
            }
        }
    }
