"""The demo's producers stop promptly even when the hub has stopped answering (as the
embedded hub has, by the time Ctrl-C reaches the producers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifycenter.demo import runner
from notifycenter.demo.scenario import CLOUD, CONSUL, ISTIO, LINKERD, OPERATOR, SERVER


@pytest.fixture
def silent_hub() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed at the end of the test
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    listener.close()
    for connection in held:
        connection.close()
    thread.join(timeout=5)


def test_producers_stop_within_one_close_timeout_when_the_hub_is_silent(
    silent_hub: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CLOSE_SECONDS", 0.5)
    stop = threading.Event()
    sent: list[int] = []
    producing = threading.Thread(
        target=lambda: sent.append(
            runner.run_producers(silent_hub, rate=200, burst=60, data_dir=tmp_path, stop=stop)
        ),
        daemon=True,
    )
    producing.start()
    spools = tmp_path / "spool"
    deadline = time.monotonic() + 10
    # Every simulated component has its emitter (each opens its spool folder) before Ctrl-C.
    while len(list(spools.glob("*/*"))) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(list(spools.glob("*/*"))) >= len({ISTIO, LINKERD, CONSUL, SERVER, CLOUD, OPERATOR})
    stopped = time.monotonic()
    stop.set()
    producing.join(timeout=10)
    # Closed one after the other, six emitters would take six close timeouts (drain, then
    # join: ~1 s each here); side by side they take one.
    assert not producing.is_alive() and sent
    assert time.monotonic() - stopped < 3.5
