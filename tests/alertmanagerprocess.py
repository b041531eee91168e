"""Run the real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) for a test.

It listens on a free port, keeps its state in a temporary directory, runs without
clustering, and sends every notification to one webhook URL with short group timings,
so that a fired alert reaches the webhook in well under a second.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests import httpclient
from tests.hubprocess import free_port
from tests.realprograms import missing

BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")
START_TIMEOUT = 15.0

CONFIG = """\
route:
  receiver: hub
  group_by: ['alertname', 'instance']
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: hub
    webhook_configs:
      - url: {webhook}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


def binary() -> str | None:
    return next((found for name in BINARY_NAMES if (found := shutil.which(name))), None)


def require_binary() -> str:
    """The binary; without it the test is skipped, except under CI where it must run."""
    found = binary()
    if found is None:
        missing("prometheus-alertmanager", "apt-get install prometheus-alertmanager")
    return found


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AlertmanagerProcess:
    """One Alertmanager whose only receiver posts to a webhook with a bearer `token`."""

    def __init__(self, directory: Path, token: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.token = token
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "alertmanager.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, webhook: str) -> AlertmanagerProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "alertmanager.yml"
        config.write_text(CONFIG.format(webhook=webhook, token=self.token), encoding="utf-8")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    require_binary(),
                    f"--config.file={config}",
                    f"--storage.path={self.directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    f"--web.external-url={self.url}",
                    "--cluster.listen-address=",
                ],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"alertmanager exited:\n{self.output()}")
            try:
                if httpclient.get(self.url + "/-/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"alertmanager not ready in {START_TIMEOUT}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        answer = httpclient.post(self.url + "/api/v2/alerts", json=alerts, timeout=5.0)
        answer.raise_for_status()

    def silences(self) -> list[dict[str, Any]]:
        answer = httpclient.get(self.url + "/api/v2/silences", timeout=5.0)
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found

    def webhook_sends(self) -> float:
        """Notifications sent to the webhook so far (Alertmanager's own counter)."""
        text = httpclient.get(self.url + "/metrics", timeout=5.0).text
        total = 0.0
        for line in text.splitlines():
            if (
                line.startswith("alertmanager_notifications_total")
                and 'integration="webhook"' in line
            ):
                total += float(line.rsplit(" ", 1)[1])
        return total
