"""Run the real hub in this process: its ASGI app on uvicorn, in a thread with its own loop.

The same application, sockets and HTTP/WebSocket stack as `notifycenter serve`, without
the second or so a Python process takes to start. It has `HubProcess`'s interface (`url`,
`ws_url`, `data_dir`, `start`, `stop`, `restart`) so a test does not care which it got;
a test whose point is the process boundary (kill -9, signals, `serve` itself) asks for a
`HubProcess` instead, and this class has no `kill` so that it cannot be mistaken for one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


def settings_from_arguments(data_dir: Path, port: int, arguments: Sequence[str]) -> HubSettings:
    """What `notifycenter serve --data-dir … --bind … <arguments>` would run with."""
    from notifycenter.commands.serve import command, tune
    from notifycenter.hub.config import resolve_settings

    params = command.make_context("serve", list(arguments)).params
    settings = resolve_settings(
        bind=f"127.0.0.1:{port}",
        data_dir=data_dir,
        token_file=params["token_file"],
        stall_after=params["stall_after"],
        alertmanager_url=params["alertmanager_url"],
        accept_json=params["accept_json"],
        sources=params["sources"],
        retain=params["retain"],
        retain_max_events=params["retain_max_events"],
        sink_hosts=params["sink_hosts"],
        public_url=params["public_url"],
        database=params["database"],
        database_password_file=params["database_password_file"],
    )
    return tune(settings, params)


class Stopping:
    """A hub shutting down, to be joined when its caller is ready to wait."""

    def __init__(self, url: str, thread: threading.Thread | None) -> None:
        self.url = url
        self._thread = thread

    def join(self, timeout: float = STOP_TIMEOUT) -> None:
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the in-process hub at {self.url} did not stop in {timeout}s")


class HubThread:
    """A hub served by a thread of this process, on 127.0.0.1, keeping its data in `data_dir`.

    Port 0 takes a free port at the first start; a restart serves the same port again.
    """

    def __init__(self, data_dir: Path | str, port: int = 0, extra_args: Sequence[str] = ()) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.extra_args = tuple(extra_args)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> HubThread:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings = settings_from_arguments(self.data_dir, self.port, self.extra_args)
        ready = threading.Event()
        self._failure = None
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve(settings, ready),),
            name=f"hub-{self.data_dir.name}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            raise RuntimeError(f"the in-process hub did not start in {START_TIMEOUT}s")
        if self._failure is not None:
            self._thread.join(STOP_TIMEOUT)
            raise RuntimeError(f"the in-process hub failed to start: {self._failure}")
        return self

    async def _serve(self, settings: HubSettings, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            hub: EmbeddedHub = await start_embedded(settings)
        except BaseException as exc:  # reported to the starting thread
            self._failure = exc
            ready.set()
            return
        self.port = int(hub.url.rsplit(":", 1)[1])
        ready.set()
        await self._stopping.wait()
        await hub.stop()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """A graceful shutdown: open connections are closed, the log is flushed."""
        self.stop_later().join(timeout)

    def stop_later(self) -> Stopping:
        """Ask for the shutdown and return at once; uvicorn takes ~0.2 s to wind down."""
        thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            assert self._loop is not None and self._stopping is not None
            self._loop.call_soon_threadsafe(self._stopping.set)
        return Stopping(self.url, thread)

    def restart(self) -> HubThread:
        self.stop()
        return self.start()

    def output(self) -> str:
        return ""  # its log records go to the test's own log capture

    def __enter__(self) -> HubThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
