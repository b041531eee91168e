"""The notification drawer (`n`): recent notifications, newest first, in the layout's own
space (the list shrinks while it is open), so nothing is ever covered."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from textual.widgets import Static

from notifycenter.model.sanitize import sanitize_line

KEPT = 100  # notifications remembered
SHOWN_LINES = 8


@dataclass(frozen=True)
class Notice:
    title: str
    message: str
    level: str
    at: datetime

    def line(self) -> str:
        """`14:03:22 ERROR · title: message` on one plain line."""
        text = " ".join(self.message.split())
        head = f"{self.at.astimezone():%H:%M:%S} {self.level.upper():<11}"
        return sanitize_line(
            f"{head} {self.title}: {text}" if self.title else f"{head} {text}", 500
        )


class NotificationDrawer(Static):
    """Hidden until toggled; shows the newest notices of the list it is given."""

    DEFAULT_CSS = """
    NotificationDrawer { height: auto; max-height: 10; width: 1fr; padding: 0 1; display: none; }
    NotificationDrawer.-open { display: block; }
    """

    def __init__(self, notices: deque[Notice], *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.notices = notices

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def toggle(self) -> None:
        self.toggle_class("-open")
        self.refresh_notices()

    def refresh_notices(self) -> None:
        if self.is_open:
            lines = [n.line() for n in list(reversed(self.notices))[:SHOWN_LINES]]
            self.update("\n".join(lines) or "No notifications yet.")


def new_notices() -> deque[Notice]:
    return deque(maxlen=KEPT)
