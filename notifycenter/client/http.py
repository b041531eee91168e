"""What the async client and the emitter share: TLS, headers, and turning answers into errors.

A hub's answer is untrusted like an event: a body that is not JSON (or not UTF-8), JSON
of another shape, or an error body with odd field types becomes the catalogued "bad
answer" error, never a bare exception in the caller.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import httpx
import orjson

from notifycenter.catalogue import client as codes
from notifycenter.model.errors import NotifyError
from notifycenter.tls import system_tls


def tls_for(servers: Iterable[str]) -> ssl.SSLContext:
    """The `verify=` for a client of `servers`: reading the CA bundle costs ~50 ms of CPU,
    so it is read once per process, and only when a server speaks https."""
    if any(server.lower().startswith("https:") for server in servers):
        return system_tls()
    return plain_only()


@cache
def plain_only() -> ssl.SSLContext:
    """For clients of http:// servers only: verifies like any other but trusts no CA, so a
    TLS connection it should never make fails closed instead of reading the CA bundle."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


# What a bounded read raises: the answer, and what was wrong with it.
Refusal = Callable[[httpx.Response, str], Exception]


async def read_whole(
    response: httpx.Response, limit: int, refuse: Refusal | None = None
) -> httpx.Response:
    """A streamed answer with its body read and decompressed, at most `limit` bytes; a
    body that never ends, or unfolds without end, is refused (a bad answer, unless the
    caller names its own error). The caller bounds the time."""
    body = _Body(response, limit, refuse or bad_answer)
    try:
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    finally:
        await response.aclose()
    return body.answer()


def read_whole_sync(
    response: httpx.Response,
    limit: int,
    refuse: Refusal | None = None,
    seconds: float | None = None,
) -> httpx.Response:
    """`read_whole` for a blocking client, given at most `seconds` (each read has its
    own timeout; a server sending a byte now and then would hold it without this)."""
    body = _Body(response, limit, refuse or bad_answer, seconds)
    try:
        for chunk in response.iter_bytes():
            body.add(chunk)
    finally:
        response.close()
    return body.answer()


class _Body:
    """An answer's chunks as they come, refused past `limit` bytes or `seconds`."""

    def __init__(
        self,
        response: httpx.Response,
        limit: int,
        refuse: Refusal,
        seconds: float | None = None,
    ) -> None:
        self.response, self.limit, self.refuse = response, limit, refuse
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise self.refuse(self.response, f"a body of more than {self.limit:,} bytes")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise self.refuse(self.response, f"a body not whole within {self.seconds:g} s")
        self.chunks.append(chunk)

    def answer(self) -> httpx.Response:
        return with_body(self.response, b"".join(self.chunks))


def with_body(response: httpx.Response, content: bytes) -> httpx.Response:
    """A streamed answer again, holding `content` (its body as read, decoded), as a
    request not streamed returns it: the headers that described the encoded body go."""
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _REDONE]
    return httpx.Response(
        response.status_code, headers=kept, content=content, request=response.request
    )


_REDONE = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def auth_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def unreachable(url: str, exc: BaseException) -> NotifyError:
    """The catalogued "hub does not answer" error, naming the URL and the cause."""
    cause = str(exc) or type(exc).__name__
    return codes.HUB_UNREACHABLE.error(f"{url}: {cause}", url=url)


def request_failed(url: str, exc: httpx.RequestError) -> NotifyError:
    """A request that got no usable answer: unreachable, or an answer httpx cannot decode."""
    if isinstance(exc, httpx.TransportError):
        return unreachable(url, exc)
    return codes.HUB_BAD_ANSWER.error(f"{url}: {str(exc) or type(exc).__name__}")


def answer(response: httpx.Response) -> Any:
    """The JSON body of a success; a hub error rebuilt as the `NotifyError` it was."""
    body = _json(response)
    if response.is_success:
        if body is None and response.content:
            raise bad_answer(response, "a body that is not JSON")
        return body
    raise error_from_answer(response.status_code, body, str(response.request.url))


def answer_object(response: httpx.Response) -> dict[str, Any]:
    """`answer` for the calls whose success is a JSON object."""
    body = answer(response)
    if not isinstance(body, dict):
        raise bad_answer(response, f"JSON of type {type(body).__name__} where an object belongs")
    return body


def bad_answer(response: httpx.Response, what: str) -> NotifyError:
    return codes.HUB_BAD_ANSWER.error(
        f"{response.request.url} answered {response.status_code} with {what}"
    )


def error_from_answer(status: int, body: Any, url: str) -> NotifyError:
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return NotifyError.from_dict(_error_fields(body), status)
    return codes.HUB_BAD_ANSWER.error(f"{url} answered HTTP {status} without a notifycenter error")


_ERROR_TEXT_LIMIT = 2000


def _error_fields(body: dict[str, Any]) -> dict[str, Any]:
    """An error body with only text where text belongs (and short), plain values elsewhere."""
    fields: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str):
            fields[key] = value[:_ERROR_TEXT_LIMIT]
        elif isinstance(value, list):
            fields[key] = [v[:_ERROR_TEXT_LIMIT] for v in value if isinstance(v, str)]
        elif value is None or isinstance(value, (bool, int, float)):
            fields[key] = value
    return fields


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def query_params(filters: dict[str, Any]) -> dict[str, str]:
    """Keyword filters to query parameters: None dropped, lists joined, booleans as 1/0."""
    params: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[key] = "1" if value else "0"
        elif isinstance(value, (list, tuple, set, frozenset)):
            if value:
                params[key] = ",".join(str(v) for v in value)
        else:
            params[key] = str(value)
    return params


def retry_after(response: httpx.Response, ceiling: float = 60.0) -> float:
    """Seconds the hub asks a client to wait (429, 503); 0 when it does not say."""
    try:
        return min(ceiling, max(0.0, float(response.headers.get("Retry-After", 0))))
    except ValueError:
        return 0.0  # an HTTP date: the caller's own backoff applies
