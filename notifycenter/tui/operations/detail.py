"""The highlighted operation's detail: who, when, how far, why it failed, what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import describe
from notifycenter.model.operations import format_seconds, progress_text, state_label
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.wire import CloudEvent
from notifycenter.tui.operations.rows import OperationView, elapsed_of

EVENTS_SHOWN = 5


class OperationDetail(Static):
    """The highlighted operation: who, when, how far, why it failed and what to do."""

    def show(
        self, view: OperationView | None, events_shown: list[CloudEvent] | None = None
    ) -> None:
        self.update(
            detail_text(view, events_shown or []) if view else Text("No operation selected.")
        )


def detail_text(view: OperationView, events_shown: list[CloudEvent]) -> Text:
    """Plain `Text` from sanitised strings: nothing from an event is read as markup."""
    text = Text()

    def line(label: str, value: str) -> Text:
        return text.append(f"{label}: ", style="bold").append(f"{sanitize_line(value, 400)}\n")

    text.append(sanitize_line(view["name"] or view["id"], 200) + "\n", style="bold")
    timing = format_seconds(elapsed_of(view, datetime.now(UTC)))
    if view["eta"] is not None:
        timing += f", about {format_seconds(view['eta'])} left"
    text.append(f"{state_label(view['state'], 40)}  {progress_text(view)}  {timing}\n")
    if view["message"]:
        line("message", view["message"])
    _error_text(text, view["error"])
    started = f"{view['started_by'] or view['source'] or '?'} at {view['started_at'] or '?'}"
    line("started by", started + (f", ended {view['ended_at']}" if view["ended_at"] else ""))
    if view["subject"]:
        line("subject", view["subject"])
    if events_shown:
        text.append("Latest events (enter lists them all)\n", style="bold")
        for event in events_shown[-EVENTS_SHOWN:]:
            stamp = str(event.get("time", ""))[11:19]
            text.append(
                f"  {sanitize_line(stamp, 8)} {sanitize_line(describe(event).summary, 300)}\n"
            )
    line("source", view["source"])
    line("id", f"{view['id']}  trace {view['trace_id'] or '?'}")
    return text


def _error_text(text: Text, error: dict[str, Any] | None) -> None:
    if error is None:
        return
    failure = NotifyError.from_dict(error)
    text.append(f"{sanitize_line(failure.code, 64)}", style="bold")
    text.append(f"  {sanitize_line(' '.join(failure.short_description), 300)}\n")
    for detail in failure.long_description:
        text.append(f"  {sanitize_line(detail, 600)}\n")
    for cause in failure.probable_cause:
        text.append(f"  probable cause: {sanitize_line(cause, 400)}\n")
    for number, remedy in enumerate(failure.suggested_remediation, 1):
        text.append(f"  remediation {number}: {sanitize_line(remedy, 400)}\n")
