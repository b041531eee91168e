"""The link to a hub: an embedded hub if asked, the first records, the stream, older pages.

For a fast first paint the newest records come from `GET /api/events` (records carry
their status) and the stream starts at the hub's last cursor; older pages follow in the
background (`backfill.py`). The notification policy learns where the log ended so that
older events never pop up and what arrived while away becomes one digest.

A context with several servers gets one `ServerPool` shared by the requests and the
stream: the header names the server the stream is on (`@ host:port`), and a move to
another server is a notice on the status line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message
from textual.notifications import SeverityLevel

from notifycenter.catalogue.hub import FORBIDDEN, UNAUTHENTICATED
from notifycenter.catalogue.tui import HUB_UNREACHABLE, TOKEN_REFUSED, TOKEN_REVOKED
from notifycenter.client.servers import short_name
from notifycenter.model.errors import NotifyError
from notifycenter.store import ViewQuery
from notifycenter.tui import backlog_snapshot
from notifycenter.tui.backfill import Backfill
from notifycenter.tui.backlog import counts_of
from notifycenter.tui.backlog_snapshot import PreparedSnapshot
from notifycenter.tui.cursors import CursorBook
from notifycenter.tui.messages import ConnectionChanged
from notifycenter.tui.policy import NotificationPolicy, PolicySettings
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session
from notifycenter.tui.sources_watch import watch_sources
from notifycenter.tui.work import Work

if TYPE_CHECKING:
    from notifycenter.client import HubClient
    from notifycenter.client.stream import ConnectionState
    from notifycenter.hub.server import EmbeddedHub

Producers = Callable[[str], Awaitable[None]]
REFUSED_STATE = "× token refused"  # the header's connection state once the token is refused
REFUSALS = frozenset({UNAUTHENTICATED.code, FORBIDDEN.code})
BUFFERED_PAGES = 16  # older pages waiting for the store before loading pauses
FIRST_ROWS_WAIT = 0.25  # seconds the stream and older pages wait for the first rows' frame
# Workers that only read: a 403 there means the token may no longer read at all (a 403 on
# an ack only means this token may not act, and the list goes on).
READING_GROUPS = ("connect", "stream", "backfill", "sources", "history", "backlog")


class ConnectionHost(Protocol):
    """What the connection needs from the app."""

    @property
    def session(self) -> Session: ...

    @property
    def center(self) -> CenterScreen: ...

    def start_worker(self, work: Work, group: str, exclusive: bool = True) -> object:
        """Run `work` as a worker of the app, its errors shown like any worker's."""

    def show_error(self, error: NotifyError) -> None: ...

    def view_query(self) -> ViewQuery:
        """The list's current view, as the store selects it."""

    def adopt_snapshot(self, session: Session, prepared: PreparedSnapshot) -> None:
        """Take the hub's snapshot in as the session's store (`backlog_snapshot.adopt`)."""

    @property
    def clock(self) -> Callable[[], datetime] | None: ...

    def post_message(self, message: Message) -> bool: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class HubConnection:
    """Connects the current session to its hub and keeps events flowing into its buffers."""

    def __init__(
        self,
        host: ConnectionHost,
        policy_settings: PolicySettings,
        *,
        cursors: CursorBook | None = None,
        embedded_data_dir: Path | None = None,
        producers: Producers | None = None,
        hold: Callable[[], bool] = lambda: False,
        since_key: Callable[[], float] = lambda: float("inf"),
    ) -> None:
        self.host = host
        self.hold = hold  # True while older pages should wait (the operator is typing)
        # Seconds since the operator's last key: the snapshot's loading paces by it.
        self.since_key = since_key
        self.policy_settings = policy_settings
        self.cursors = cursors
        self.embedded_data_dir = embedded_data_dir  # only for the first context
        self.embedded_hub: EmbeddedHub | None = None
        self.producers = producers
        self._saved: str | None = None  # the last cursor seen in an earlier session
        self._live_on: str | None = None  # the server the stream was last live on

    async def connect(self) -> None:
        """Start the embedded hub if asked, learn where the log ends, paint the newest
        records, then stream from there while older pages load behind."""
        from notifycenter.client import HubClient
        from notifycenter.tui.embedded import bind_of, start_hub

        session = self.host.session
        server = session.target.server
        servers: tuple[str, ...] = session.target.servers
        if self.embedded_data_dir is not None and self.embedded_hub is None:
            self.embedded_hub = await start_hub(bind_of(server), self.embedded_data_dir)
        if self.embedded_data_dir is not None and self.embedded_hub is not None:
            server = self.embedded_hub.url
            servers = (server,)
            self.host.center.header.server = server
        client = session.client = HubClient(servers, session.target.token)
        self._live_on = None
        if client.pool.several:
            # A degraded server answers /healthz with 503: the pool moves on to a healthy one.
            with suppress(NotifyError):
                await client.health()
            self.host.center.header.server = server_label(client.server)
        last = await self._start_policy(session, client)
        if self.producers is not None:
            self.host.start_worker(partial(self.producers, server), "producers", exclusive=False)
        if last is None:  # unreachable, or an empty log: the stream replays all there is
            self._learn_user_and_sources(session, client)
            self.host.start_worker(partial(self.stream, session, "0"), group="stream")
            return
        self.host.center.header.cursor = last  # the stream moves it on from here
        backfill = session.backfill = Backfill(client, last)
        _, first = await asyncio.gather(learn_silences(session, client), backfill.next_page())
        session.policy.offer(sorted(map(_event_of, first), key=_cursor_of))
        session.records.push_all(first)
        await self._first_rows_drawn(session)
        # Sized for the whole backlog now, not before: zeroing the indexes for a million
        # events took ~20 ms that the first rows waited for.
        session.store.reserve(session.hub_total)
        self._learn_user_and_sources(session, client)
        self.host.start_worker(partial(self.stream, session, last), group="stream")
        oldest = min(map(_cursor_of, map(_event_of, first)), default=_number(last) + 1)
        older = partial(self.load_backlog, session, backfill, self._saved, oldest)
        self.host.start_worker(older, group="backfill")

    async def _first_rows_drawn(self, session: Session) -> None:
        """Wait (a moment at most) until the first page is in the store and drawn: the
        stream's start and the next page's decoding would hold that frame back."""
        deadline = time.monotonic() + FIRST_ROWS_WAIT
        while session.records and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        drawn = asyncio.Event()
        if self.host.center.call_after_refresh(drawn.set):
            with suppress(TimeoutError):
                await asyncio.wait_for(drawn.wait(), max(deadline - time.monotonic(), 0.0))

    def _learn_user_and_sources(self, session: Session, client: HubClient) -> None:
        """Who the token is and how the hub's sources fare: asked once the first rows are
        drawn, since neither changes them and each request costs the first frame CPU."""
        self._watch_sources(client)
        self.host.start_worker(partial(learn_user, session, client), "whoami", exclusive=False)

    def _watch_sources(self, client: HubClient) -> None:
        """The header names a failing source of the hub, polled while the stream is live."""
        center = self.host.center

        def live() -> bool:
            return center.alive and center.header.status == "live"

        def show(text: str) -> None:
            if center.alive:
                center.header.source_problem = text

        self.host.start_worker(partial(watch_sources, client, live, show), group="sources")

    async def _start_policy(self, session: Session, client: HubClient) -> str | None:
        """Events after the last seen cursor become one digest; older ones never pop up."""
        name = session.target.name
        saved = self._saved = self.cursors.load(name) if self.cursors else None
        try:
            summary = await client.summary()
            last = summary.get("last_cursor")
            session.hub_counts = counts_of(summary)  # exact while the backlog loads
            self.host.center.buckets.show(session.hub_counts)
        except NotifyError as error:
            if error.code in REFUSALS:  # the hub is up: retrying will not help
                raise token_refused(name, client.server, error) from None
            last = None  # the stream keeps trying; the header shows each attempt
            self.show_unreachable(error.message)
        policy = session.policy = NotificationPolicy(self.policy_settings, seen=saved or last)
        if saved is not None or last is None:
            policy.begin_backlog(last)
        if saved is not None and last is not None and _number(last) > _number(saved):
            policy.hold_backlog(True)  # until the pages reach the saved cursor
        return last if last and last.strip("0") else None

    def show_unreachable(self, reason: str | None) -> None:
        """Once per outage: the header counts the attempts, a toast explains what to do."""
        session = self.host.session
        if not session.unreachable_shown:
            session.unreachable_shown = True
            server = session.client.server if session.client else session.target.server
            self.host.show_error(HUB_UNREACHABLE.error(f"{server}: {reason or 'no answer'}"))

    async def stream(self, session: Session, since: str) -> None:
        assert session.client is not None
        subscription = session.client.subscribe(since=since, on_state=self._on_state)
        async for event in subscription:
            session.feed.push(event)

    async def load_backlog(
        self, session: Session, backfill: Backfill, saved: str | None, first_oldest: int
    ) -> None:
        """The backlog: the hub's snapshot when it has one worth loading (events between
        the saved cursor and the first page count into the digest), else older pages."""
        digest_range = (_number(saved), first_oldest) if saved is not None else None
        try:
            prepared = await backlog_snapshot.fetch(
                session, self.host.view_query(), self.host.clock, digest_range, self.since_key
            )
        except NotifyError as error:
            self.host.show_error(error)  # a snapshot that fails a check: pages instead
            prepared = None
        if prepared is None:
            await self.load_older(session, backfill, saved)
        elif session is self.host.session:
            self.host.adopt_snapshot(session, prepared)

    async def load_older(self, session: Session, backfill: Backfill, saved: str | None) -> None:
        """Older pages, newest first, into the records buffer; the flush takes them in.
        Those after the saved cursor count into the restart digest."""
        try:
            while not backfill.done:
                while self.hold() or len(session.records) > backfill.page_size * BUFFERED_PAGES:
                    await asyncio.sleep(0.05)  # let the screen catch up
                page = await backfill.next_page()
                if saved is not None:
                    session.policy.count_backlog(map(_event_of, page), saved)
                    if page and _cursor_of(_event_of(page[-1])) <= _number(saved):
                        saved = None
                        session.policy.hold_backlog(False)
                session.records.push_all(page)
        finally:
            session.policy.hold_backlog(False)

    def _on_state(self, state: ConnectionState) -> None:
        self.host.post_message(ConnectionChanged(state))

    def revoked(self, error: NotifyError, group: str) -> NotifyError | None:
        """The refusal to show when a worker's error says the hub stopped taking the token
        after the start (401 anywhere, 403 on a read); None for any other error, and
        before the stream was ever live (a refusal at the start has a screen of its own)."""
        if not self.host.session.was_live:
            return None
        unauthenticated = error.code == UNAUTHENTICATED.code
        if not unauthenticated and not (error.code == FORBIDDEN.code and group in READING_GROUPS):
            return None
        target = self.host.session.target
        said = " ".join(error.short_description)
        return TOKEN_REVOKED.error(
            f"The hub at {target.server} answered {error.code} ({said}) to the token of "
            f"context {target.name!r}."
        )

    def stop_refused(self, refusal: NotifyError) -> None:
        """Keep what is shown, stop asking with the bad token, and say so in the header."""
        session, center = self.host.session, self.host.center
        session.refused = refusal
        if center.alive:
            center.header.status, center.header.attempt = REFUSED_STATE, 0

    def state_changed(self, state: ConnectionState) -> None:
        """The header shows the connection; a reconnect makes what arrives a backlog."""
        center, session = self.host.center, self.host.session
        if not center.alive or session.refused is not None:
            return  # a refused token is not retried: the header keeps saying so
        header = center.header
        header.status, header.attempt = state.status, state.attempt
        if state.status == "live" and state.server is not None:
            self._live_on_server(state.server)
        if state.status in ("connecting", "reconnecting") and state.attempt:
            self.show_unreachable(state.last_error)
        if state.status == "reconnecting":
            session.policy.begin_backlog(None)
        elif state.status == "live":
            session.unreachable_shown = False
            session.was_live = True
            if session.policy.in_backlog and not center.events.paused:
                self.host.start_worker(partial(self.learn_backlog_end, session), "backlog")

    def _live_on_server(self, server: str) -> None:
        """With several servers: the header names this one; a move is a notice."""
        session = self.host.session
        pool = session.client.pool if session.client is not None else None
        previous, self._live_on = self._live_on, server
        if pool is None or not pool.several:
            return
        self.host.center.header.server = server_label(server)
        if previous is not None and previous != server:
            why = pool.last_error(previous)
            self.host.notify(
                f"now on {short_name(server)}, was {short_name(previous)}"
                + (f" ({why})" if why else " (moved back to a preferred server)"),
                title="Server switched",
                severity="warning",
                markup=False,
            )

    async def learn_backlog_end(self, session: Session) -> None:
        assert session.client is not None
        health = await session.client.health()
        session.policy.backlog_until(health.get("last_cursor") or "0")

    async def close(self, session: Session) -> None:
        """On the way out: the client, then the embedded hub."""
        if session.client is not None:
            await session.client.aclose()
        if self.embedded_hub is not None:
            await self.embedded_hub.stop()


def server_label(server: str) -> str:
    """`@ b.example:8443`: the header's name of the server, after the context's."""
    return f"@ {short_name(server)}"


def _event_of(record: Mapping[str, Any]) -> Mapping[str, Any]:
    event = record.get("event")
    return event if isinstance(event, dict) else record


def _cursor_of(event: Mapping[str, Any]) -> int:
    return _number(event.get("cursor"))


def _number(cursor: object) -> int:
    try:
        return int(str(cursor or 0))
    except ValueError:
        return 0


WHOAMI_ATTEMPTS = 12
WHOAMI_RETRY_SECONDS = 5.0


async def learn_user(session: Session, client: HubClient) -> None:
    """Who `owner:me` selects in the store: the token's user, asked of the hub (retried a
    while when it is not reachable yet; a hub without `GET /api/whoami` leaves it unknown)."""
    for _ in range(WHOAMI_ATTEMPTS):
        try:
            session.store.user = await client.whoami()
            return
        except NotifyError as error:
            if error.http_status == 404:
                return
        await asyncio.sleep(WHOAMI_RETRY_SECONDS)


async def learn_silences(session: Session, client: HubClient) -> None:
    """Silences older than the stream's start, before any record: what arrived under them
    is not counted as open while they last (later ones come on the stream). A hub without
    silences, or one that does not answer, leaves them unknown: counted as open."""
    try:
        session.store.add_silences(await client.silences())
    except NotifyError:
        return


def token_refused(context: str, server: str, answer: NotifyError) -> NotifyError:
    """The hub answered and refused: say so, and which context's token it was."""
    said = " ".join(answer.short_description)
    return TOKEN_REFUSED.error(
        f"The hub at {server} is running and answered {answer.code} ({said}) "
        f"to the token of context {context!r}."
    )
