"""The notification center: what needs attention, why, what to do, and who is on it.

The app is the composition root: it holds the keys and what they do, and wires typed
collaborators together — `CenterScreen` (the widgets), `Session` (one hub's state),
`HubConnection` (events in) and `FeedFlusher` (events onto the screen).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path

from textual import events, on, work
from textual.app import App
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from notifycenter.catalogue.tui import (
    ASSIGN_WITHOUT_USER,
    INVALID_TUI_SETTING,
    TOKEN_REFUSED,
    WORKER_FAILED,
)
from notifycenter.config import Target
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import span_ids
from notifycenter.model.lifecycle import Verb
from notifycenter.model.sanitize import sanitize, sanitize_line
from notifycenter.model.severity import Bucket
from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.backlog import BacklogLoader
from notifycenter.tui.backlog_snapshot import PreparedSnapshot, adopt
from notifycenter.tui.codes import CodeScreen
from notifycenter.tui.commandline import (
    Command,
    CommandHistory,
    parse_command,
    split_ack_argument,
)
from notifycenter.tui.connection import READING_GROUPS, HubConnection, Producers
from notifycenter.tui.cursors import CursorBook
from notifycenter.tui.detail_feed import DetailFeed
from notifycenter.tui.emergency import EmergencyScreen, EmergencyWatch
from notifycenter.tui.event_list import EventList
from notifycenter.tui.fatal import EXIT_STATUS as FATAL_EXIT
from notifycenter.tui.fatal import FatalScreen
from notifycenter.tui.flush import FeedFlusher
from notifycenter.tui.help import HelpScreen, binding_rows
from notifycenter.tui.keys import APP_BINDINGS, binding_ids
from notifycenter.tui.lifecycle_actions import (
    VERBS,
    LifecycleSender,
    action_state,
    send_lifecycle,
    status_of,
)
from notifycenter.tui.messages import ConnectionChanged
from notifycenter.tui.moments import moment_text
from notifycenter.tui.notices import error_notice, refusal_notice
from notifycenter.tui.operations import OperationsScreen
from notifycenter.tui.policy import Toast
from notifycenter.tui.row_index import position_in
from notifycenter.tui.screen import CenterScreen, width_classes
from notifycenter.tui.session import Session
from notifycenter.tui.settings import TuiSettings, check_keymap
from notifycenter.tui.silence_command import silence_highlighted
from notifycenter.tui.styles import css_paths
from notifycenter.tui.view_state import ViewState, subtree_ids
from notifycenter.tui.widgets.buckets import BucketStrip
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.drawer import Notice, new_notices
from notifycenter.tui.widgets.prompt import YES, PromptBar
from notifycenter.tui.work import Work

FLUSH_SECONDS = 0.1
NOTICE_LIMIT = 2000  # characters of one notification
INLINE_SELECT_ROWS = 20_000  # a select this small takes less than a thread's round trip
FIRST_PLACES = 20_000  # places below the log a big select walks before showing its rows
FIRST_ROWS = 200  # fewer found there: select everything before showing
PAINT_WAIT_SECONDS = 0.5  # the longest the rest of a select waits for the first screen
# The rest in steps of this many places (~15 ms each): another view chosen meanwhile
# stops it at the next step instead of waiting for a million places.
OLDER_CHUNK_PLACES = 250_000
OPERATOR_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
# `:acked`, `:archived`: views by name, as the quick filter the filter bar then shows.
NAMED_VIEWS = {"acked": "status:acked", "archived": "status:archived"}
HISTORY_FILE = "command-history"
SAVE_CURSOR_SECONDS = 5.0


class NotifyCenterApp(App[None]):
    """Header, bucket strip, event list, detail pane, prompt and footer, fed by one hub."""

    TITLE = "notifycenter"
    ESCAPE_TO_MINIMIZE = False  # the detail pane's own escape restores the list and its focus
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = APP_BINDINGS

    def __init__(
        self,
        target: Target,
        *,
        settings: TuiSettings | None = None,
        readonly: bool = False,
        initial_filter: str | None = None,
        embedded_data_dir: Path | None = None,
        state_dir: Path | None = None,
        producers: Producers | None = None,
        simulated: bool = False,
        clock: Callable[[], datetime] | None = None,
        display_tz: tzinfo | None = None,
        takeover: bool | None = None,
    ) -> None:
        super().__init__(css_path=list(css_paths()))
        self.settings = settings or TuiSettings()
        self.readonly = readonly
        self.clock = clock  # fixed in tests and screenshots, so that "today" does not move
        self.display_tz = display_tz
        self.cursors = CursorBook(state_dir) if state_dir else None
        self.view, self._startup_error = _initial_view(initial_filter)
        self.session = Session.new(target, self.settings.policy, clock)
        self.notices = new_notices()  # every notification, for the status line and `n`
        self.center = CenterScreen(self.new_event_list, simulated=simulated, notices=self.notices)
        self.flusher = FeedFlusher(self)
        self.loader = BacklogLoader(self)
        self.detail_feed = DetailFeed(self)
        self.lifecycle = LifecycleSender(self)
        self.fatal: NotifyError | None = None  # set when nothing can be shown
        self._confirm_rows: list[int] = []  # what the confirm prompt would archive
        self.command_history = CommandHistory(state_dir / HISTORY_FILE if state_dir else None)
        # Unacknowledged EMERGENCY/ALERT get the whole screen unless `[tui] takeover = false`.
        self.takeover = self.settings.takeover if takeover is None else takeover
        self.emergencies = EmergencyWatch(clock, display_tz)
        self.connection = HubConnection(
            self,
            self.settings.policy,
            cursors=self.cursors,
            embedded_data_dir=embedded_data_dir,
            producers=producers,
            hold=self.loader.operator_active,
            since_key=self.loader.since_operator_acted,
        )

    @property
    def store(self) -> EventStore:
        """The current hub's events."""
        return self.session.store

    @property
    def settled(self) -> bool:
        """Everything received is in the list for the current view, and no older page is
        still on its way: what a test or a screenshot waits for."""
        return self.flusher.settled and not self.session.loading

    # -- settings ------------------------------------------------------------------

    def check_settings(self) -> None:
        """Refuse an unknown theme or binding id before the screen is taken over."""
        check_keymap(self.settings.keymap, binding_ids())
        theme = self.settings.theme
        if theme is not None and theme not in self.available_themes:
            raise INVALID_TUI_SETTING.error(
                f"tui.theme {theme!r} is not a theme; available: {', '.join(sorted(self.available_themes))}"
            )

    # -- layout and life -----------------------------------------------------------

    def new_event_list(self) -> EventList:
        """A list over the current session's store."""
        events = EventList(self.session.store, id="events")
        if self.clock is not None:
            events.clock = self.clock
        events.tz = self.display_tz
        return events

    def get_default_screen(self) -> CenterScreen:
        # Textual adds the width's class at the first resize, and adding it then styles
        # and lays out every widget a second time; known now, the first pass is the last.
        breakpoints = self.HORIZONTAL_BREAKPOINTS
        self.center.add_class(*width_classes(self.size.width, breakpoints), update=False)
        return self.center

    def on_mount(self) -> None:
        self.check_settings()
        if self.settings.theme:
            self.theme = self.settings.theme
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))

    @on(CenterScreen.Ready)
    def _start(self) -> None:
        """The widgets exist: show the state, start the timers, connect."""
        header = self.center.header
        header.context_name, header.server = self.session.target.name, self.session.target.server
        header.embedded = self.connection.embedded_data_dir is not None
        header.readonly = self.readonly
        self.center.show_view(self.view)
        self.set_interval(FLUSH_SECONDS, self.flusher.flush)
        self.set_interval(1.0, self._tick)
        self.start_worker(self.loader.run, group="loader")
        self.start_worker(self.loader.count_from_hub, group="counts")
        if self.cursors is not None:
            self.set_interval(SAVE_CURSOR_SECONDS, self._save_cursor)
        self.center.events.focus()
        self.center.prompt.history = self.command_history
        self.center.prompt.contexts = context_names
        if self._startup_error is not None:
            self.show_error(self._startup_error)
        self.connect()

    async def on_event(self, event: events.Event) -> None:
        """A key or click pauses the backlog's loading for a moment: it goes first."""
        if isinstance(event, OPERATOR_INPUT):
            self.loader.operator_acted()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self._save_cursor()
        await self.connection.close(self.session)

    def connect(self) -> None:
        self.start_worker(self.connection.connect, group="connect")

    def start_worker(self, work: Work, group: str, exclusive: bool = True) -> Worker[None]:
        """Run `work` in a worker of the app; its errors reach `on_worker_state_changed`."""

        async def run() -> None:
            await work()

        return self.run_worker(run, group=group, exclusive=exclusive, exit_on_error=False)

    def start_select(self, view: ViewState, store: EventStore, stale: int) -> None:
        """A small store, or a view that keeps few rows, is selected at once (the rows come
        in the same frame as what the key changed: a closing prompt, the bucket strip); a
        big view of a big store in a thread (it takes a while)."""
        query = view.query()
        if len(store) > INLINE_SELECT_ROWS and not store.few_rows(query):
            self._select(query, store, stale)
            return
        try:
            self.flusher.shown(store.select(query), query, store, stale)
        finally:
            self.flusher.select_done()

    @work(group="filter", exclusive=True, thread=True, exit_on_error=False)
    def _select(self, query: ViewQuery, store: EventStore, stale: int) -> None:
        """Select the rows in a thread; the store is not written to until it is done.
        The first screen first: the rows below the log are walked for `FIRST_PLACES`
        places and shown; once it is painted the rest is appended step by step (a
        million places take ~60 ms), unless another view was chosen meanwhile."""
        try:
            index = store.select(query, older_limit=FIRST_PLACES)
            if len(index) < FIRST_ROWS and index.older_end < store.older_length:
                index = store.select(query)  # too few for a screen: all of it at once
            self.call_from_thread(self.flusher.shown, index, query, store, stale)
            start = index.older_end
            if start < store.older_length:
                self._wait_for_paint()  # the GIL to the first screen's paint, not to the rest
                steps = store.select_older_steps(query, start, OLDER_CHUNK_PLACES)
                while not self.flusher.view_changed and (rest := next(steps, None)) is not None:
                    self.call_from_thread(self.flusher.shown_below, rest, start, query)
                    start = rest.older_end
        finally:
            self.call_from_thread(self.flusher.select_done)

    def _wait_for_paint(self) -> None:
        """In a worker thread: return once the screen has painted what was just shown
        (or after a moment, should the screen not paint at all)."""
        painted = threading.Event()
        self.call_from_thread(self.call_after_refresh, painted.set)
        painted.wait(PAINT_WAIT_SECONDS)

    def _tick(self) -> None:
        """Acks whose `until` passed lapse; the list and counts follow; an emergency
        takes the screen."""
        if self.center.alive:
            self.flusher.apply(self.store.tick())
            self._take_over()
            self._age_detail()

    def _age_detail(self) -> None:
        """The detail's ages move on: shown again when its time's text changed (at most
        once a minute), not every second."""
        detail, row = self.center.detail.detail, self.highlighted_row
        shown = dict(detail.fields).get("time") if detail is not None else None
        if shown is None or row is None or row >= len(self.store):
            return  # nothing shown, or a row of the store a context switch just replaced
        now = self.center.events.clock()
        if moment_text(self.store.event(row).get("time"), now, self.display_tz) != shown:
            self.refresh_detail()

    # -- emergencies ---------------------------------------------------------------

    def _take_over(self) -> None:
        """Show every pending emergency in one view; close it when none is left."""
        if not self.takeover:
            return
        pending = self.emergencies.pending(self.store)
        screens = [s for s in self.screen_stack if isinstance(s, EmergencyScreen)]
        if screens:
            if pending:
                screens[0].replace(pending)
            else:
                self._close_emergency(screens[0])
        elif pending:
            self.push_screen(EmergencyScreen(pending, readonly=self.readonly))
            self.bell()

    def _close_emergency(self, screen: EmergencyScreen) -> None:
        if self.screen is screen:
            self.pop_screen()
        else:
            screen.replace([])  # under help: it goes at the next tick after help closes

    @on(EmergencyScreen.Act)
    def _emergency_act(self, message: EmergencyScreen.Act) -> None:
        emergency = message.emergency
        row = self.store.find(emergency.cursor)  # a snapshot may have replaced the store
        refs = self.store.cursors(row) if row is not None else [emergency.cursor]
        work = partial(
            self._emergency_send,
            emergency.cursor,
            refs,
            message.verb,
            message.comment,
            message.to,
        )
        self.start_worker(work, "lifecycle", exclusive=False)

    async def _emergency_send(
        self, cursor: str, refs: list[str], verb: Verb, comment: str | None, to: str | None
    ) -> None:
        self.tell(await send_lifecycle(self.session.client, verb, refs, comment, to=to))
        self.emergencies.handled.add(cursor)
        self._take_over()

    @on(EmergencyScreen.Left)
    def _emergency_left(self, message: EmergencyScreen.Left) -> None:
        self.emergencies.handled.update(message.cursors)
        self._take_over()

    def _save_cursor(self) -> None:
        policy = self.session.policy
        if self.cursors is not None and policy.seen and not policy.in_backlog:
            self.cursors.save(self.session.target.name, policy.seen)

    # -- what the operator is told -------------------------------------------------

    def toasts_wanted(self) -> bool:
        """Toasts wait (and coalesce) while help, a dialog or the operations view is on top
        and while the detail has the whole screen (a pause holds them in the policy)."""
        return self.screen is self.center and not self.center.detail_full

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification goes to the status line and the drawer (`n`), which cover
        nothing; a pop-up toast only with `[tui.notifications] toasts = true`. Messages
        carry the hub's text (ids, error codes, reasons): made inert here, once, and read
        as markup only when a caller asks."""
        message, title = sanitize(message, NOTICE_LIMIT), sanitize_line(title, 200)
        notice = Notice(title, message, severity, datetime.now(UTC))
        self.notices.append(notice)
        self.center.show_notice(notice)
        if self.settings.policy.toasts:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_notifications(self) -> None:
        self.center.toggle_notices()

    def toast(self, toast: Toast) -> None:
        self.notify(toast.message, title=toast.title, severity=toast.level, markup=False)
        if toast.bell:
            self.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker errors are handled here, once."""
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.group == "filter":
            self.flusher.select_done()
        error = event.worker.error
        if not isinstance(error, NotifyError):
            error = WORKER_FAILED.error(f"{event.worker.name}: {type(error).__name__}: {error}")
        revoked = self.connection.revoked(error, event.worker.group)
        if error.code == TOKEN_REFUSED.code:
            self.show_fatal(error)
        elif revoked is not None:
            self.token_revoked(revoked)
        else:
            self.show_error(error)

    def token_revoked(self, refusal: NotifyError) -> None:
        """Connected, then refused: what arrived stays on screen, nothing is retried with
        the bad token, and the status line says what to do (`:ctx` reconnects once fixed)."""
        first = self.session.refused is None
        for group in READING_GROUPS:
            self.workers.cancel_group(self, group)
        self.connection.stop_refused(refusal)
        if first:
            title, message, level = refusal_notice(refusal)
            self.notify(message, title=title, severity=level, markup=False, timeout=30)

    def show_fatal(self, error: NotifyError) -> None:
        """Nothing can be shown: a screen that says why and what to do; q exits 1."""
        self.fatal = error
        for group in ("stream", "backfill", "connect"):
            self.workers.cancel_group(self, group)
        target = self.session.target
        self.push_screen(FatalScreen(error, target.name, target.server))

    async def action_quit(self) -> None:
        self.exit(return_code=FATAL_EXIT if self.fatal is not None else 0)

    def show_error(self, error: NotifyError) -> None:
        """Code, what happened, probable cause, remediation: enough to act on."""
        title, message, level = error_notice(error)
        self.notify(message, title=title, severity=level, markup=False, timeout=10)

    @on(ConnectionChanged)
    def _connection_changed(self, message: ConnectionChanged) -> None:
        self.connection.state_changed(message.state)

    # -- selection and detail ------------------------------------------------------

    @property
    def highlighted_row(self) -> int | None:
        return self.center.events.highlighted_row_id if self.center.alive else None

    @on(EventList.Highlighted)
    def _list_highlighted(self) -> None:
        self.refresh_detail()

    @on(EventList.Selected)
    def _list_selected(self) -> None:
        """Enter gives the detail the list's place (prompts and footer stay drawn);
        escape brings the list back."""
        self.center.show_detail_full(True)
        self.center.detail.focus()

    @on(DetailPane.Closed)
    def _detail_closed(self) -> None:
        self.center.show_detail_full(False)
        if self.center.alive:
            self.center.events.focus()

    def action_step_back(self) -> None:
        """Escape steps back one level; it never clears a filter by itself."""
        if self.center.detail_full:
            self._detail_closed()
        elif self.center.alive and self.center.events.marked:
            self.center.events.clear_marks()
        elif self.view.describe():
            self.tell("The filter stays: c or :clear clears it.")

    def refresh_detail(self) -> None:
        self.detail_feed.refresh()

    def action_raw(self) -> None:
        self.center.detail.toggle_raw()

    # -- view ----------------------------------------------------------------------

    def action_bucket(self, name: str) -> None:
        bucket = Bucket(name)
        self._set_view(replace(self.view, bucket=None if self.view.bucket is bucket else bucket))

    @on(BucketStrip.Chosen)
    def _bucket_chosen(self, message: BucketStrip.Chosen) -> None:
        self.action_bucket(message.bucket.value)

    def action_errors_only(self) -> None:
        self._set_view(replace(self.view, errors_only=not self.view.errors_only))

    def action_problems_only(self) -> None:
        """k9s's ctrl+z: only errors and warnings, and back."""
        self._set_view(replace(self.view, problems_only=not self.view.problems_only))

    def action_mark_range(self) -> None:
        """Mark every row from the nearest marked one to the highlighted one (a lone mark
        when none is marked): then `a`, `r` or `x` acts on the range."""
        events = self.center.events
        if events.highlighted_row_id is None:
            return
        index, cursor = events.index, events.cursor_position
        anchors = [p for p in map(partial(self._position_of, index), events.marked) if p >= 0]
        anchor = min(anchors, key=lambda p: abs(p - cursor), default=cursor)
        low, high = sorted((anchor, cursor))
        rows = index[low : high + 1]
        events.marked.update(rows)
        events.refresh_rows(rows)
        self.tell(f"{len(events.marked):,} marked")

    def _position_of(self, index: array[int], row: int) -> int:
        """Where a marked row is in the shown index; -1 when the view does not show it."""
        position = position_in(self.store, index, row)
        return position if position < len(index) and index[position] == row else -1

    def action_select_all(self) -> None:
        """Mark every row of the current view (Meshery's select-all); escape unmarks."""
        events = self.center.events
        events.marked.update(events.index)
        top = events.scroll_offset.y
        events.refresh_rows(events.index[top : top + events.size.height])  # what is on screen
        self.tell(f"{len(events.index):,} marked: a, r, x act on all of them (escape unmarks)")

    def action_clear(self) -> None:
        self._set_view(self.view.cleared())

    def _set_view(self, view: ViewState) -> None:
        """The bucket strip answers the key at once; the filter bar comes with the view's
        rows (a big store selects in a thread): one layout and paint instead of two."""
        self.view = view
        if self.center.alive:
            self.center.buckets.select(view.bucket)
        self.flusher.view_set()

    def on_resize(self) -> None:
        self.center.show_view(self.view)

    def action_pause(self) -> None:
        """The list holds still (nothing is lost: the store keeps taking events in); toasts
        wait too, and what came meanwhile is one digest on resume."""
        events, policy = self.center.events, self.session.policy
        events.paused = not events.paused
        self.center.header.paused_count = events.pending_new if events.paused else None
        if events.paused:
            policy.begin_backlog(None)
        else:
            policy.backlog_until(policy.seen or "0")

    @on(EventList.NewAbove)
    def _new_above(self, message: EventList.NewAbove) -> None:
        if self.center.alive:
            self.center.header.new_above = message.count

    @on(EventList.PendingChanged)
    def _pending_changed(self, message: EventList.PendingChanged) -> None:
        if self.center.alive and self.center.events.paused:
            self.center.header.paused_count = message.count

    def action_filter(self) -> None:
        self.center.prompt.open("filter", self.view.quick_text)

    def action_command_line(self) -> None:
        self.center.prompt.open("command")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(binding_rows(self)))

    # -- operations and links ------------------------------------------------------

    def action_operations(self, focus: str | None = None) -> None:
        self.push_screen(OperationsScreen(self.session.client, focus=focus))

    def action_open_operation(self) -> None:
        """The detail pane's operation link: open the operations view on it."""
        row = self.highlighted_row
        spans = span_ids(self.store.event(row)) if row is not None else None
        if spans is None:
            self.notify("This event belongs to no operation.", markup=False, timeout=3)
            return
        self.action_operations(spans[1])

    def action_same_correlation(self) -> None:
        """The correlation link: every event of the same request."""
        row = self.highlighted_row
        correlation = self.store.event(row).get("correlationid") if row is not None else None
        if not isinstance(correlation, str) or not correlation:
            self.notify("This event has no correlation id.", markup=False, timeout=3)
            return
        quoted = correlation.replace("'", "\\'")
        self._set_view(self.view.cleared().with_cesql(f"correlationid = '{quoted}'"))

    @on(OperationsScreen.EventsRequested)
    def _operation_events(self, message: OperationsScreen.EventsRequested) -> None:
        """From the operations view: that operation's events in the list, its own at once,
        its sub-operations' as soon as the hub has said which they are."""
        self._set_view(
            replace(
                self.view.cleared(),
                operation=message.operation_id,
                operation_name=sanitize_line(message.name, 80),
            )
        )
        self.start_worker(
            partial(self._operation_spans, message.operation_id), group="operation-spans"
        )

    async def _operation_spans(self, operation_id: str) -> None:
        client = self.session.client
        if client is None:
            return
        spans = subtree_ids(await client.operation(operation_id))
        if self.view.operation == operation_id and len(spans) > 1:
            self._set_view(replace(self.view, operation_spans=frozenset(spans)))

    def action_code_docs(self, code: str = "") -> None:
        """The highlighted event's error code (or the one given): its documentation."""
        row = self.highlighted_row
        code = code.strip() or (self.store.row(row).code if row is not None else "")
        if not code:
            self.tell("This event carries no error code.")
            return
        self.push_screen(CodeScreen(code))

    # -- lifecycle -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_top = self.screen_stack[-1] if self.screen_stack else None
        if isinstance(on_top, EmergencyScreen | FatalScreen) and action not in (
            "quit",
            "help",
        ):
            return False  # the list's keys wait until the emergency is handled
        return action_state(
            action, readonly=self.readonly, has_row=self.highlighted_row is not None
        )

    def action_ack(self) -> None:
        self.change(Verb.ACK)

    def action_ack_comment(self) -> None:
        self.center.prompt.open("comment")

    def action_unack(self) -> None:
        self.change(Verb.UNACK)

    def action_take(self) -> None:
        self.change(Verb.TAKE)

    def action_resolve(self) -> None:
        self.change(Verb.RESOLVE)

    def action_reopen(self) -> None:
        self.change(Verb.REOPEN)

    def action_archive(self) -> None:
        """Archiving several rows hides them all: asked first, with the count."""
        rows = self.lifecycle.targets()
        if len(rows) < 2 or self.readonly:
            self.change(Verb.ARCHIVE)
            return
        self._confirm_rows = rows
        occurrences = sum(self.store.occurrences(row) for row in rows)
        question = f"archive {len(rows):,} rows ({occurrences:,} events)? enter=yes esc=no"
        self.center.prompt.open("confirm", prefix=question)

    def action_toggle_read(self) -> None:
        row = self.highlighted_row
        unread = row is not None and status_of(self.store.row(row)) == "unread"
        self.change(Verb.READ if unread else Verb.UNREAD)

    def change(
        self,
        verb: Verb,
        comment: str | None = None,
        until: str | None = None,
        to: str | None = None,
    ) -> None:
        self.lifecycle.change(verb, comment, until, to=to)

    def tell(self, text: str) -> None:
        """A short notice that asks for nothing."""
        self.notify(text, timeout=2, markup=False)

    # -- the prompt and `:` commands -----------------------------------------------

    def _prompt_closed(self) -> None:
        """Focus goes back where the prompt was opened from: the footer shows its keys."""
        if not self.center.alive:
            return
        back = self.center.prompt.return_to
        if back is None or not back.is_attached or not back.display:
            back = self.center.detail if self.center.detail_full else self.center.events
        back.focus()

    @on(PromptBar.Submitted)
    def _prompt_submitted(self, message: PromptBar.Submitted) -> None:
        self._prompt_closed()
        try:
            if message.mode == "filter":
                self._set_view(self.view.with_quick(message.value))
            elif message.mode == "comment":
                comment, until = split_ack_argument(message.value)
                self.change(Verb.ACK, comment, until)
            elif message.mode == "confirm":
                rows, self._confirm_rows = self._confirm_rows, []
                if message.value.strip().lower() in YES:
                    self.lifecycle.change(Verb.ARCHIVE, rows=rows)
                else:
                    self.tell("Nothing archived.")
            else:
                self.run_command(parse_command(message.value))
        except NotifyError as error:
            self.show_error(error)

    @on(PromptBar.Cancelled)
    def _prompt_cancelled(self) -> None:
        if self.center.alive and self.center.prompt.mode == "confirm":
            self._confirm_rows = []
            self.tell("Nothing archived.")
        self._prompt_closed()

    def run_command(self, command: Command) -> None:
        if command.name in VERBS:
            comment, until = (
                split_ack_argument(command.argument) if command.name == "ack" else (None, None)
            )
            self.change(VERBS[command.name], comment, until)
        elif command.name == "filter":
            self._set_view(self.view.with_cesql(command.argument))
        elif command.name == "assign":
            if not command.argument:
                raise ASSIGN_WITHOUT_USER.error(":assign needs the user who takes it over")
            self.change(Verb.ASSIGN, to=command.argument)
        elif command.name == "silence":
            silence_highlighted(self, command.argument)
        elif command.name == "code":
            self.action_code_docs(command.argument)
        elif command.name in NAMED_VIEWS:
            self._set_view(self.view.cleared().with_quick(NAMED_VIEWS[command.name]))
        elif command.name == "context":
            self.start_worker(partial(self.switch_context, command.argument), group="context")
        else:
            actions: dict[str, Callable[[], object]] = {
                "clear": self.action_clear,
                "ops": self.action_operations,
                "pause": self.action_pause,
                "help": self.action_help,
                "quit": self.exit,
            }
            actions[command.name]()

    def view_query(self) -> ViewQuery:
        return self.view.query()

    def adopt_snapshot(self, session: Session, prepared: PreparedSnapshot) -> None:
        """The hub's snapshot becomes the store; the stream starts again after it (the
        new stream worker cancels the old one before either runs again)."""
        adopt(self, session, prepared)
        since = format_cursor(max(prepared.through, 0))
        self.start_worker(partial(self.connection.stream, session, since), group="stream")

    async def switch_context(self, name: str) -> None:
        """Drop the session (store, stream, everything shown) and start over on another hub."""
        from notifycenter.config import resolve_target

        target = resolve_target(context=name or None)
        self._save_cursor()
        for group in ("stream", "backfill", "connect", "history"):
            self.workers.cancel_group(self, group)
        old = self.session
        if old.client is not None:
            self.start_worker(old.client.aclose, group="close", exclusive=False)
        self.connection.embedded_data_dir = None
        self.session = Session.new(target, self.settings.policy, self.clock)
        self.emergencies = EmergencyWatch(self.clock, self.display_tz)
        await self.center.start_over(target.name, target.server)
        self.flusher.list_replaced()
        self.connect()


def context_names() -> list[str]:
    """For `:context` completion; a config that cannot be read completes nothing."""
    from notifycenter.config import load_config

    try:
        return sorted(load_config().contexts)
    except NotifyError:
        return []


def _initial_view(text: str | None) -> tuple[ViewState, NotifyError | None]:
    """`--filter`, checked as `/` and `:filter` check theirs: a bad one is refused with the
    same error and the list starts unfiltered."""
    if not text:
        return ViewState(), None
    try:
        return ViewState().with_initial(text), None
    except NotifyError as error:
        return ViewState(), error
