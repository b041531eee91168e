"""A close that times out while the sender still waits on the hub loses nothing.

The sender is blocked in a request to a hub that accepts and never answers; `close()`
returns after its timeout, and the events still in hand reach the spool once the
request gives up, for the next run to replay.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifycenter.client import Emitter
from tests.waiting import wait_until

SOURCE = "urn:meshery:test:close-timeout"


@pytest.fixture
def silent_hub() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    for connection in held:
        connection.close()
    thread.join(timeout=5)


def test_events_in_hand_reach_the_spool_after_close_times_out(
    silent_hub: str, tmp_path: Path
) -> None:
    emitter = Emitter(silent_hub, source=SOURCE, data_dir=tmp_path, timeout=1.5)
    sent = [emitter.emit(type="io.meshery.test", summary=f"event {n}")["id"] for n in range(5)]
    emitter.flush(timeout=0.3)  # the batch is now in a request the hub never answers
    more = [emitter.emit(type="io.meshery.test", summary=f"late {n}")["id"] for n in range(3)]
    assert emitter.close(timeout=0.2) is False
    wait_until(lambda: not emitter._thread.is_alive(), timeout=10, what="the sender to finish")
    replay = Emitter(silent_hub, source=SOURCE, data_dir=tmp_path, timeout=0.5)
    try:
        assert replay._spool.count == len(sent) + len(more)
    finally:
        replay.close(timeout=0.1)


def test_close_returns_within_its_timeout_while_the_sender_is_stuck(
    silent_hub: str, tmp_path: Path
) -> None:
    """Draining and stopping the sender share the one timeout a caller gives: a producer
    shutting down with `close(1.0)` is not held for two seconds."""
    emitter = Emitter(silent_hub, source=SOURCE, data_dir=tmp_path, timeout=2.0)
    emitter.emit(type="io.meshery.test", summary="stuck")
    emitter.flush(timeout=0.3)  # the sender now waits on a hub that never answers
    emitter.emit(type="io.meshery.test", summary="in hand")
    started = time.monotonic()
    assert emitter.close(timeout=1.0) is False
    assert time.monotonic() - started < 1.7  # both halves waited their full timeout before
    wait_until(lambda: not emitter._thread.is_alive(), timeout=10, what="the sender to finish")
