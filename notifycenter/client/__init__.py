"""Talking to a hub: `HubClient` (async API and live stream), `Emitter` (producers),
`NotifyHandler` (Python logging), `error_event` (error events from exceptions) and
`as_cloudevent` (a hub event as the `cloudevents` SDK's object)."""

from notifycenter.client.builder import build_event, error_event
from notifycenter.client.emitter import Emitter
from notifycenter.client.hub import HubClient, Page
from notifycenter.client.loghandler import NotifyHandler
from notifycenter.client.sdk_events import as_cloudevent
from notifycenter.client.stream import ConnectionState

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
