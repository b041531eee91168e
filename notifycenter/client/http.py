"""What the async client and the emitter share: headers, and turning answers into errors."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from notifycenter.catalogue import client as codes
from notifycenter.model.errors import NotifyError


def auth_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def unreachable(url: str, exc: BaseException) -> NotifyError:
    """The catalogued "hub does not answer" error, naming the URL and the cause."""
    cause = str(exc) or type(exc).__name__
    return codes.HUB_UNREACHABLE.error(f"{url}: {cause}", url=url)


def answer(response: httpx.Response) -> Any:
    """The JSON body of a success; a hub error rebuilt as the `NotifyError` it was."""
    body = _json(response)
    if response.is_success:
        if body is None and response.content:
            raise codes.HUB_BAD_ANSWER.error(
                f"{response.request.url} answered {response.status_code} with a body that is not JSON"
            )
        return body
    raise error_from_answer(response.status_code, body, str(response.request.url))


def error_from_answer(status: int, body: Any, url: str) -> NotifyError:
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return NotifyError.from_dict(body, status)
    return codes.HUB_BAD_ANSWER.error(f"{url} answered HTTP {status} without a notifycenter error")


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
