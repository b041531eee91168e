"""The HTTP sink: CloudEvents over HTTP to a webhook, binary, structured or batched.

`protocolsettings`: `mode` (binary, the default; structured; batched), `method` (POST or
PUT), `headers` (copied onto every request), `handshake` (false skips the webhook
validation), `timeout` (seconds), `concurrency` (requests at a time in binary and
structured mode; above 1 they arrive in no particular order). `sinkcredential` ACCESSTOKEN sends a bearer token,
PLAIN basic auth. Before the first delivery the hub asks the receiver's permission with
the CloudEvents webhook validation handshake (OPTIONS, `WebHook-Request-Origin`).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from notifycenter.catalogue import subscriptions as codes
from notifycenter.routing.answers import exchange
from notifycenter.routing.egress import Egress
from notifycenter.routing.sink import Delivery, SinkError
from notifycenter.tls import system_tls

MODES = ("binary", "structured", "batched")
STRUCTURED = "application/cloudevents+json"
BATCHED = "application/cloudevents-batch+json"
DIGEST_TYPE = "io.meshery.notification.digest"
HUB_SOURCE = "urn:notifycenter:hub"
# Printable ASCII but space, '"' and '%' stay as they are in a ce- header (HTTP binding 3.1.3.2).
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')
_NOT_ATTRIBUTES = frozenset({"data", "data_base64", "datacontenttype"})
MAX_RETRY_AFTER = 3600.0
NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def create(
    sink: str,
    settings: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    *,
    egress: Egress | None = None,
) -> HttpSink:
    transport = egress.transport(NO_DELAY) if egress is not None else None
    return HttpSink(sink, settings, credential, transport)


class HttpSink:
    def __init__(
        self,
        url: str,
        settings: Mapping[str, Any],
        credential: Mapping[str, Any] | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        known = {"mode", "method", "headers", "handshake", "timeout", "concurrency"}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(unknown)}")
        self.url = url
        self.mode = settings.get("mode", "binary")
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        self.method = settings.get("method", "POST")
        if self.method not in ("POST", "PUT"):
            raise ValueError(f"method {self.method!r} is not POST or PUT")
        self.handshake = settings.get("handshake", True)
        if not isinstance(self.handshake, bool):
            raise ValueError("handshake must be true or false")
        self.concurrency = settings.get("concurrency", 1)
        if (
            isinstance(self.concurrency, bool)
            or not isinstance(self.concurrency, int)
            or not 1 <= self.concurrency <= 64
        ):
            raise ValueError("concurrency must be an integer from 1 to 64")
        timeout = settings.get("timeout", 10)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0.1 <= timeout <= 300
        ):
            raise ValueError("timeout must be a number of seconds from 0.1 to 300")
        headers = _headers(settings.get("headers", {}))
        headers.update(_auth(credential))
        if transport is None:  # small requests go out at once, not after a delayed ACK
            transport = httpx.AsyncHTTPTransport(socket_options=NO_DELAY, verify=system_tls())
        self._client = httpx.AsyncClient(
            headers=headers, timeout=float(timeout), transport=transport, follow_redirects=False
        )
        self._deadline = 2 * float(timeout)  # each read gets `timeout`; the whole, twice

    async def validate(self, origin: str) -> None:
        """The webhook validation handshake; a catalogued error when not allowed."""
        if not self.handshake:
            return
        request = self._client.build_request(
            "OPTIONS", self.url, headers={"WebHook-Request-Origin": origin}
        )
        try:
            answer = await exchange(self._client, request, self._deadline)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise codes.WEBHOOK_UNREACHABLE.error(f"OPTIONS {self.url}: {_reason(exc)}") from None
        allowed = answer.headers.get("webhook-allowed-origin", "").strip()
        if not answer.is_success or allowed not in (origin, "*"):
            got = f"WebHook-Allowed-Origin {allowed!r}" if allowed else "no WebHook-Allowed-Origin"
            raise codes.WEBHOOK_REFUSED.error(
                f"OPTIONS {self.url} answered {answer.status_code} with {got}"
                f" (origin asked: {origin!r})"
            )

    async def deliver(self, delivery: Delivery) -> None:
        events = [dict(item.event) for item in delivery.items]
        if delivery.digest:
            events.append(digest_event(delivery))
        if self.mode == "batched":
            await self._send(orjson.dumps(events), {"Content-Type": BATCHED})
            return
        if self.concurrency == 1:  # in log order, one request after the other
            for event in events:
                await self._send_one(event)
            return
        # Several requests at a time: faster to a distant receiver, in no particular order.
        for start in range(0, len(events), self.concurrency):
            chunk = events[start : start + self.concurrency]
            results = await asyncio.gather(
                *(self._send_one(e) for e in chunk), return_exceptions=True
            )
            failed = next((r for r in results if isinstance(r, BaseException)), None)
            if failed is not None:
                raise failed

    async def _send_one(self, event: Mapping[str, Any]) -> None:
        if self.mode == "structured":
            await self._send(orjson.dumps(event), {"Content-Type": STRUCTURED})
        else:
            body, headers = binary_message(event)
            await self._send(body, headers)

    async def _send(self, body: bytes, headers: Mapping[str, str]) -> None:
        request = self._client.build_request(self.method, self.url, content=body, headers=headers)
        try:
            answer = await exchange(self._client, request, self._deadline)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise SinkError(f"{self.method} {self.url}: {_reason(exc)}") from None
        if answer.is_success:
            return
        status = answer.status_code
        raise SinkError(
            f"{self.method} {self.url} answered {status} {answer.reason_phrase}",
            retry_after=retry_after(answer.headers.get("retry-after")),
            permanent=400 <= status < 500 and status not in (408, 429),
            status=status,
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def binary_message(event: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Body and headers of the HTTP binding's binary mode (attributes as `ce-` headers)."""
    headers = {
        f"ce-{name}": quote(_text(value), safe=_HEADER_SAFE)
        for name, value in event.items()
        if name not in _NOT_ATTRIBUTES
    }
    content_type = event.get("datacontenttype")
    if "data_base64" in event:
        body = base64.b64decode(event["data_base64"])
    elif event.get("data") is None:
        body = b""
    elif isinstance(event["data"], str) and not _is_json(content_type):
        body = event["data"].encode()
    else:
        body = orjson.dumps(event["data"])
        content_type = content_type or "application/json"
    if content_type:
        headers["Content-Type"] = str(content_type)
    return body, headers


def digest_event(delivery: Delivery) -> dict[str, Any]:
    """The CloudEvent that stands for what a rate-limited delivery left out."""
    last = delivery.items[-1].cursor if delivery.items else "0"
    return {
        "specversion": "1.0",
        "id": f"digest-{delivery.subscription_id}-{last}",
        "source": delivery.hub_url or HUB_SOURCE,
        "type": DIGEST_TYPE,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "severitytext": "NOTICE",
        "datacontenttype": "application/json",
        "data": {
            "summary": f"{delivery.omitted} more events matched (rate limit)",
            "omitted": delivery.omitted,
            "subscription": delivery.subscription_id,
        },
    }


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("headers must be an object of header names and string values")
    headers = {}
    for name, text in value.items():
        if (
            not isinstance(text, str)
            or not name
            or not name.isascii()
            or not name.replace("-", "").isalnum()
        ):
            raise ValueError(f"header {name!r} must be a token name with a string value")
        if any(c in text for c in "\r\n\0"):
            raise ValueError(f"header {name!r} has a line break")
        headers[name] = text
    return headers


def _auth(credential: Mapping[str, Any] | None) -> dict[str, str]:
    if not credential:
        return {}
    if credential.get("credential_type") == "ACCESSTOKEN":
        return {"Authorization": f"Bearer {credential['access_token']}"}
    pair = f"{credential['identity']}:{credential['secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return orjson.dumps(value).decode()


def _is_json(content_type: Any) -> bool:
    if not isinstance(content_type, str):
        return True
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json") or media == "text/json"


def _reason(exc: httpx.HTTPError | TimeoutError) -> str:
    if isinstance(exc, TimeoutError):
        return "no whole answer in time"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
