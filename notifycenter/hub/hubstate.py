"""`Hub`: what one running hub holds, handed to endpoints and plug-ins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from starlette.requests import HTTPConnection

from notifycenter.hub.auth import Authenticator, Permission, Principal, authorize
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.log_size import PgSize, sqlite_size
from notifycenter.hub.metrics import HubMetrics
from notifycenter.hub.pg_log import PgLog
from notifycenter.hub.projection import Projection
from notifycenter.hub.ratelimit import RateLimiter
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.shedding import StreamShedder
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.hub.stream import Broadcaster


class Hub:
    """The log, the broadcaster, auth, health and metrics of one hub.

    Plug-ins use `hub.log.read(fn)` (fn(conn) on a read connection, off the event loop),
    `hub.require(request, Permission.READ)` and `hub.settings`.
    """

    def __init__(self, settings: HubSettings, projections: Sequence[Projection]) -> None:
        self.settings = settings
        self.health = HealthBoard()
        self.broadcaster = Broadcaster(grace=settings.slow_grace_seconds)
        self.auth = Authenticator(settings.tokens)
        self.limiter = RateLimiter()
        self.log: SqliteLog | PgLog
        if settings.database is not None:
            self.log = PgLog(
                settings.database,
                projections,
                on_commit=self.broadcaster.publish,
                health=self.health,
            )
        else:
            self.log = SqliteLog(
                settings.db_path,
                projections,
                on_commit=self.broadcaster.publish,
                health=self.health,
            )
        self.log_size: Callable[[], float]
        if isinstance(self.log, PgLog):
            self.log_size = PgSize(self.log.read)
        else:
            self.log_size = partial(sqlite_size, settings.db_path)
        self.metrics = HubMetrics(
            self.log_size,
            lambda: len(self.broadcaster.subscribers),
            lambda: self.log.last_seq,
            lambda: self.log.commits,
        )
        self.shedder = StreamShedder(self.health, self.broadcaster)
        self.log.on_commit_time = self.metrics.commit_seconds.observe
        self.health.on_failure = lambda part: self.metrics.runtime_failures.labels(part).inc()
        self.broadcaster.on_failure = lambda code: self.metrics.subscriber_failures.labels(
            code
        ).inc()

    def require(self, request: HTTPConnection, permission: Permission) -> Principal:
        """Authorise a Request or WebSocket as the built-in routes do: any token carrier,
        failed-login throttling (429) and refusals counted; raises the catalogued error."""
        return authorize(self, request, permission)

    async def start(self) -> None:
        await self.log.open()
        self.broadcaster.last_seq = self.log.last_seq
        if isinstance(self.log_size, PgSize):
            await self.log_size.refresh()
        self.shedder.start()

    async def stop(self) -> None:
        await self.shedder.stop()
        self.broadcaster.close_all()
        await self.log.close()
