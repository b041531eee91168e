"""Messages that may arrive faster than the screen redraws: only the latest one counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from notifycenter.client.stream import ConnectionState


@dataclass
class ConnectionChanged(Message):
    """The stream's connection state changed; a newer state replaces one still queued."""

    state: ConnectionState

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)
