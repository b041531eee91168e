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
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    """A hub on a free port in a fresh temp data dir. Without the backlog snapshot's
    builder (`--no-snapshots`) unless `NC_BENCH_SNAPSHOTS=1`: a child process that reads
    the whole log once it holds 20,000 events would share the two cores with what these
    scripts measure at random moments; the TUI scripts measure the snapshot itself, and
    docs/performance.md the builder's effect on ingest."""
    if os.environ.get("NC_BENCH_SNAPSHOTS") != "1":
        extra = (*extra, "--no-snapshots")
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


def load_note() -> str:
    """The 1-minute load average, printed with every figure."""
    return f"load {os.getloadavg()[0]:.1f}"


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of any process of this machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- a stream subscriber that costs next to nothing while it receives ------------------


def stream_handshake(port: int, query: str, subprotocol: str) -> bytes:
    return (
        f"GET /api/stream?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: {subprotocol}\r\n\r\n"
    ).encode()


class TimestampingSubscriber(asyncio.Protocol):
    """A WebSocket subscriber whose only work per read is to note the time, keep the bytes
    and step over frame headers to answer the hub's pings: frames are parsed after the run
    (`stream_frames`), so receiving hundreds of streams in one process measures the hub,
    not this process."""

    def __init__(self, handshake: bytes) -> None:
        self.handshake = handshake
        self.head = b""
        self.open = asyncio.get_running_loop().create_future()
        self.chunks: list[tuple[float, bytes]] = []
        self.received = 0
        self.transport: asyncio.Transport | None = None
        self.skip = 0  # payload bytes of the current frame still to come
        self.partial = b""  # a frame header (or ping) cut by the end of a read

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.handshake)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if self.open.done():
            self.chunks.append((time.time(), data))
            self.received += len(data)
            self._answer_pings(data)
            return
        self.head += data
        if b"\r\n\r\n" in self.head:
            head, _, rest = self.head.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 101"):
                self.open.set_exception(RuntimeError(head.decode(errors="replace")[:200]))
                return
            self.open.set_result(None)
            if rest:
                self.chunks.append((time.time(), rest))
                self._answer_pings(rest)

    def _answer_pings(self, data: bytes) -> None:
        """Step from frame header to frame header; a ping gets its pong (masked, zero key)."""
        if self.skip >= len(data):
            self.skip -= len(data)
            return
        data, self.skip, self.partial = self.partial + data[self.skip :], 0, b""
        at = 0
        while at < len(data):
            length = data[at + 1] & 0x7F if len(data) - at >= 2 else 0
            size = {126: 4, 127: 10}.get(length, 2)  # header bytes
            if len(data) - at < size:
                self.partial = data[at:]
                return
            if length >= 126:
                length = int.from_bytes(data[at + 2 : at + size])
            start, end = at + size, at + size + length
            if data[at] & 0x0F == 9:
                if end > len(data):
                    self.partial = data[at:]
                    return
                pong = bytes([0x8A, 0x80 | length]) + b"\0\0\0\0" + data[start:end]
                assert self.transport is not None
                self.transport.write(pong)
            if end > len(data):
                self.skip = end - len(data)
                return
            at = end

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_exception(RuntimeError(f"connection lost: {exc}"))


def stream_frames(chunks: list[tuple[float, bytes]]) -> Iterator[tuple[float, int, bytes]]:
    """(arrival time of its last byte, opcode, payload) of each server frame (unmasked)."""
    data = b"".join(chunk for _, chunk in chunks)
    ends, total = [], 0
    for _, chunk in chunks:
        total += len(chunk)
        ends.append(total)
    offset, index = 0, 0
    while offset + 2 <= len(data):
        opcode, length = data[offset] & 0x0F, data[offset + 1] & 0x7F
        start = offset + 2
        if length == 126:
            length, start = int.from_bytes(data[start : start + 2]), start + 2
        elif length == 127:
            length, start = int.from_bytes(data[start : start + 8]), start + 8
        end = start + length
        if end > len(data):
            break  # cut off at the end of the run
        while ends[index] < end:
            index += 1
        yield chunks[index][0], opcode, data[start:end]
        offset = end


def wait_quiet(counters: Sequence[Any], quiet: float, most: float) -> None:
    """Until the subscribers' byte counters have not moved for `quiet` seconds (every frame
    the hubs will send has arrived), or `most` seconds have passed."""
    deadline, last, quiet_since = time.monotonic() + most, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(counter.value for counter in counters)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
        time.sleep(0.1)


def start_subscribers(
    spawn: Any, target: Any, leading: Sequence[tuple[Any, ...]], stop: Any, results: Any
) -> tuple[list[Any], list[Any]]:
    """One subscriber process per `leading` (its first arguments; then ready, stop, its
    byte counter and the results queue), started and connected; (processes, counters)."""
    children, readies, counters = [], [], []
    for first in leading:
        ready, received = spawn.Event(), spawn.Value("q", 0, lock=False)
        child = spawn.Process(
            target=target,
            args=(*first, ready, stop, received, results),
            daemon=True,  # never outlives a failed run
        )
        child.start()
        children.append(child)
        readies.append(ready)
        counters.append(received)
    for ready in readies:
        if not ready.wait(60):
            raise RuntimeError("the subscribers did not connect")
    return children, counters


def finish_subscribers(
    stop: Any, children: Sequence[Any], results: Any
) -> tuple[list[dict[str, Any]], list[float], list[int]]:
    """Stop the processes `start_subscribers` started and gather their reports: (reports,
    every delivery latency in ms, how many events each subscriber got)."""
    stop.set()
    parts = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(30)
    latencies = array("d")
    for part in parts:
        latencies.frombytes(part["latencies"])
    counts = [count for part in parts for count in part["counts"]]
    return parts, [seconds * 1000 for seconds in latencies], counts
