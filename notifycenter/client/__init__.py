"""Talking to a hub: `HubClient` (async API and live stream), `Emitter` (producers),
`NotifyHandler` (Python logging), `error_event` (error events from exceptions) and
`as_cloudevent` (a hub event as the `cloudevents` SDK's object).

Each name is imported on first use (PEP 562), so that a program needing one of them — the
TUI needs only `HubClient` — does not pay at start for the emitter's spool and threads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifycenter.client.builder import build_event, error_event
    from notifycenter.client.emitter import Emitter
    from notifycenter.client.hub import HubClient, Page
    from notifycenter.client.loghandler import NotifyHandler
    from notifycenter.client.sdk_events import as_cloudevent
    from notifycenter.client.stream import ConnectionState

_WHERE = {
    "ConnectionState": "notifycenter.client.stream",
    "Emitter": "notifycenter.client.emitter",
    "HubClient": "notifycenter.client.hub",
    "NotifyHandler": "notifycenter.client.loghandler",
    "Page": "notifycenter.client.hub",
    "as_cloudevent": "notifycenter.client.sdk_events",
    "build_event": "notifycenter.client.builder",
    "error_event": "notifycenter.client.builder",
}

__all__ = [
    "ConnectionState",
    "Emitter",
    "HubClient",
    "NotifyHandler",
    "Page",
    "as_cloudevent",
    "build_event",
    "error_event",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found once: later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
