"""Ctrl-C as a signal quits the notification center the way its quit key does; a second
one, or one with no app running, interrupts as Python does."""

from __future__ import annotations

import asyncio

import pytest

from notifycenter.commands.tui import quit_on_interrupt


async def test_the_first_ctrl_c_asks_the_app_to_quit_and_a_second_interrupts() -> None:
    quits: list[int] = []
    handler = quit_on_interrupt(lambda: quits.append(1))
    handler(2, None)
    assert quits == []  # asked of the loop, not run inside the signal handler
    await asyncio.sleep(0)
    assert quits == [1]
    with pytest.raises(KeyboardInterrupt):
        handler(2, None)


def test_with_no_app_running_ctrl_c_interrupts() -> None:
    handler = quit_on_interrupt(lambda: None)
    with pytest.raises(KeyboardInterrupt):
        handler(2, None)
