"""The app's link to a hub: an embedded hub if asked, first records, the stream, `:context`.

A mixin of the app. For a fast first paint the newest records come from `GET /api/events`
(records carry their status) and the stream starts at the hub's last cursor; older pages
follow in the background (`backfill.py`). The notification policy learns where the log
ended so that older events never pop up and what arrived while away becomes one digest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work
from textual.containers import Container

from notifycenter.catalogue.tui import HUB_UNREACHABLE
from notifycenter.model.errors import NotifyError
from notifycenter.tui.backfill import Backfill
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.messages import ConnectionChanged
from notifycenter.tui.policy import NotificationPolicy
from notifycenter.tui.widgets.buckets import BucketStrip
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.header import HeaderBar


class HubConnection:
    """Needs the app's `target`, `settings`, `cursors`, `feed`, `policy`, `store`, `_ui`."""

    _unreachable_shown = False
    _saved: str | None = None  # the last cursor seen in an earlier session

    @work(group="connect", exclusive=True, exit_on_error=False)
    async def connect(self) -> None:
        """Start the embedded hub if asked, learn where the log ends, paint the newest
        records, then stream from there while older pages load behind."""
        from notifycenter.client import HubClient
        from notifycenter.tui.embedded import bind_of, start_hub

        server = self.target.server
        if self.embedded_data_dir is not None and self.embedded_hub is None:
            self.embedded_hub = await start_hub(bind_of(server), self.embedded_data_dir)
            server = self.embedded_hub.url
            self._ui.query_one(HeaderBar).server = server
        self.client = HubClient(server, self.target.token)
        last = await self._start_policy()
        if self.producers is not None:
            self.run_worker(self.producers(server), group="producers", exit_on_error=False)
        if last is None:  # unreachable, or an empty log: the stream replays all there is
            self._stream_worker = self.stream("0")
            return
        self._ui.query_one(HeaderBar).cursor = last  # the stream moves it on from here
        self.backfill = Backfill(self.client, last)
        first = await self.backfill.next_page()
        self.policy.offer(sorted(map(_event_of, first), key=_cursor_of))
        self.records.push_all(first)
        self._stream_worker = self.stream(last)
        self.load_older(self._saved)

    async def _start_policy(self) -> str | None:
        """Events after the last seen cursor become one digest; older ones never pop up."""
        saved = self._saved = self.cursors.load(self.target.name) if self.cursors else None
        try:
            last = (await self.client.summary()).get("last_cursor")
        except NotifyError as error:
            last = None  # the stream keeps trying; the header shows each attempt
            self._show_unreachable(error.message)
        self.policy = NotificationPolicy(self.settings.policy, seen=saved or last)
        if saved is not None or last is None:
            self.policy.begin_backlog(last)
        if (
            saved is not None
            and last is not None
            and _cursor_of({"cursor": last}) > _cursor_of({"cursor": saved})
        ):
            self.policy.hold_backlog(True)  # until the pages reach the saved cursor
        return last if last and last.strip("0") else None

    def _show_unreachable(self, reason: str | None) -> None:
        """Once per outage: the header counts the attempts, a toast explains what to do."""
        if not self._unreachable_shown:
            self._unreachable_shown = True
            self.show_error(HUB_UNREACHABLE.error(f"{self.client.server}: {reason or 'no answer'}"))

    @work(group="stream", exclusive=True, exit_on_error=False)
    async def stream(self, since: str) -> None:
        subscription = self.client.subscribe(since=since, on_state=self._on_state)
        async for event in subscription:
            self.feed.push(event)

    @work(group="backfill", exclusive=True, exit_on_error=False)
    async def load_older(self, saved: str | None) -> None:
        """Older pages, newest first, into the records buffer; the flush takes them in.
        Those after the saved cursor count into the restart digest."""
        backfill = self.backfill
        try:
            while not backfill.done:
                while len(self.records) > backfill.page_size * 4:  # let the screen catch up
                    await self._sleep(0.05)
                page = await backfill.next_page()
                if saved is not None:
                    self.policy.count_backlog(map(_event_of, page), saved)
                    if page and _cursor_of(_event_of(page[-1])) <= _cursor_of({"cursor": saved}):
                        saved = None
                        self.policy.hold_backlog(False)
                self.records.push_all(page)
        finally:
            self.policy.hold_backlog(False)

    async def _sleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)

    def _on_state(self, state: Any) -> None:
        self.post_message(ConnectionChanged(state))

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        state = message.state
        if not self._alive():
            return
        header = self._ui.query_one(HeaderBar)
        header.status, header.attempt = state.status, state.attempt
        if state.status in ("connecting", "reconnecting") and state.attempt:
            self._show_unreachable(state.last_error)
        if state.status == "reconnecting":
            self.policy.begin_backlog(None)
        elif state.status == "live":
            self._unreachable_shown = False
            if self.policy.in_backlog and not self._event_list().paused:
                self._learn_backlog_end()

    @work(group="backlog", exclusive=True, exit_on_error=False)
    async def _learn_backlog_end(self) -> None:
        health = await self.client.health()
        self.policy.backlog_until(health.get("last_cursor") or "0")

    async def switch_context(self, name: str) -> None:
        """Drop the store, the stream and everything shown, and start over on another hub."""
        from notifycenter.config import resolve_target

        target = resolve_target(context=name or None)
        self._save_cursor()
        for group in ("stream", "backfill", "connect", "history"):
            self.workers.cancel_group(self, group)
        if self.client is not None:
            self.run_worker(self.client.aclose(), group="close", exit_on_error=False)
        self.target, self.embedded_data_dir, self.client = target, None, None
        self.store = new_store(self.clock)
        self.feed, self.records = FeedBuffer(), FeedBuffer()
        self.policy = NotificationPolicy(self.settings.policy)
        self._unreachable_shown = False
        await self._event_list().remove()
        self._mount_event_list()
        self._ui.query_one(BucketStrip).show(self.store.counts())
        self._ui.query_one(DetailPane).show(None)
        header = self._ui.query_one(HeaderBar)
        header.context_name, header.server, header.embedded, header.cursor = (
            target.name,
            target.server,
            False,
            "",
        )
        header.status, header.attempt, header.paused_count, header.new_above = (
            "connecting",
            0,
            None,
            0,
        )
        self.connect()

    def _new_event_list(self) -> Any:
        from notifycenter.tui.event_list import EventList

        events = EventList(self.store, id="events")
        if self.clock is not None:
            events.clock = self.clock
        events.tz = self.display_tz
        return events

    def _mount_event_list(self) -> None:
        events = self._new_event_list()
        self._ui.query_one("#main", Container).mount(events, before=0)
        events.focus()
        self._refilter_wanted = True


def _event_of(record: Any) -> Any:
    event = record.get("event")
    return event if isinstance(event, dict) else record


def _cursor_of(event: Any) -> int:
    try:
        return int(event.get("cursor") or 0)
    except (TypeError, ValueError):
        return 0


def new_store(clock: Callable[[], datetime] | None = None) -> Any:
    from notifycenter.store import EventStore

    return EventStore(clock=clock)
