"""What the event list tells its parents, and the store update it can be told.

Named in the `event_list` namespace (`on_event_list_highlighted`, …) and reachable as
`EventList.Highlighted` etc.; the ones that come in bursts coalesce in the queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.message import Message

from notifycenter.store import StoreChange

if TYPE_CHECKING:
    from notifycenter.tui.event_list import EventList


class ListMessage(Message):
    """A message about one list; `control` lets handlers use `@on(..., "#id")`."""

    COALESCES: ClassVar[bool] = False  # True: only the latest of a burst matters

    def __init__(self, event_list: EventList) -> None:
        super().__init__()
        self.event_list = event_list

    @property
    def control(self) -> EventList:
        return self.event_list

    def can_replace(self, message: Message) -> bool:
        return (
            self.COALESCES
            and type(message) is type(self)
            and getattr(message, "event_list", None) is self.event_list
        )


class Highlighted(ListMessage, namespace="event_list"):
    """The cursor moved to another row (None when the list is empty)."""

    COALESCES = True

    def __init__(self, event_list: EventList, row_id: int | None) -> None:
        super().__init__(event_list)
        self.row_id = row_id


class Selected(ListMessage, namespace="event_list"):
    """Enter (or a double click) on a row: show its detail."""

    def __init__(self, event_list: EventList, row_id: int) -> None:
        super().__init__(event_list)
        self.row_id = row_id


class StoreChanged(Message, namespace="event_list"):
    """Post to the list after `store.add`: a burst of these coalesces into one."""

    def __init__(self, change: StoreChange) -> None:
        super().__init__()
        self.change = change

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, StoreChanged):
            return False
        message.change = self.change.merged(message.change)  # the later one carries both
        return True


class NewAbove(ListMessage, namespace="event_list"):
    """How many rows arrived above the visible ones since the top was last on screen
    (the app shows "↑ 3 new"; `g` goes there)."""

    COALESCES = True

    def __init__(self, event_list: EventList, count: int) -> None:
        super().__init__(event_list)
        self.count = count


class PendingChanged(ListMessage, namespace="event_list"):
    """While paused: how many new rows wait to be shown."""

    def __init__(self, event_list: EventList, count: int) -> None:
        super().__init__(event_list)
        self.count = count
