"""Protocol name → sink factory. Sink modules load on first use: a hub that routes only
to HTTP never imports the SMTP client."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from notifycenter.catalogue import subscriptions as codes
from notifycenter.routing.egress import Egress
from notifycenter.routing.sink import Sink, SinkFactory

MODULES = {
    "HTTP": "notifycenter.routing.http_sink",
    "ntfy": "notifycenter.routing.sinks.ntfy",
    "slack": "notifycenter.routing.sinks.slack",
    "smtp": "notifycenter.routing.sinks.smtp",
}


def factory(protocol: str) -> SinkFactory:
    """The module's `create`; a protocol without a module is a catalogued 400."""
    module_name = MODULES.get(protocol)
    if module_name is None:
        raise codes.UNKNOWN_PROTOCOL.error(f"protocol {protocol!r} has no sink")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise codes.UNKNOWN_PROTOCOL.error(
            f"protocol {protocol!r} is not available in this build of the hub"
        ) from None
    create: SinkFactory = module.create
    return create


def create_sink(
    protocol: str,
    sink: str,
    settings: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    egress: Egress | None = None,
) -> Sink:
    """A sink for the subscription; bad settings are a catalogued 400 (nothing stored).
    `egress` vets every address the sink connects to (the sink-host policy)."""
    try:
        return factory(protocol)(sink, settings, credential, egress=egress)
    except ValueError as exc:
        raise codes.INVALID_PROTOCOL_SETTINGS.error(f"{protocol}: {exc}") from None
