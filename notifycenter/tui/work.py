"""What a collaborator hands the app to run as a worker: a call that makes the coroutine.

A call rather than a coroutine, so that work cancelled before it starts (an exclusive
group replaced it) never leaves a coroutine that was not awaited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Work = Callable[[], Awaitable[None]]
