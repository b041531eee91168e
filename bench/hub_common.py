"""Shared by the hub benchmarks: a hub subprocess and a lean HTTP/1.1 load generator.

The load generator writes pre-serialised requests on keep-alive connections and parses
only the status line and Content-Length: httpx costs ~150 µs per request on this kind of
machine, which would measure the client rather than the hub.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    def __init__(self, port: int, data: Path, process: subprocess.Popen) -> None:
        self.port, self.data, self.process = port, data, process

    def cpu_seconds(self) -> float:
        """User + system CPU the hub process has used (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def hub_process(*extra: str) -> Iterator[Hub]:
    """A hub on a free port in a fresh temp data dir."""
    data = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "NOTIFYCENTER_CONFIG": str(data / "none.toml"),
        "NOTIFYCENTER_DATA_DIR": str(data),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notifycenter",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(data),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the hub did not start") from None
                time.sleep(0.05)
        yield Hub(port, data, process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        shutil.rmtree(data, ignore_errors=True)


def event(n: int | str, **extra: object) -> dict:
    body = {
        "specversion": "1.0",
        "id": f"bench-{n}",
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.provisioning.istio.virtualservice",
        "severitytext": "ERROR",
        "data": {
            "summary": "Could not provision Istio",
            "details": "istioctl exited 1",
            "error": {
                "code": "meshery-istio-1002",
                "probableCause": ["istioctl missing"],
                "suggestedRemediation": ["Install istioctl"],
            },
        },
    }
    body.update(extra)
    return body


def post_request(port: int, body: bytes, content_type: str) -> bytes:
    return (
        f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection; `request` sends raw bytes, returns (status, body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def send_all(port: int, requests: list[bytes], connections: int) -> float:
    """Send every request over `connections` keep-alive connections; seconds taken.
    Each answer must be 202: a bench that counts refusals as throughput measures nothing."""
    conns = [await Connection.open("127.0.0.1", port) for _ in range(connections)]
    queue = list(reversed(requests))

    async def worker(conn: Connection) -> None:
        while queue:
            status, body = await conn.request(queue.pop())
            if status != 202:
                raise RuntimeError(f"{status}: {body[:200]!r}")

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def dumps(value: object) -> bytes:
    return orjson.dumps(value)


def cpu_note() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, load average {load:.1f} (other work shares the CPU)"
