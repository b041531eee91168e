"""The hub's failing sources and subscriptions, for the header: polled while connected.

A source that cannot follow its system (Meshery refusing the token, NATS down) raises no
event of its own, so the operator would otherwise see a quiet screen and assume all is
well. The poll is cheap (every ~10 s, only while the stream is live) and stops for good
on a hub that has no such endpoint. A subscription whose deliveries keep failing is
shown the same way (asked for only while the caller may see subscriptions). Names and
codes come from the hub: untrusted text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from notifycenter.catalogue.client import HUB_BAD_ANSWER
from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line

POLL_SECONDS = 10.0
LIVE_CHECK = 0.5  # how soon a poll follows the stream going live
NO_ENDPOINT = frozenset({404, 405})


class SourcesReader(Protocol):
    async def sources(self) -> Sequence[Mapping[str, Any]]: ...


def failing_text(sources: Sequence[Mapping[str, Any]]) -> str:
    """`⚠ source NAME failing (CODE)`, `+N more` when several fail; "" when none does."""
    failing = [s for s in sources if isinstance(s, Mapping) and s.get("state") == "failing"]
    if not failing:
        return ""
    first = failing[0]
    error = first.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    name = first.get("name") or first.get("url") or "?"
    return _failing_line("source", name, code, len(failing) - 1)


async def watch_sources(
    client: SourcesReader,
    live: Callable[[], bool],
    show: Callable[[str], None],
    interval: float | None = None,
) -> None:
    """Until cancelled (or the hub turns out to have no sources endpoint): show what fails.

    The first poll comes as soon as the stream is live, the next ones `interval` apart.
    """
    every = interval or POLL_SECONDS
    loop = asyncio.get_running_loop()
    due = loop.time()
    subscriptions = True
    while True:
        if live() and loop.time() >= due:
            due = loop.time() + every
            try:
                text = failing_text(await client.sources())
                found = await _failing_subscriptions(client) if subscriptions else None
                subscriptions = found is not None
                show("  ".join(t for t in (text, found) if t))
            except NotifyError as error:
                if error.http_status in NO_ENDPOINT or error.code == HUB_BAD_ANSWER.code:
                    show("")
                    return
                # unreachable meanwhile: the connection state says so; keep the last word
        await asyncio.sleep(min(LIVE_CHECK, every))


def failing_subscriptions_text(subscriptions: Sequence[Mapping[str, Any]]) -> str:
    """`⚠ subscription SINK-HOST failing (CODE)`, `+N more`; "" when none fails."""
    failing = [s for s in subscriptions if isinstance(s, Mapping) and s.get("status") == "failing"]
    if not failing:
        return ""
    first = failing[0]
    delivery = first.get("delivery")
    error = delivery.get("last_error") if isinstance(delivery, Mapping) else None
    code = error.get("code") if isinstance(error, Mapping) else None
    sink = str(first.get("sink") or "")
    return _failing_line(
        "subscription", _host_of(sink) or str(first.get("id") or "?"), code, len(failing) - 1
    )


def _host_of(sink: str) -> str:
    """The sink's host, or the sink as it came when it is not a URL one can read."""
    try:
        return urlsplit(sink).hostname or sink
    except ValueError:  # `http://[::1`: a hub may answer anything
        return sink


def _failing_line(kind: str, name: str, code: object, more: int) -> str:
    """`⚠ KIND NAME failing (CODE) +N more`, every part from the hub made inert."""
    text = f"⚠ {kind} {sanitize_line(name, 40)} failing"
    if isinstance(code, str) and code:
        text += f" ({sanitize_line(code, 24)})"
    if more:
        text += f" +{more} more"
    return text


async def _failing_subscriptions(client: object) -> str | None:
    """The failing subscriptions' text; None when this hub (or this caller's role) has none
    to show, after which they are not asked for again."""
    reader = getattr(client, "subscriptions", None)
    if reader is None:
        return None
    try:
        return failing_subscriptions_text(await reader())
    except NotifyError as error:
        if error.http_status in NO_ENDPOINT or error.http_status == 403:
            return None
        if error.code == HUB_BAD_ANSWER.code:
            return None
        raise
