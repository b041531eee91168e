"""Emergency takes over: an unacknowledged EMERGENCY or ALERT gets the whole screen, with
its remediation as steps to tick, until someone acknowledges it or takes it over.

The system may be close to unusable when one arrives, so the operator is walked through
the remedy rather than left to notice a toast. `EmergencyWatch` says which rows qualify;
`EmergencyScreen` shows them, one at a time with next/previous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from notifycenter.catalogue.tui import EMERGENCY_COMMAND
from notifycenter.model.lifecycle import Verb
from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import EventStore, ViewQuery
from notifycenter.tui.commandline import split_ack_argument
from notifycenter.tui.detail_model import DetailView, build_detail
from notifycenter.tui.notices import error_notice
from notifycenter.tui.widgets.footer import KeyFooter
from notifycenter.tui.widgets.prompt import PromptBar

# Unacknowledged errors at ALERT or above; audit events are their own bucket, left out.
TAKEOVER_QUERY = ViewQuery(bucket=Bucket.ERRORS, min_severity=Severity.ALERT, status="unacked")
SHOWN_AT_MOST = 50  # a flood of alerts: the newest ones, the rest once these are handled


class EmergencyWatch:
    """Which rows take over the screen: unacknowledged, never handled in this session."""

    def __init__(
        self, clock: Callable[[], datetime] | None = None, tz: tzinfo | None = None
    ) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))  # times read as in the detail
        self.tz = tz
        self.handled: set[str] = set()  # cursors acknowledged, handed over or dismissed
        self._built: dict[str, Emergency] = {}  # what the view shows, built once per event

    def pending(self, store: EventStore) -> list[Emergency]:
        """The newest `SHOWN_AT_MOST` waiting, newest first; cheap enough once a second
        (byte masks and a byte search select them, only new ones are read and built)."""
        found: list[Emergency] = []
        for row in store.select(TAKEOVER_QUERY):
            cursor = store.row(row).cursor
            if cursor in self.handled:
                continue
            built = self._built.get(cursor)
            if built is None or built.row != row:
                built = self._built[cursor] = emergency_of(store, row, self.clock(), self.tz)
            found.append(built)
            if len(found) == SHOWN_AT_MOST:
                break
        shown = {e.cursor for e in found}
        self._built = {c: e for c, e in self._built.items() if c in shown}
        return found


@dataclass(frozen=True)
class Emergency:
    row: int
    cursor: str
    view: DetailView


def emergency_of(
    store: EventStore, row: int, now: datetime | None = None, tz: tzinfo | None = None
) -> Emergency:
    """Built once: its time's age is the one when it took over."""
    view = build_detail(store.event(row), now=now, tz=tz)
    return Emergency(row, store.row(row).cursor, view)


class EmergencyScreen(Screen[None]):
    """One emergency at a time: summary, code, cause, numbered steps that tick."""

    BINDINGS = [
        Binding("a", "ack", "Acknowledge", id="emergency.ack"),
        Binding("A", "ack_comment", "Ack+comment", id="emergency.ack-comment"),
        Binding("colon", "command", ":assign user", id="emergency.command"),
        Binding("down,j", "step(1)", "Next step", id="emergency.step-down", show=False),
        Binding("up,k", "step(-1)", "Previous step", id="emergency.step-up", show=False),
        Binding("space,enter", "tick", "Tick step", id="emergency.tick"),
        Binding("n,right", "other(1)", "Next emergency", id="emergency.next"),
        Binding("p,left", "other(-1)", "Previous", id="emergency.previous", show=False),
        Binding("escape", "leave", "Leave", id="emergency.leave"),
    ]

    class Act(Message):
        """The operator acknowledged (or handed over) this emergency."""

        def __init__(
            self, emergency: Emergency, verb: Verb, comment: str | None, to: str | None = None
        ) -> None:
            super().__init__()
            self.emergency = emergency
            self.verb = verb
            self.comment = comment
            self.to = to  # an assign's new owner

    class Left(Message):
        """Read-only: the operator looked and left; these are not shown again."""

        def __init__(self, cursors: list[str]) -> None:
            super().__init__()
            self.cursors = cursors

    def __init__(self, emergencies: list[Emergency], *, readonly: bool = False) -> None:
        super().__init__()
        self.emergencies = emergencies
        self.readonly = readonly
        self.shown = 0
        self.step = 0
        self.ticked: dict[int, set[int]] = {}  # row -> ticked step numbers
        self._painted: tuple[str, Content] | None = None  # title and text on screen

    def compose(self) -> ComposeResult:
        yield Static(id="emergency-title", markup=False)
        with VerticalScroll(id="emergency-body"):
            yield Static(id="emergency-text")
        yield PromptBar(id="emergency-prompt")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(PromptBar).close()
        self._paint()
        self.query_one("#emergency-body").focus()

    @property
    def current(self) -> Emergency | None:
        return self.emergencies[self.shown] if self.emergencies else None

    def replace(self, emergencies: list[Emergency]) -> None:
        """The pending set changed: keep showing the same one when it is still there.
        Matched by row: a folded repeat gives the row a new cursor, not a new emergency."""
        row = self.current.row if self.current else None
        self.emergencies = emergencies
        index = next((n for n, e in enumerate(emergencies) if e.row == row), None)
        if index is None:
            self.shown, self.step = 0, 0
        else:
            self.shown = index
        if self.is_mounted:
            self._paint()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("ack", "ack_comment", "command"):
            return not self.readonly
        if action == "leave":
            return self.readonly
        return True

    # -- keys ----------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        steps = len(self.current.view.remedies) if self.current else 0
        self.step = max(0, min(self.step + delta, steps - 1))
        self._paint()

    def action_tick(self) -> None:
        current = self.current
        if current is None or not current.view.remedies:
            return
        self.ticked.setdefault(current.row, set()).symmetric_difference_update({self.step})
        self._paint()

    def action_other(self, delta: int) -> None:
        if self.emergencies:
            self.shown = (self.shown + delta) % len(self.emergencies)
            self.step = 0
            self._paint()

    def action_ack(self) -> None:
        if self.current is not None:
            self.post_message(self.Act(self.current, Verb.ACK, None))

    def action_ack_comment(self) -> None:
        self.query_one(PromptBar).open("comment")

    def action_command(self) -> None:
        self.query_one(PromptBar).open("command")

    def action_leave(self) -> None:
        self.post_message(self.Left([e.cursor for e in self.emergencies]))

    @on(PromptBar.Submitted)
    def _submitted(self, message: PromptBar.Submitted) -> None:
        message.stop()
        self.query_one("#emergency-body").focus()
        current = self.current
        if current is None:
            return
        if message.mode == "comment":
            comment, _until = split_ack_argument(message.value)
            self.post_message(self.Act(current, Verb.ACK, comment))
            return
        name, _, argument = message.value.strip().removeprefix(":").partition(" ")
        if name in ("assign", "handover", "hand") and argument.strip():
            self.post_message(self.Act(current, Verb.ASSIGN, None, to=argument.strip()))
        elif name in ("ack", "a"):
            self.post_message(self.Act(current, Verb.ACK, argument.strip() or None))
        elif name in ("next", "n", "prev", "p"):
            self.action_other(1 if name.startswith("n") else -1)
        else:
            title, text, level = error_notice(EMERGENCY_COMMAND.error(f":{name}"))
            self.notify(text, title=title, severity=level, markup=False, timeout=6)

    @on(PromptBar.Cancelled)
    def _cancelled(self, message: PromptBar.Cancelled) -> None:
        message.stop()
        self.query_one("#emergency-body").focus()

    # -- drawing -------------------------------------------------------------------

    def _paint(self) -> None:
        if not self.query("#emergency-text"):
            return  # the one-second check came before the view was composed: on_mount paints
        painted = self._content()
        if painted == self._painted:
            return  # the one-second check found the same: nothing is laid out or redrawn
        self._painted = painted
        self.query_one("#emergency-title", Static).update(painted[0])
        self.query_one("#emergency-text", Static).update(painted[1])

    def _content(self) -> tuple[str, Content]:
        current = self.current
        if current is None:
            return "No emergency waits.", Content("")
        view = current.view
        where = f"{self.shown + 1} of {len(self.emergencies)}"
        how = "read-only: escape leaves" if self.readonly else "a acknowledges, :assign hands over"
        title = f"{view.severity.name} · {where} · unacknowledged · {how}"
        return title, render_emergency(view, self.ticked.get(current.row, set()), self.step)


def render_emergency(view: DetailView, ticked: set[int], step: int) -> Content:
    """Summary, code, cause, then the remedy as a checklist; every string plain text."""
    parts: list[Content | str | tuple[str, str]] = [(view.summary, "bold"), "\n\n"]
    if view.details:
        parts += [Content(view.details), "\n\n"]
    if view.code:
        parts += [("error code  ", "$text-muted"), (view.code, "bold"), "\n"]
    fields = dict(view.fields)
    for label in ("source", "subject", "time"):
        if fields.get(label):
            parts += [(f"{label:>10}  ", "$text-muted"), Content(fields[label]), "\n"]
    if view.causes:
        parts += [("\nProbable cause\n", "bold $accent")]
        parts += [Content(f"• {cause}\n") for cause in view.causes]
    parts += [("\nRemediation", "bold $accent")]
    if not view.remedies:
        parts += ["\nNo steps were given: read the cause above, then acknowledge.\n"]
        return Content.assemble(*parts)
    done = len(ticked & set(range(len(view.remedies))))
    parts += [(f"  {done} of {len(view.remedies)} done · space ticks\n", "$text-muted")]
    for number, remedy in enumerate(view.remedies):
        pointer = "▶" if number == step else " "
        box = "[x]" if number in ticked else "[ ]"
        style = "$text-muted" if number in ticked else ""
        parts += [(f"{pointer} {box} {number + 1}. ", "bold"), (f"{remedy}\n", style)]
    return Content.assemble(*parts)
