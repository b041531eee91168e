"""Run a real hub (`python -m notifycenter serve`) as a subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tests import httpclient as http
from tests.hubthread import HubThread

START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HubProcess:
    """A hub in its own process, on 127.0.0.1, keeping its data in `data_dir`."""

    def __init__(
        self, data_dir: Path | str, port: int | None = None, extra_args: Sequence[str] = ()
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_args = tuple(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "hub-process.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "notifycenter",
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]

    def start(self) -> HubProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=os.environ.copy()
        )
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.output()}")
            try:
                if http.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"hub did not become healthy in {START_TIMEOUT}s:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait: a graceful shutdown."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL: what a crash or an OOM kill does."""
        return self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: int, timeout: float) -> int | None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        process.send_signal(sig)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def restart(self) -> HubProcess:
        self.stop()
        return self.start()

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# What the `hub` fixtures give: a test uses only what both have.
Hub = HubThread | HubProcess

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def make_event(
    n: int | str, source: str = "urn:meshery:adapter:istio", **extra: object
) -> dict[str, Any]:
    """A valid notification; `n` makes its id unique."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"evt-{n}",
        "source": source,
        "type": "io.meshery.provisioning.istio",
        "severitytext": "ERROR",
        "data": {"summary": f"Could not provision Istio #{n}"},
    }
    event.update(extra)
    return event


def post_batch(url: str, events: list[dict[str, Any]], **headers: str) -> httpx.Response:
    return http.post(
        url + "/api/events", json=events, headers={"content-type": BATCH, **headers}, timeout=30
    )


def post_structured(url: str, event: dict[str, Any], **headers: str) -> httpx.Response:
    return http.post(
        url + "/api/events", json=event, headers={"content-type": STRUCTURED, **headers}, timeout=30
    )
