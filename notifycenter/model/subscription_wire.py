"""Wire records of `/api/subscriptions`: what the hub answers and the client checks."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict


class DeliveryState(TypedDict):
    cursor: str  # the last log position delivered (or passed over)
    failures: int  # consecutive failed deliveries
    delivered: int
    last_error: dict[str, Any] | None  # the catalogued error of the last failure
    last_success: str | None
    next_attempt: str | None


class SubscriptionView(TypedDict):
    """A subscription as the hub shows it: never with its credential's secrets."""

    id: str
    sink: str
    protocol: str
    owner: str
    status: str  # active | failing
    delivery: DeliveryState
    filters: NotRequired[list[Any]]
    config: NotRequired[dict[str, Any]]
    protocolsettings: NotRequired[dict[str, Any]]
    source: NotRequired[str]
    types: NotRequired[list[str]]
    sinkcredential: NotRequired[dict[str, Any]]
    created: NotRequired[str]
    updated: NotRequired[str]


class Subscriptions(TypedDict):
    subscriptions: list[SubscriptionView]


class Deleted(TypedDict):
    deleted: str


class SinkTestOutcome(TypedDict):
    delivered: bool
    id: str
    event: str
