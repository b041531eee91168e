"""POST a JSON message to a web receiver and say, as a `SinkError`, why it did not land.

The classification is what the delivery engine's retries rest on: 429 and 503 carry the
receiver's `Retry-After`; 408, 429 and 5xx and a connection that fails are worth
retrying; any other 4xx (and a redirect, which a webhook never means) will fail again
until someone fixes the subscription, so it is permanent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

from notifycenter.model.sanitize import sanitize_line
from notifycenter.routing.answers import exchange
from notifycenter.routing.sink import Delivery, SinkError
from notifycenter.routing.sinks.render import Notice, notices
from notifycenter.tls import system_tls

if TYPE_CHECKING:
    from notifycenter.routing.egress import Egress

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEADLINE = 20.0  # seconds for a whole exchange: each read gets TIMEOUT
USER_AGENT = "notifycenter"
MAX_RETRY_AFTER = 24 * 3600.0
MAX_PAUSE = 30.0  # the longest Retry-After waited out in the middle of a batch
PAUSES = 3  # and how often for one message


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def refusal(response: httpx.Response, receiver: str) -> SinkError | None:
    """None for a 2xx answer, else the `SinkError` that says what the receiver answered."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    said = sanitize_line(response.text, 200).strip()
    detail = f"{receiver} answered {status} {response.reason_phrase}" + (
        f": {said}" if said else ""
    )
    if status in (429, 503):
        wait = retry_after(response.headers.get("Retry-After"))
        return SinkError(detail, retry_after=wait, status=status)
    if status == 408 or status >= 500:
        return SinkError(detail, status=status)
    if 300 <= status < 400:
        where = sanitize_line(response.headers.get("Location", ""), 200)
        detail = f"{receiver} redirected ({status}) to {where or 'elsewhere'}: update the sink URL"
    return SinkError(detail, permanent=True, status=status)


class JsonPoster:
    """One connection pool per sink, so a batch reuses its connection. It is made at the
    first post: a sink built only to check a subscription's settings costs nothing."""

    def __init__(
        self,
        receiver: str,
        headers: Mapping[str, str] | None = None,
        egress: Egress | None = None,
    ) -> None:
        self.receiver = receiver
        self.egress = egress  # vets every address connected to (the sink-host policy)
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, payload: Mapping[str, Any]) -> None:
        """Send `payload` as JSON; raise `SinkError` unless the receiver accepted it."""
        if self._client is None:
            transport = self.egress.transport() if self.egress is not None else None
            self._client = httpx.AsyncClient(
                timeout=TIMEOUT,
                follow_redirects=False,
                headers=self._headers,
                transport=transport,
                verify=system_tls(),
            )
        request = self._client.build_request("POST", url, json=payload)
        try:
            response = await exchange(self._client, request, DEADLINE)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise SinkError(
                f"{self.receiver} did not answer in time ({type(error).__name__})"
            ) from error
        except httpx.TransportError as error:
            raise SinkError(
                f"{self.receiver} could not be reached: {error or type(error).__name__}"
            ) from error
        failed = refusal(response, self.receiver)
        if failed is not None:
            raise failed

    async def post_each(self, url: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        """Post messages in order, one request each.

        Once one has landed, a rate limit that says how long to wait (`Retry-After` up to
        `MAX_PAUSE`) is waited out here and the same message sent again: giving up would
        make the engine send the whole batch again, and the receiver would show the
        messages already posted twice. Before the first one lands, the engine's backoff
        handles it.
        """
        for index, payload in enumerate(payloads):
            pauses = 0
            while True:
                try:
                    await self.post(url, payload)
                    break
                except SinkError as error:
                    wait = error.retry_after
                    if index == 0 or wait is None or wait > MAX_PAUSE or pauses >= PAUSES:
                        raise
                    pauses += 1
                    await asyncio.sleep(wait)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class JsonMessageSink:
    """A sink that posts one JSON object per notification, or one for a whole digest.

    ntfy and Slack-compatible webhooks differ only in the objects they post; the order,
    the mid-batch pauses and the refusals are the same, so they live here once.
    """

    url: str
    _poster: JsonPoster

    def message(self, notice: Notice, hub_url: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def digest(self, delivery: Delivery) -> dict[str, Any]:
        raise NotImplementedError

    async def deliver(self, delivery: Delivery) -> None:
        if delivery.digest:
            await self._poster.post(self.url, self.digest(delivery))
            return
        messages = [self.message(n, delivery.hub_url) for n in notices(delivery)]
        await self._poster.post_each(self.url, messages)

    async def aclose(self) -> None:
        await self._poster.aclose()
