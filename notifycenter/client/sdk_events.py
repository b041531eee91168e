"""The `cloudevents` SDK at the edge: its event objects in, and out on request.

Producers who build events with the SDK (`cloudevents.http.CloudEvent` — in SDK 2.x
`cloudevents.v1.http.CloudEvent` —, the pydantic `CloudEvent`, or 2.x's
`cloudevents.core.v1.event.CloudEvent`) pass them to `HubClient.emit`/`emit_batch` and
`Emitter.emit` as they are; `as_cloudevent` turns what the hub answers back into one.
Every SDK event has `get_attributes()` and `get_data()`, which is all this reads, so no
SDK class is imported until an event is asked for; the hub itself never uses the SDK.
"""

from __future__ import annotations

import base64
import importlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from notifycenter.model.lifecycle import format_time

# The SDK's HTTP event class: 1.x names it cloudevents.http, 2.x keeps it under v1.
_HTTP_EVENT_MODULES = ("cloudevents.v1.http", "cloudevents.http")


@runtime_checkable
class SdkEvent(Protocol):
    """What every `cloudevents` SDK event class provides."""

    def get_attributes(self) -> Mapping[str, Any]: ...

    def get_data(self) -> Any: ...


EventLike = Mapping[str, Any] | SdkEvent


def event_dict(event: EventLike) -> dict[str, Any]:
    """A structured-mode JSON event from a mapping or any SDK event object."""
    if isinstance(event, Mapping):
        return dict(event)
    attributes = {k: _attribute(v) for k, v in event.get_attributes().items() if v is not None}
    data = event.get_data()
    if isinstance(data, (bytes, bytearray, memoryview)):
        attributes["data_base64"] = base64.b64encode(bytes(data)).decode("ascii")
    elif data is not None:
        attributes["data"] = data
    return attributes


def as_cloudevent(event_or_record: Mapping[str, Any]) -> Any:
    """The SDK's HTTP `CloudEvent` for a hub event, or for a record (`{"event": ...}`)
    as `HubClient.list`/`get` and the stream give them; the hub's `cursor` is kept."""
    event = event_or_record.get("event", event_or_record)
    attributes = {k: v for k, v in event.items() if k not in ("data", "data_base64")}
    if "data_base64" in event:
        data: Any = base64.b64decode(event["data_base64"])
    else:
        data = event.get("data")
    return _http_event_class()(attributes, data)


def _attribute(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value


def _http_event_class() -> Any:
    for name in _HTTP_EVENT_MODULES:
        try:
            return importlib.import_module(name).CloudEvent
        except ImportError:
            continue
    raise ImportError("the cloudevents package is not installed: pip install cloudevents")
