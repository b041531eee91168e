"""What every sink does: deliver a batch of notifications, or say why not and when to retry.

The delivery engine owns the order, the cursor and the retries; a sink only turns a
`Delivery` into one outbound message (or one per item) and reports the outcome by
returning or raising `SinkError`. Keeping sinks this small is what lets a new protocol
(ntfy, Slack, SMTP, …) be one module with no delivery logic of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from notifycenter.model.errors import ErrorSpec

if TYPE_CHECKING:
    from notifycenter.routing.egress import Egress


@dataclass(frozen=True)
class Item:
    """One log entry to deliver, in log order.

    `event` is the stored CloudEvent (a JSON object). For a lifecycle event
    (`io.meshery.notification.<verb>`), `target` is the notification it changes,
    so that a sink can say "resolved by alice: <summary>".
    """

    cursor: str
    event: Mapping[str, Any]
    target: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Delivery:
    """A batch for one subscription.

    `digest` is True when the subscription's rate limit folded a flood into one
    message: `items` then holds the first events and `omitted` how many more matched.
    """

    subscription_id: str
    items: Sequence[Item]
    digest: bool = False
    omitted: int = 0
    hub_url: str | None = None  # the hub's public URL, for click-through links


@dataclass
class SinkError(Exception):
    """A delivery that did not land.

    `retry_after` (seconds) is the sink's own hint (HTTP `Retry-After`, SMTP 4xx);
    `permanent` means retrying the same message cannot succeed (HTTP 4xx other than
    408/429, SMTP 5xx): the engine counts it as a failure without tight retries.
    `spec` is the catalogued error it is recorded as (a delivery failure by default).
    """

    detail: str
    retry_after: float | None = None
    permanent: bool = False
    status: int | None = field(default=None)
    spec: ErrorSpec | None = field(default=None)

    def __str__(self) -> str:
        return self.detail


class Sink(Protocol):
    async def deliver(self, delivery: Delivery) -> None:
        """Send the batch; return when the receiver accepted it, raise `SinkError` if not."""
        ...

    async def aclose(self) -> None:
        """Release connections; the engine calls it when the subscription changes or stops."""
        ...


class SinkFactory(Protocol):
    def __call__(
        self,
        sink: str,
        settings: Mapping[str, Any],
        credential: Mapping[str, Any] | None,
        *,
        egress: Egress | None = None,
    ) -> Sink:
        """Build a sink for a subscription's `sink`, `protocolsettings`, `sinkcredential`.

        Raises `ValueError` with an operator-readable message when the settings are
        wrong; the API turns it into a catalogued 400 at create/update time. `egress`
        (`routing.egress.Egress`) vets every address the sink connects to.
        """
        ...
