"""The notification center: what needs attention, why, what to do, and who is on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import Footer, Label
from textual.worker import Worker, WorkerState

from notifycenter.catalogue.tui import INVALID_TUI_SETTING, WORKER_FAILED
from notifycenter.config import Target
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import span_ids
from notifycenter.model.lifecycle import Verb
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import Bucket
from notifycenter.tui.commandline import Command, parse_command, split_ack_argument
from notifycenter.tui.connection import HubConnection, new_store
from notifycenter.tui.cursors import CursorBook
from notifycenter.tui.detail_model import build_detail
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.flush import FeedFlusher
from notifycenter.tui.help import HelpScreen
from notifycenter.tui.history import HistoryLoader
from notifycenter.tui.lifecycle_actions import LifecycleActions, status_of
from notifycenter.tui.policy import NotificationPolicy, Toast
from notifycenter.tui.settings import TuiSettings, check_keymap
from notifycenter.tui.styles import css_paths
from notifycenter.tui.view_state import ViewState, fit_description, subtree_ids
from notifycenter.tui.widgets.buckets import BucketStrip
from notifycenter.tui.widgets.detail import DetailPane
from notifycenter.tui.widgets.header import HeaderBar
from notifycenter.tui.widgets.prompt import PromptBar

FLUSH_SECONDS = 0.1
SAVE_CURSOR_SECONDS = 5.0
FILTER_BAR_LINES = 3  # the bar wraps; past that the middle is elided
BUCKET_KEYS = dict(zip("1234", Bucket, strict=False))

Producers = Callable[[str], Awaitable[None]]


class NotifyCenterApp(FeedFlusher, HubConnection, HistoryLoader, LifecycleActions, App[None]):
    """Header, bucket strip, event list, detail pane, prompt and footer, fed by one hub."""

    TITLE = "notifycenter"
    ESCAPE_TO_MINIMIZE = False  # the detail pane's own escape restores the list and its focus
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("slash", "filter", "Filter", id="view.filter"),
        Binding("colon", "command_line", "Command", id="view.command"),
        *[
            Binding(
                key,
                f"bucket('{b.value}')",
                b.value.title(),
                id=f"view.bucket.{b.value}",
                show=False,
            )
            for key, b in BUCKET_KEYS.items()
        ],
        Binding("e", "errors_only", "Errors only", id="view.errors-only"),
        Binding("escape", "clear", "Clear filter", id="view.clear", show=False),
        Binding("p", "pause", "Pause", id="view.pause"),
        Binding("o", "operations", "Ops", id="view.operations", show=False),
        Binding("v", "raw", "Raw JSON", id="detail.raw", show=False),
        Binding("O", "open_operation", "Its operation", id="detail.operation", show=False),
        Binding("C", "same_correlation", "Same correlation", id="detail.correlation", show=False),
        Binding("a", "ack", "Ack", id="lifecycle.ack"),
        Binding("A", "ack_comment", "Ack+comment", id="lifecycle.ack-comment", show=False),
        Binding("u", "unack", "Unack", id="lifecycle.unack", show=False),
        Binding("r", "resolve", "Resolve", id="lifecycle.resolve"),
        Binding("R", "reopen", "Reopen", id="lifecycle.reopen", show=False),
        Binding("m", "toggle_read", "Read/unread", id="lifecycle.read", show=False),
        Binding("x", "archive", "Archive", id="lifecycle.archive", show=False),
    ]

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
    ) -> None:
        super().__init__(css_path=css_paths())
        self.target = target
        self.settings = settings or TuiSettings()
        self.readonly = readonly
        self.embedded_data_dir = embedded_data_dir
        self.producers = producers
        self.simulated = simulated
        self.clock = clock  # fixed in tests and screenshots, so that "today" does not move
        self.display_tz = display_tz
        self.cursors = CursorBook(state_dir) if state_dir else None
        self.view, self._startup_error = _initial_view(initial_filter)
        self.feed = FeedBuffer()
        self.records = FeedBuffer()  # pages of records from GET /api/events
        self.backfill: Any = None
        self.policy = NotificationPolicy(self.settings.policy)
        self.client: Any = None
        self.embedded_hub: Any = None
        self.store = new_store(self.clock)
        self._selecting = False
        self._refilter_wanted = True
        self._view_changed = False
        self._stream_worker: Worker[None] | None = None
        self._main_screen: Any = None

    # -- settings ------------------------------------------------------------------

    def check_settings(self) -> None:
        """Refuse an unknown theme or binding id before the screen is taken over."""
        from notifycenter.tui.event_list import EventList

        bindings = [
            *self.BINDINGS,
            *EventList.BINDINGS,
            *PromptBar.BINDINGS,
            *HelpScreen.BINDINGS,
            *DetailPane.BINDINGS,
            *_operations_bindings(),
        ]
        ids = [b.id for b in bindings if isinstance(b, Binding) and b.id]
        check_keymap(self.settings.keymap, ids)
        theme = self.settings.theme
        if theme is not None and theme not in self.available_themes:
            raise INVALID_TUI_SETTING.error(
                f"tui.theme {theme!r} is not a theme; available: {', '.join(sorted(self.available_themes))}"
            )

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield BucketStrip(id="buckets")
        yield Label("", id="filter-bar", markup=False)
        if self.simulated:
            yield Label("Demo: every producer here is simulated.", id="simulated", markup=False)
        with Container(id="main"):
            yield self._new_event_list()
            yield DetailPane(id="detail")
        yield PromptBar(id="prompt")
        yield Footer()

    @property
    def _ui(self) -> Any:
        """The main screen, even while help or the operations view is on top of it."""
        return self._main_screen or self.screen

    def on_mount(self) -> None:
        self._main_screen = self.screen
        self.check_settings()
        if self.settings.theme:
            self.theme = self.settings.theme
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        header = self._ui.query_one(HeaderBar)
        header.context_name, header.server = self.target.name, self.target.server
        header.embedded = self.embedded_data_dir is not None
        header.readonly = self.readonly
        self._ui.query_one(PromptBar).close()
        self._show_view_state()
        self.set_interval(FLUSH_SECONDS, self._flush_feed)
        self.set_interval(1.0, self._tick)
        if self.cursors is not None:
            self.set_interval(SAVE_CURSOR_SECONDS, self._save_cursor)
        self._event_list().focus()
        if self._startup_error is not None:
            self.show_error(self._startup_error)
        self.connect()

    async def on_unmount(self) -> None:
        self._save_cursor()
        if self.client is not None:
            await self.client.aclose()
        if self.embedded_hub is not None:
            await self.embedded_hub.stop()

    def _event_list(self) -> Any:
        from notifycenter.tui.event_list import EventList

        return self._ui.query_one(EventList)

    # -- the flush timer: see flush.py ----------------------------------------

    def _tick(self) -> None:
        """Acks whose `until` passed lapse; the list and counts follow."""
        if self._alive():
            self._apply(self.store.tick())

    def _alive(self) -> bool:
        """False while shutting down, when timers and workers outlive the main screen."""
        ui = self._main_screen
        return ui is not None and all(
            ui.query(part) for part in ("#events", "#detail", "#header", "#buckets")
        )

    def _toast(self, toast: Toast) -> None:
        self.notify(toast.message, title=toast.title, severity=toast.level, markup=False)  # type: ignore[arg-type]
        if toast.bell:
            self.bell()

    def _save_cursor(self) -> None:
        if self.cursors is not None and self.policy.seen and not self.policy.in_backlog:
            self.cursors.save(self.target.name, self.policy.seen)

    # -- worker errors: handled here, once -----------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.group == "filter":
            self._selecting = False
        error = event.worker.error
        if not isinstance(error, NotifyError):
            error = WORKER_FAILED.error(f"{event.worker.name}: {type(error).__name__}: {error}")
        self.show_error(error)

    def show_error(self, error: NotifyError) -> None:
        """Code, what happened, probable cause, remediation: enough to act on."""
        lines = [*error.short_description, *error.long_description]
        lines += [f"cause: {cause}" for cause in error.probable_cause[:2]]
        lines += [
            f"fix {n}: {remedy}" for n, remedy in enumerate(error.suggested_remediation[:3], 1)
        ]
        level = "warning" if error.severity == "WARNING" else "error"
        self.notify(
            "\n".join(sanitize_line(line, 400) for line in lines),
            title=sanitize_line(error.code, 40),
            severity=level,
            markup=False,
            timeout=10,
        )

    # -- selection and detail ------------------------------------------------------

    def _highlighted(self) -> int | None:
        return self._event_list().highlighted_row_id if self._alive() else None

    def _targets(self) -> list[int]:
        """The marked rows, or else the highlighted one."""
        marked = list(self._event_list().marked)
        if marked:
            return marked
        row = self._highlighted()
        return [] if row is None else [row]

    def on_event_list_highlighted(self, message: Any) -> None:
        self._refresh_detail()

    def on_event_list_selected(self, message: Any) -> None:
        """Enter gives the detail the whole screen; escape brings the list back."""
        pane = self._ui.query_one(DetailPane)
        pane.focus()
        self._ui.maximize(pane, container=False)

    def on_detail_pane_closed(self, message: Any) -> None:
        self._ui.minimize()
        if self._alive():
            self._event_list().focus()

    def _refresh_detail(self) -> None:
        if not self._alive():
            return
        row = self._highlighted()
        pane = self._ui.query_one(DetailPane)
        self.refresh_bindings()  # lifecycle keys need a highlighted row
        if row is None:
            described = self.view.describe()
            pane.show(None, f"No events match {described}." if described else None)
            return
        view = self.store.row(row)
        history = self.history_of(row)
        pane.show(build_detail(self.store.event(row), history, status_of(view)))

    def action_raw(self) -> None:
        self._ui.query_one(DetailPane).toggle_raw()

    # -- view ----------------------------------------------------------------------

    def action_bucket(self, name: str) -> None:
        bucket = Bucket(name)
        self._set_view(replace(self.view, bucket=None if self.view.bucket is bucket else bucket))

    @on(BucketStrip.Chosen)
    def _bucket_chosen(self, message: BucketStrip.Chosen) -> None:
        self.action_bucket(message.bucket.value)

    def action_errors_only(self) -> None:
        self._set_view(replace(self.view, errors_only=not self.view.errors_only))

    def action_clear(self) -> None:
        self._set_view(self.view.cleared())

    def _set_view(self, view: ViewState) -> None:
        self.view = view
        self._refilter_wanted = self._view_changed = True
        self._show_view_state()

    def _show_view_state(self) -> None:
        if not self.is_mounted:
            return
        self._ui.query_one(BucketStrip).select(self.view.bucket)
        bar = self._ui.query_one("#filter-bar", Label)
        width = max(self._ui.size.width - 2, 40)
        room = width * FILTER_BAR_LINES - width // 3 - len("filter: ")  # slack: words wrap early
        text = fit_description(self.view, room)
        bar.update(f"filter: {text}" if text else "")
        bar.display = bool(text)

    def on_resize(self) -> None:
        self._show_view_state()

    def action_pause(self) -> None:
        """The list holds still (nothing is lost: the store keeps taking events in); toasts
        wait too, and what came meanwhile is one digest on resume."""
        events = self._event_list()
        events.paused = not events.paused
        self._ui.query_one(HeaderBar).paused_count = events.pending_new if events.paused else None
        if events.paused:
            self.policy.begin_backlog(None)
        else:
            self.policy.backlog_until(self.policy.seen or "0")

    def on_event_list_new_above(self, message: Any) -> None:
        if self._alive():
            self._ui.query_one(HeaderBar).new_above = message.count

    def on_event_list_pending_changed(self, message: Any) -> None:
        if self._alive() and self._event_list().paused:
            self._ui.query_one(HeaderBar).paused_count = message.count

    def action_filter(self) -> None:
        self._ui.query_one(PromptBar).open("filter", self.view.quick_text)

    def action_command_line(self) -> None:
        self._ui.query_one(PromptBar).open("command")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, id) of every binding active now, in the keymap's spelling."""
        rows = []
        for _key, active in self.active_bindings.items():
            binding = active.binding
            if not binding.description or not active.enabled:
                continue
            rows.append((self.get_key_display(binding), binding.description, binding.id or ""))
        return rows

    def action_operations(self, focus: str | None = None) -> None:
        try:
            from notifycenter.tui.operations import OperationsScreen
        except ImportError:
            self.notify(
                "Operations are not available in this build.", severity="warning", markup=False
            )
            return
        self.push_screen(
            OperationsScreen(self.client, focus=focus) if focus else OperationsScreen(self.client)
        )

    def action_open_operation(self) -> None:
        """The detail pane's operation link: open the operations view on it."""
        row = self._highlighted()
        spans = span_ids(self.store.event(row)) if row is not None else None
        if spans is None:
            self.notify("This event belongs to no operation.", markup=False, timeout=3)
            return
        self.action_operations(spans[1])

    def action_same_correlation(self) -> None:
        """The correlation link: every event of the same request."""
        row = self._highlighted()
        correlation = self.store.event(row).get("correlationid") if row is not None else None
        if not isinstance(correlation, str) or not correlation:
            self.notify("This event has no correlation id.", markup=False, timeout=3)
            return
        quoted = correlation.replace("'", "\\'")
        self._set_view(self.view.cleared().with_cesql(f"correlationid = '{quoted}'"))

    def on_operations_screen_events_requested(self, message: Any) -> None:
        """From the operations view: that operation's events in the list, its own at once,
        its sub-operations' as soon as the hub has said which they are."""
        self._set_view(
            replace(
                self.view.cleared(),
                operation=message.operation_id,
                operation_name=sanitize_line(message.name, 80),
            )
        )
        self._operation_spans(message.operation_id)

    @work(group="operation-spans", exclusive=True, exit_on_error=False)
    async def _operation_spans(self, operation_id: str) -> None:
        spans = subtree_ids(await self.client.operation(operation_id))
        if self.view.operation == operation_id and len(spans) > 1:
            self._set_view(replace(self.view, operation_spans=frozenset(spans)))

    # -- the prompt ----------------------------------------------------------------

    @on(PromptBar.Submitted)
    def _prompt_submitted(self, message: PromptBar.Submitted) -> None:
        self._event_list().focus()
        try:
            if message.mode == "filter":
                self._set_view(self.view.with_quick(message.value))
            elif message.mode == "comment":
                comment, until = split_ack_argument(message.value)
                self.change(Verb.ACK, comment, until)
            else:
                self.run_command(parse_command(message.value))
        except NotifyError as error:
            self.show_error(error)

    @on(PromptBar.Cancelled)
    def _prompt_cancelled(self) -> None:
        self._event_list().focus()

    def run_command(self, command: Command) -> None:
        verbs = {
            "ack": Verb.ACK,
            "unack": Verb.UNACK,
            "resolve": Verb.RESOLVE,
            "reopen": Verb.REOPEN,
            "read": Verb.READ,
            "unread": Verb.UNREAD,
            "archive": Verb.ARCHIVE,
        }
        if command.name in verbs:
            comment, until = (
                split_ack_argument(command.argument) if command.name == "ack" else (None, None)
            )
            self.change(verbs[command.name], comment, until)
        elif command.name == "filter":
            self._set_view(self.view.with_cesql(command.argument))
        elif command.name == "context":
            self.run_worker(
                self.switch_context(command.argument),
                group="context",
                exclusive=True,
                exit_on_error=False,
            )
        else:
            actions = {
                "clear": self.action_clear,
                "ops": self.action_operations,
                "pause": self.action_pause,
                "help": self.action_help,
                "quit": self.exit,
            }
            actions[command.name]()


def _operations_bindings() -> list[Any]:
    try:
        from notifycenter.tui import operations
    except ImportError:
        return []
    screens = [
        v for v in vars(operations).values() if isinstance(v, type) and hasattr(v, "BINDINGS")
    ]
    return [b for screen in screens for b in screen.BINDINGS]


def _initial_view(text: str | None) -> tuple[ViewState, NotifyError | None]:
    """`--filter`, checked as `/` and `:filter` check theirs: a bad one is refused with the
    same error and the list starts unfiltered."""
    if not text:
        return ViewState(), None
    try:
        return ViewState().with_initial(text), None
    except NotifyError as error:
        return ViewState(), error
