"""Run the hub on uvicorn: blocking for `notifycenter serve`, or inside a running loop.

The hub binds its socket itself so that a busy port becomes a catalogued error and so
that an embedded hub can take port 0 and report the port it got.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notifycenter.catalogue import hub as codes
from notifycenter.hub.settings import HubSettings

if TYPE_CHECKING:
    import uvicorn


def run(settings: HubSettings, on_listening: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT/SIGTERM; raise a catalogued error when it cannot start.

    `on_listening(url)` is called once the hub accepts connections, not before: an
    address printed by a hub that then fails to start would mislead.
    """
    import uvicorn

    from notifycenter.hub.sqlite_log import check_storage

    settings.check_bind()
    if settings.database is not None:
        from notifycenter.hub.pg_log import check_database

        check_database(settings.database)
    else:
        check_storage(settings.db_path)
    sock = bind_socket(settings.host, settings.port)
    url = settings.listen_url = socket_url(sock)

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit and on_listening is not None:
                on_listening(url)

    server = _Server(_config(settings))
    prepare_process()
    server.run(sockets=[sock])
    if not server.started:  # the application failed during start-up (logged above)
        raise codes.HUB_START_FAILED.error("the hub failed to start; see the messages above")


def prepare_process() -> None:
    """What a hub in a process of its own does before it serves; not an embedded hub,
    whose host owns the collector and whose first frame must not wait for a parser."""
    from notifycenter.model.filters.parser import build_parser

    # The first CESQL filter paid for the parser: its request took 105 ms where the same
    # filter's median is 5 ms (bench/hub_query.py --events 1000000).
    build_parser()
    tune_gc()  # after it, so the parser is among what is frozen out of collections


# Collections per allocations: gen0 every 10,000 (CPython's default is 700), gen1 every
# 10 of those, gen2 every 10 gen1 (and only when it would free enough).
GC_THRESHOLDS = (10_000, 10, 10)


def tune_gc() -> None:
    """Fewer, cheaper garbage collections in a hub process of its own.

    Ingest allocates thousands of containers per request, so the default thresholds ran
    ~200 collections a second, and each full one walked every object the modules hold
    (~30 ms, stalling the event loop). Start-up objects are frozen out of collections and
    the young generation is collected 14x less often: batched ingest 21,500 -> 25,900
    events/s, GC time 6-10 % -> < 0.5 % of the run (bench/hub_ingest.py; docs/hub.md). Not
    done in embedded mode: the host process owns its collector.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass
class EmbeddedHub:
    """A hub served by the caller's event loop (the TUI's embedded mode)."""

    url: str
    _server: object
    _task: asyncio.Task[None]

    async def stop(self) -> None:
        self._server.should_exit = True  # type: ignore[attr-defined]
        await self._task


async def start_embedded(settings: HubSettings) -> EmbeddedHub:
    """Start serving in the current loop; port 0 in `settings.bind` picks a free port."""
    import uvicorn

    class _QuietServer(uvicorn.Server):
        # The host application owns the process's signals.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    settings.check_bind()
    sock = bind_socket(settings.host, settings.port)
    settings.listen_url = socket_url(sock)
    server = _QuietServer(_config(settings))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # re-raise the start-up failure
            raise codes.BIND_FAILED.error("the embedded hub stopped during start-up")
        await asyncio.sleep(0.01)
    return EmbeddedHub(url=socket_url(sock), _server=server, _task=task)


def socket_url(sock: socket.socket) -> str:
    """The hub's base URL on a bound socket (the port it got when asked for 0)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets, and without
    # it every keep-alive answer waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError, ValueError) as exc:  # busy, unknown host, port > 65535
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise codes.BIND_FAILED.error(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _config(settings: HubSettings) -> uvicorn.Config:
    import uvicorn

    from notifycenter.hub.app import create_app

    return uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        server_header=False,
        lifespan="on",
        ws="websockets-sansio",
        ws_ping_interval=settings.heartbeat_seconds,
        ws_ping_timeout=settings.heartbeat_seconds,
        ws_max_size=settings.max_request_bytes,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
    )
