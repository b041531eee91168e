"""Shared by the notification center's tests (no tests here): deterministic events, posting,
and waiting on conditions with a deadline (never for a fixed time)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from notifycenter.config import Target
from notifycenter.demo.scenario import ISTIO_ERROR
from notifycenter.tui.app import NotifyCenterApp
from tests import httpclient as http

ISTIO = "urn:meshery:adapter:istio"


def event(
    n: int, severity: str = "ERROR", source: str = ISTIO, summary: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A notification with a fixed id and time, so that screens are reproducible."""
    data = extra.pop("data", None) or {"summary": summary or f"event number {n}"}
    return {
        "specversion": "1.0",
        "id": f"evt-{n:04d}",
        "source": source,
        "type": f"io.meshery.test.{n % 3}",
        "time": f"2026-11-28T09:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "severitytext": severity,
        "data": data,
        **extra,
    }


def istio_failure(n: int = 900) -> dict[str, Any]:
    return event(
        n,
        "ERROR",
        summary=None,
        type="io.meshery.provisioning.istio.virtualservice",
        subject="design/bookinfo",
        correlationid="req-42",
        data=dict(ISTIO_ERROR),
    )


def post(url: str, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    response = http.post(
        url + "/api/events",
        content=json.dumps(list(events)),
        headers={"Content-Type": "application/cloudevents-batch+json"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


def record(url: str, ref: str) -> dict[str, Any]:
    answer: dict[str, Any] = http.get(f"{url}/api/events/{ref}", timeout=10).json()
    return answer


def make_app(
    url: str, state_dir: Path | None = None, name: str = "test", **options: Any
) -> NotifyCenterApp:
    return NotifyCenterApp(
        Target(name=name, server=url, token=None, source="flag"), state_dir=state_dir, **options
    )


WAIT_SECONDS = 20.0  # generous: two busy cores running tests in parallel


async def until(pilot: Any, condition: Callable[[], object], timeout: float = WAIT_SECONDS) -> None:
    """Let the app run until `condition` holds; fail with the condition's source otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline or not pilot.app.is_running:
            code = condition.__code__
            raise AssertionError(f"timed out waiting for {code.co_filename}:{code.co_firstlineno}")
        # A plain sleep: the app runs meanwhile and paints on its own timer. `pilot.pause`
        # would also queue a callback on every widget and force a repaint, 20 times a second.
        await asyncio.sleep(0.05)
    await pilot.pause()  # once: what the condition saw is laid out and painted too


async def fill(pilot: Any, key: str, text: str) -> Input:
    """Open the prompt with `key` and put `text` in it, as if typed.

    For tests whose point is what the text does, not the typing: each pressed key costs a
    repaint and an idle wait, so a filter typed key by key takes seconds.
    """
    await pilot.press(key)
    field = pilot.app.focused
    assert isinstance(field, Input), f"{key!r} opened no prompt (focus: {field!r})"
    field.value = text
    field.cursor_position = len(text)
    return field


async def submit(pilot: Any, key: str, text: str) -> None:
    """Open the prompt with `key`, put `text` in it and press enter."""
    await fill(pilot, key, text)
    await pilot.press("enter")


async def press_until(
    pilot: Any, key: str, condition: Callable[[], object], limit: int = 100
) -> None:
    """Press `key` until `condition` holds, at most `limit` times: fails instead of hanging."""
    for _ in range(limit):
        if condition():
            return
        await pilot.press(key)
    assert condition(), f"{limit} presses of {key!r} did not get there"


def idle(app: NotifyCenterApp) -> bool:
    """Every event received is listed and toasted (or counted into a digest already shown):
    after this, no further toast can come from what arrived so far."""
    return app.settled and not len(app.session.feed) and app.session.policy.quiet


def workers_done(app: NotifyCenterApp, group: str) -> bool:
    return not any(worker.group == group and worker.is_running for worker in app.workers)


def detail_text(app: NotifyCenterApp) -> str:
    from textual.widgets import Static

    return str(app.query_one("#detail-body", Static).render())


def toasts(app: NotifyCenterApp) -> list[str]:
    """Every notification told so far (status line and `n` drawer), as `title|message`."""
    return [f"{n.title}|{n.message}" for n in app.notices]
