"""Blocking entry points for the command line: one event loop per call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from notifycenter.client.hub import HubClient
from notifycenter.config import Target

T = TypeVar("T")


def call_hub(target: Target, action: Callable[[HubClient], Awaitable[T]], **options: Any) -> T:
    """Run `action(client)` against the target hub and close the client afterwards."""

    async def run() -> T:
        async with HubClient.from_target(target, **options) as client:
            return await action(client)

    return asyncio.run(run())
