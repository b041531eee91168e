"""Talking to a hub: `HubClient` (async API and live stream), `Emitter` (producers),
`NotifyHandler` (Python logging) and `error_event` (error events from exceptions)."""

from notifycenter.client.builder import build_event, error_event
from notifycenter.client.emitter import Emitter
from notifycenter.client.hub import HubClient, Page
from notifycenter.client.loghandler import NotifyHandler
from notifycenter.client.stream import ConnectionState

__all__ = [
    "ConnectionState",
    "Emitter",
    "HubClient",
    "NotifyHandler",
    "Page",
    "build_event",
    "error_event",
]
