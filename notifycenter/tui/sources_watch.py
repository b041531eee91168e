"""The hub's failing sources, for the header: `GET /api/sources` polled while connected.

A source that cannot follow its system (Meshery refusing the token, NATS down) raises no
event of its own, so the operator would otherwise see a quiet screen and assume all is
well. The poll is cheap (every ~10 s, only while the stream is live) and stops for good
on a hub that has no such endpoint. Names and codes come from the hub: untrusted text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

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
    name = sanitize_line(first.get("name") or first.get("url") or "?", 40)
    text = f"⚠ source {name} failing"
    if isinstance(code, str) and code:
        text += f" ({sanitize_line(code, 24)})"
    if len(failing) > 1:
        text += f" +{len(failing) - 1} more"
    return text


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
    while True:
        if live() and loop.time() >= due:
            due = loop.time() + every
            try:
                show(failing_text(await client.sources()))
            except NotifyError as error:
                if error.http_status in NO_ENDPOINT or error.code == HUB_BAD_ANSWER.code:
                    show("")
                    return
                # unreachable meanwhile: the connection state says so; keep the last word
        await asyncio.sleep(min(LIVE_CHECK, every))
