"""The app's link to a hub: an embedded hub if asked, the stream, reconnects, `:context`.

A mixin of the app. The stream replays the whole log into the store (`since=0`); the
notification policy learns where the log ended so that older events never pop up and
what arrived while away becomes one digest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work
from textual.containers import Container

from notifycenter.catalogue.tui import HUB_UNREACHABLE
from notifycenter.model.errors import NotifyError
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.messages import ConnectionChanged
from notifycenter.tui.policy import NotificationPolicy
from notifycenter.tui.widgets.header import HeaderBar


class HubConnection:
    """Needs the app's `target`, `settings`, `cursors`, `feed`, `policy`, `store`, `_ui`."""

    @work(group="connect", exclusive=True, exit_on_error=False)
    async def connect(self) -> None:
        """Start the embedded hub if asked, learn where the log ends, then stream it all."""
        from notifycenter.client import HubClient
        from notifycenter.tui.embedded import bind_of, start_hub

        server = self.target.server
        if self.embedded_data_dir is not None and self.embedded_hub is None:
            self.embedded_hub = await start_hub(bind_of(server), self.embedded_data_dir)
            server = self.embedded_hub.url
            self._ui.query_one(HeaderBar).server = server
        self.client = HubClient(server, self.target.token)
        await self._start_policy()
        if self.producers is not None:
            self.run_worker(self.producers(server), group="producers", exit_on_error=False)
        self._stream_worker = self.stream()

    async def _start_policy(self) -> None:
        """Events after the last seen cursor become one digest; older ones never pop up."""
        saved = self.cursors.load(self.target.name) if self.cursors else None
        try:
            last = (await self.client.summary()).get("last_cursor")
        except NotifyError as error:
            last = None  # the stream keeps trying; the header shows each attempt
            self.show_error(HUB_UNREACHABLE.error(f"{self.client.server}: {error.message}"))
        self.policy = NotificationPolicy(self.settings.policy, seen=saved or last)
        if saved is not None or last is None:
            self.policy.begin_backlog(last)

    @work(group="stream", exclusive=True, exit_on_error=False)
    async def stream(self) -> None:
        subscription = self.client.subscribe(since="0", on_state=self._on_state)
        async for event in subscription:
            self.feed.push(event)

    def _on_state(self, state: Any) -> None:
        self.post_message(ConnectionChanged(state))

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        state = message.state
        if not self._alive():
            return
        header = self._ui.query_one(HeaderBar)
        header.status, header.attempt = state.status, state.attempt
        if state.status == "reconnecting":
            self.policy.begin_backlog(None)
        elif state.status == "live" and self.policy.in_backlog:
            self._learn_backlog_end()

    @work(group="backlog", exclusive=True, exit_on_error=False)
    async def _learn_backlog_end(self) -> None:
        health = await self.client.health()
        self.policy.backlog_until(health.get("last_cursor") or "0")

    async def switch_context(self, name: str) -> None:
        """Drop the store and the stream, and start over on another context's hub."""
        from notifycenter.config import resolve_target

        target = resolve_target(context=name or None)
        self._save_cursor()
        if self._stream_worker is not None:
            self._stream_worker.cancel()
        if self.client is not None:
            self.run_worker(self.client.aclose(), group="close", exit_on_error=False)
        self.target, self.embedded_data_dir = target, None
        self.store = new_store(self.clock)
        self.feed = FeedBuffer()
        await self._event_list().remove()
        self._mount_event_list()
        header = self._ui.query_one(HeaderBar)
        header.context_name, header.server, header.embedded, header.cursor = target.name, target.server, False, ""
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


def new_store(clock: Callable[[], datetime] | None = None) -> Any:
    from notifycenter.store import EventStore

    return EventStore(clock=clock)
