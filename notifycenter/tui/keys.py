"""Every key of the notification center, by binding id: the app's own here, the widgets'
with the widgets. `[tui.keymap]` in the config file remaps any of them by id."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from notifycenter.model.severity import Bucket

BUCKET_KEYS = dict(zip("1234", Bucket, strict=False))

APP_BINDINGS: list[BindingType] = [
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
    Binding("ctrl+z", "problems_only", "Errors+warnings", id="view.problems", show=False),
    Binding("V,ctrl+space", "mark_range", "Mark range", id="list.mark-range", show=False),
    Binding("ctrl+a", "select_all", "Select all", id="list.select-all", show=False),
    Binding("c", "clear", "Clear filter", id="view.clear", show=False),
    Binding("escape", "step_back", "Back", id="view.back", show=False),
    Binding("p", "pause", "Pause", id="view.pause"),
    Binding("n", "notifications", "Notices", id="view.notifications"),
    Binding("o", "operations", "Ops", id="view.operations", show=False),
    Binding("v", "raw", "Raw JSON", id="detail.raw", show=False),
    Binding("O", "open_operation", "Its operation", id="detail.operation", show=False),
    Binding("C", "same_correlation", "Same correlation", id="detail.correlation", show=False),
    Binding("d", "code_docs", "Error code docs", id="detail.docs", show=False),
    Binding("a", "ack", "Ack", id="lifecycle.ack"),
    Binding("A", "ack_comment", "Ack+comment", id="lifecycle.ack-comment", show=False),
    Binding("u", "unack", "Unack", id="lifecycle.unack", show=False),
    Binding("t", "take", "Take", id="lifecycle.take", show=False),
    Binding("r", "resolve", "Resolve", id="lifecycle.resolve"),
    Binding("R", "reopen", "Reopen", id="lifecycle.reopen", show=False),
    Binding("m", "toggle_read", "Read/unread", id="lifecycle.read", show=False),
    Binding("x", "archive", "Archive", id="lifecycle.archive", show=False),
]


def binding_ids() -> list[str]:
    """The id of every binding of every screen and widget, for checking a keymap."""
    from notifycenter.tui.codes import CodeScreen
    from notifycenter.tui.emergency import EmergencyScreen
    from notifycenter.tui.event_list import EventList
    from notifycenter.tui.fatal import FatalScreen
    from notifycenter.tui.help import HelpScreen
    from notifycenter.tui.operations import OPERATIONS_BINDINGS
    from notifycenter.tui.widgets.detail import DetailPane
    from notifycenter.tui.widgets.prompt import PromptBar

    bindings = [
        *APP_BINDINGS,
        *EventList.BINDINGS,
        *PromptBar.BINDINGS,
        *HelpScreen.BINDINGS,
        *DetailPane.BINDINGS,
        *OPERATIONS_BINDINGS,
        *EmergencyScreen.BINDINGS,
        *FatalScreen.BINDINGS,
        *CodeScreen.BINDINGS,
    ]
    return [b.id for b in bindings if isinstance(b, Binding) and b.id]
