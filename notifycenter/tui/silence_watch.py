"""When a hub silence ends: one line for the operator instead of a replay.

The watch learns of silences from the stream (their log events) and counts the
notifications that arrived under each. When one ends (its time passed, or someone
expired it) and it kept anything quiet, the operator gets one notice saying so: what it
silenced is not replayed, and what is still unresolved counts as open again. Silences
created before this notification center started are not known here, and end silently.
No Textual: the policy drains the notices with its toasts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notifycenter.model.lifecycle import format_time
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.silences import SILENCE_TYPES, read_silence_event, silence_of

MAX_KNOWN = 1000  # silences remembered at once; the oldest unknown-end ones go first


@dataclass
class _Window:
    ends: str | None  # None: created before this session, its end is not known here
    comment: str | None = None
    quiet: int = 0  # notifications that arrived under it while this session ran


class SilenceWatch:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._windows: dict[str, _Window] = {}

    def see(self, event: Mapping[str, Any]) -> None:
        """A live event: a silence's creation or end, or a notification it keeps quiet."""
        if event.get("type") in SILENCE_TYPES:
            change = read_silence_event(event)
            if change is None:
                return
            if change.silence is not None:
                window = self._window(change.silence.id)
                window.ends, window.comment = change.silence.ends, change.silence.comment
            elif change.expired_id is not None and change.expired_id in self._windows:
                self._windows[change.expired_id].ends = change.at
            return
        silence_id = silence_of(event)
        if silence_id is not None:
            self._window(silence_id).quiet += 1

    def ended(self) -> list[tuple[str, str]]:
        """(title, message) for each silence that ended since the last call and kept
        something quiet."""
        at = format_time(self._now())
        done = [sid for sid, w in self._windows.items() if w.ends is not None and w.ends <= at]
        notices = []
        for silence_id in done:
            window = self._windows.pop(silence_id)
            if window.quiet:
                name = sanitize_line(window.comment or silence_id[:8], 80)
                count = f"{window.quiet:,} notification{'s' if window.quiet != 1 else ''}"
                notices.append(
                    (
                        "Silence ended",
                        f"{name}: {count} arrived silenced; the unresolved ones are open again",
                    )
                )
        return notices

    def _window(self, silence_id: str) -> _Window:
        window = self._windows.get(silence_id)
        if window is None:
            if len(self._windows) >= MAX_KNOWN:
                oldest = next(iter(self._windows))
                del self._windows[oldest]
            window = self._windows[silence_id] = _Window(None)
        return window
