"""Ingest side by side with the real Prometheus Alertmanager, and the web stack's floor.

    .venv/bin/python bench/ingest_vs_alertmanager.py [--rounds 3] [--seconds 2]
    .venv/bin/python bench/ingest_vs_alertmanager.py --backend postgresql   # hub on PostgreSQL

Starts, on free ports, a real Alertmanager (Debian's `prometheus-alertmanager`, state in
a temp dir, installed with apt-get when missing and when root), a real hub process
(`hub_common.hub_process`, durable: WAL, synchronous=FULL, every 202 after its fsync),
and a bare Starlette/uvicorn app that reads the body and answers 202 with no work (the
**floor**: what the web stack alone costs, same server settings as the hub). Then, for
`--rounds` rounds, alternating which server goes first, it measures:

- batched ingest, 100 per request, 4 clients: hub events/s vs Alertmanager alerts/s
  (`POST /api/v2/alerts` with 100 alerts);
- single POSTs with 1 and 8 clients: req/s, p50/p99 latency; also against the floor;
- server CPU per request, from /proc/<pid>/stat (user + system, all threads) read at
  the start and the end of the measured window.

Each figure is printed per round, then once more as the median of the rounds, one line
per figure with the ratio hub/Alertmanager (and hub/floor for single POSTs). Two
physical limits are measured in the same run: the latency of one durable SQLite commit
on the hub's disk, sampled each round (no durable answer comes sooner, so closed-loop
clients cannot pass `clients / latency`), and the hub's log writer alone, in-process
without HTTP (the batched rate cannot pass it). The last lines set each target beside
its limit. When py-spy is installed, the hub is then profiled under single POSTs x8
(`--profile-seconds`), wall samples of all threads and samples holding the GIL, and
the share of each part of the request path is printed on one line each.

How the load generator avoids measuring itself: it is a separate process (so it never
shares a GIL or an event loop with a server), on uvloop, with one `asyncio.Protocol` per
keep-alive connection that writes pre-built request bytes (each body is a template with
the id spliced in, no JSON encoding on the hot path) and parses only the status line
and Content-Length of each answer. Each window starts after a warm-up, and the
generator prints its own CPU per request next to the server's so that a reader can see
what share of the machine's two cores it took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from notifycenter.model.protocol import BATCH, STRUCTURED

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_common import ROOT, cpu_note, event, free_port, hub_process
from pg_ingest import BACKENDS, backend

MARK = b"@@ID@@"
AM_CONFIG = "route:\n  receiver: none\nreceivers:\n  - name: none\n"


# --- request templates (used by the generator process) ---------------------------------


def _template(value: object) -> tuple[bytes, bytes]:
    head, tail = orjson.dumps(value).split(MARK)
    return head, tail


def hub_event_template() -> tuple[bytes, bytes]:
    """The other hub benches' event, its id left to fill in."""
    return _template(event(0, id=MARK.decode(), subject="cluster-1"))


def am_alert_template() -> tuple[bytes, bytes]:
    return _template(
        {
            "labels": {
                "alertname": "IstioProvisioning",
                "instance": MARK.decode(),
                "job": "meshery",
                "severity": "critical",
            },
            "annotations": {
                "summary": "Could not provision Istio",
                "description": "istioctl exited 1",
            },
            "generatorURL": "http://prometheus.example/graph?g0.expr=up",
        }
    )


def request_maker(kind: str, port: int, per_request: int, tag: str) -> Callable[[int], bytes]:
    """`make(n)` gives the n-th request's bytes; ids are unique per window (`tag`)."""
    if kind == "am":
        path, content_type = "/api/v2/alerts", "application/json"
        head, tail = am_alert_template()
    else:
        path = "/api/events"
        content_type = STRUCTURED if per_request == 1 else BATCH
        head, tail = hub_event_template()
    start = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
    prefix, tagged = start.encode(), tag.encode()

    def item(n: int) -> bytes:
        return head + tagged + str(n).encode() + tail

    def make(n: int) -> bytes:
        if per_request == 1 and kind != "am":
            body = item(n)
        else:
            first = n * per_request
            body = b"[" + b",".join(item(first + k) for k in range(per_request)) + b"]"
        return prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body

    return make


# --- the generator process -------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client(asyncio.Protocol):
    """One keep-alive connection: sends the next request as soon as an answer is whole."""

    def __init__(self, run: Window) -> None:
        self.run, self.buffer = run, b""
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        if not self.run.running:
            self.run.idle += 1
            return
        request = self.run.next_request()
        self.sent_at = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = 0
        at = head.find(b"content-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15 : stop if stop >= 0 else None])
        if len(self.buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        self.run.answered(status, body, time.perf_counter() - self.sent_at)
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.run.running:
            self.run.failure = self.run.failure or f"connection lost: {exc}"
            self.run.running = False


class Window:
    """The state of one measurement: counters that only the measured window reads."""

    def __init__(self, make: Callable[[int], bytes], expect: int) -> None:
        self.make, self.expect = make, expect
        self.sent = self.done = self.idle = 0
        self.running, self.measuring = True, False
        self.latencies: list[float] = []
        self.failure: str | None = None

    def next_request(self) -> bytes:
        self.sent += 1
        return self.make(self.sent)

    def answered(self, status: int, body: bytes, latency: float) -> None:
        if status != self.expect:
            self.failure = self.failure or f"answer {status}: {body[:200]!r}"
            self.running = False
        self.done += 1
        if self.measuring:
            self.latencies.append(latency)


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    make = request_maker(spec["kind"], spec["port"], spec["per_request"], spec["tag"])
    run = Window(make, spec["expect"])
    loop = asyncio.get_running_loop()
    clients = []
    for _ in range(spec["clients"]):
        _, client = await loop.create_connection(lambda: Client(run), "127.0.0.1", spec["port"])
        clients.append(client)
    await asyncio.sleep(spec["warmup"])
    server, me = spec["pid"], os.getpid()
    done0, cpu0, own0, t0 = run.done, process_cpu(server), process_cpu(me), time.perf_counter()
    run.measuring = True
    await asyncio.sleep(spec["seconds"])
    run.measuring = False
    done1, cpu1, own1, t1 = run.done, process_cpu(server), process_cpu(me), time.perf_counter()
    run.running = False
    deadline = time.monotonic() + 10
    while run.idle < len(clients) and time.monotonic() < deadline and run.failure is None:
        await asyncio.sleep(0.01)
    for client in clients:
        if client.transport is not None:
            client.transport.close()
    requests = done1 - done0
    lat = sorted(run.latencies) or [0.0]
    return {
        "failure": run.failure,
        "requests": requests,
        "elapsed": t1 - t0,
        "server_cpu": cpu1 - cpu0,
        "generator_cpu": own1 - own0,
        "p50": lat[len(lat) // 2],
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
    }


def generator_main() -> None:
    """One JSON spec per stdin line, one JSON result per stdout line."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    for line in sys.stdin:
        result = asyncio.run(measure(json.loads(line)))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


# --- the floor: a bare Starlette app on the hub's uvicorn settings ----------------------


def floor_main(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def post(request: Request) -> Response:
        await request.body()
        return Response(b'{"accepted":1}', 202, media_type="application/json")

    app = Starlette(routes=[Route("/api/events", post, methods=["POST"])])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        lifespan="off",
    )


# --- the servers ------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    pid: int


def _wait_http(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError as exc:
            if getattr(exc, "code", None) is not None:  # an HTTP answer: it is up
                return
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "prometheus-alertmanager"], check=False)
        found = shutil.which("prometheus-alertmanager")
    if found is None:
        sys.exit("prometheus-alertmanager is missing: apt-get install -y prometheus-alertmanager")
    return found


@contextmanager
def alertmanager() -> Iterator[tuple[Server, str]]:
    binary = alertmanager_binary()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True)
    directory = Path(tempfile.mkdtemp(prefix="nc-bench-am-"))
    (directory / "am.yml").write_text(AM_CONFIG)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={directory / 'am.yml'}",
            f"--storage.path={directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/-/ready", process, "Alertmanager")
        first = (version.stdout or version.stderr).splitlines()[0]
        yield Server("alertmanager", port, process.pid), first
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def floor() -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--floor-server", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/events", process, "the floor app")
        yield Server("floor", port, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


class Generator:
    """The load generator process, driven one window at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--generator"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.windows = 0

    def run(self, server: Server, clients: int, per_request: int, args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.windows += 1
        spec = {
            "kind": "am" if server.name == "alertmanager" else "hub",
            "port": server.port,
            "pid": server.pid,
            "clients": clients,
            "per_request": per_request,
            "expect": 200 if server.name == "alertmanager" else 202,
            "tag": f"w{self.windows}-",
            "warmup": args.warmup,
            "seconds": args.seconds,
        }
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        result: dict[str, Any] = json.loads(self.process.stdout.readline())
        if result["failure"] or not result["requests"]:
            raise RuntimeError(f"{server.name}: {result['failure']}")
        result["items"] = result["requests"] * per_request
        return result

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


# --- the physical limits, measured in the same run ---------------------------------------


def commit_latency(directory: Path, commits: int = 100) -> float:
    """Median seconds of one durable one-row commit (WAL, synchronous=FULL) on this disk:
    no answer that waits for its fsync comes sooner, so `clients / latency` bounds the
    request rate of closed-loop clients whatever the server's CPU."""
    conn = sqlite3.connect(directory / "fsync.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (body BLOB)")
    row = (bytes(900),)
    times = []
    for _ in range(commits):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", row)
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    conn.close()
    return statistics.median(times)


def writer_alone(directory: Path, events: int = 20_000, group: int = 4) -> tuple[float, float]:
    """(events/s, CPU µs/event) of the hub's own log writer with its projections, in-process,
    no HTTP: groups of `group` validated 100-event batches, fsynced per group. The batched
    rate over HTTP cannot pass it, since the writer shares one GIL with the event loop."""
    from hub_common import event

    from notifycenter.hub.app import load_plugins
    from notifycenter.hub.group_commit import Job, append_job
    from notifycenter.hub.projection import EventIndex
    from notifycenter.hub.sqlite_log import SqliteLog
    from notifycenter.hub.summary_counts import SummaryCounts
    from notifycenter.model.event import validate_event

    async def run() -> tuple[float, float]:
        projections = [EventIndex(), SummaryCounts(), *(m.projection() for m in load_plugins())]
        log = SqliteLog(directory / "writer.sqlite3", projections)
        await log.open()
        batches = [
            [validate_event(event(f"{b}-{k}")) for k in range(100)] for b in range(events // 100)
        ]
        loop = asyncio.get_running_loop()
        wall, cpu = time.perf_counter(), time.thread_time()

        def job(batch: list[dict[str, Any]]) -> Job[Any]:  # as `append` queues it
            return append_job(batch, "bench", loop.create_future())

        for start in range(0, len(batches), group):
            log._commit([job(batch) for batch in batches[start : start + group]])
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        await log.close()
        return events / wall, cpu / events * 1e6

    return asyncio.run(run())


@dataclass
class Limits:
    commit_seconds: float  # one durable one-row commit, median
    writer_rate: float  # events/s of the log writer alone
    writer_cpu: float  # its CPU µs per event

    def lines(self) -> list[str]:
        latency = self.commit_seconds
        return [
            f"limit: durable one-row commit on this disk p50 {latency * 1e3:.2f} ms -> "
            f"closed-loop bound {1 / latency:,.0f} req/s with 1 client, "
            f"{8 / latency:,.0f} req/s with 8 (each answer waits for its own fsync)",
            f"limit: the hub's log writer alone (in-process, no HTTP, 4x100 events per commit) "
            f"{self.writer_rate:,.0f} events/s, {self.writer_cpu:.1f} µs CPU/event",
        ]


def limits(commit_seconds: list[float]) -> Limits:
    """The writer alone, once; the commit latency is the median of the rounds' samples."""
    directory = Path(tempfile.mkdtemp(prefix="nc-bench-limits-"))
    try:
        rate, cpu = writer_alone(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return Limits(statistics.median(commit_seconds), rate, cpu)


# --- the profile: where the hub's time goes under single POSTs x8 ----------------------


def _commit_frames() -> set[str]:
    """How py-spy names the writer's COMMIT lines (where it waits for the fsync)."""
    frames = set()
    for name in ("sqlite_log.py", "group_commit.py"):
        source = ROOT / "notifycenter" / "hub" / name
        if source.exists():
            lines = source.read_text(encoding="utf-8").splitlines()
            frames |= {f"{name}:{n})" for n, x in enumerate(lines, 1) if 'execute("COMMIT")' in x}
    return frames


LOOP_PARTS = (  # (part, any of these in the stack), first match wins
    ("decode+validate", ("decode_request",)),
    ("auth", ("authorize", "_require")),
    ("read body", ("_read_body",)),
    ("answer+send", ("RequestResponseCycle.send", "Response.__call__")),
    ("writer hand-off", ("SqliteLog", "CommitLog", "_chain_future", "shield", "ThreadPool")),
    ("handler other", ("store_events", "post_events")),
    ("middleware+routing", ("starlette", "Middleware", "app.py", "failsafe")),
    ("uvicorn protocol", ("httptools_impl",)),
)


def classify(raw: str, commit_frames: set[str]) -> dict[str, int]:
    """Samples per part of the request path, from py-spy's raw (collapsed) output."""
    parts: dict[str, int] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        if "nc-log-writer" in frames[0]:
            if any(frame in frames[-1] for frame in commit_frames):
                part = "writer COMMIT (fsync)"
            elif any(m in stack for m in ("Transaction.insert", "Transaction._store")):
                part = "writer inserts+projections"
            elif "_commit" in stack:
                part = "writer begin/savepoints/marks"
            else:
                part = "writer other (pool, checkpoints)"
        elif "MainThread" in frames[0]:
            found = (name for name, marks in LOOP_PARTS if any(m in stack for m in marks))
            part = next(found, "loop C code (uvloop, httptools, syscalls)")
        else:
            part = "other threads"
        parts[part] = parts.get(part, 0) + int(count)
    return parts


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def profile(generator: Generator, hub: Server, seconds: float, gil: bool) -> str:
    """One line: the hub's samples per part while 8 clients post single events."""
    what = "holding the GIL" if gil else "wall, all threads"
    binary = py_spy()
    if binary is None:
        return "profile: skipped, py-spy is not installed (.venv/bin/pip install py-spy)"
    out = Path(tempfile.mkdtemp(prefix="nc-bench-spy-")) / "raw.txt"
    command = [binary, "record", "-r", "250", "-f", "raw", "-o", str(out), "--threads"]
    command += ["--nonblocking", "-d", str(int(seconds) + 2), "--pid", str(hub.pid)]
    spy = subprocess.Popen(
        [*command, *(["--gil"] if gil else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    window = argparse.Namespace(warmup=0.3, seconds=seconds)
    result = generator.run(hub, 8, 1, window)
    try:
        _, error = spy.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        spy.kill()
        _, error = spy.communicate()
    raw = out.read_text(encoding="utf-8") if out.exists() else None
    shutil.rmtree(out.parent, ignore_errors=True)
    if raw is None:
        return f"profile ({what}): py-spy failed: {error.decode(errors='replace')[-200:]}"
    parts = classify(raw, _commit_frames())
    total = sum(parts.values()) or 1
    shares = "; ".join(
        f"{name} {count / total:.1%}" for name, count in sorted(parts.items(), key=lambda p: -p[1])
    )
    rate = result["requests"] / result["elapsed"]
    return f"profile, hub, single POST x8 ({rate:,.0f} req/s, py-spy {what}): {shares}"


# --- the run ----------------------------------------------------------------------------

MEASURES = (  # (label, clients, per request, servers)
    ("batched ingest, 100/request, 4 clients", 4, 100, ("hub", "alertmanager")),
    ("single POST, 1 client", 1, 1, ("hub", "alertmanager", "floor")),
    ("single POST, 8 clients", 8, 1, ("hub", "alertmanager", "floor")),
)


def describe(result: dict[str, Any], per_request: int) -> str:
    rate = result["items"] / result["elapsed"]
    unit = "items/s" if per_request > 1 else "req/s"
    cpu = result["server_cpu"] / max(1, result["requests"]) * 1e6
    own = result["generator_cpu"] / max(1, result["requests"]) * 1e6
    text = f"{rate:>9,.0f} {unit}, server CPU {cpu:,.0f} µs/request"
    if per_request == 1:
        text += f", p50 {result['p50'] * 1e3:.2f} ms, p99 {result['p99'] * 1e3:.2f} ms"
    return text + f" (generator {own:,.0f} µs/request)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=0.3)
    parser.add_argument(
        "--profile-seconds",
        type=float,
        default=4.0,
        help="py-spy the hub under single POSTs x8 after the rounds (0: no profile)",
    )
    parser.add_argument(
        "--backend", choices=BACKENDS, default="sqlite", help="the hub's log (limits: SQLite's)"
    )
    parser.add_argument("--generator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generator:
        return generator_main()
    if args.floor_server:
        return floor_main(args.floor_server)
    print(f"start: {cpu_note()}; {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"windows of {args.seconds} s after {args.warmup} s warm-up; {args.rounds} rounds")
    rates: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with (
        alertmanager() as (am, version),
        backend(args.backend) as extra,
        hub_process(*extra) as hub,
        floor() as bare,
    ):
        durable = {"sqlite": "WAL, synchronous=FULL", "postgresql": "PostgreSQL, fsync on"}
        print(f"alertmanager: {version} (in memory, no fsync); hub: {durable[args.backend]}")
        servers = {
            "hub": Server("hub", hub.port, hub.process.pid),
            "alertmanager": am,
            "floor": bare,
        }
        generator = Generator()
        commits: list[float] = []
        try:
            for round_ in range(args.rounds):
                commits.append(commit_latency(hub.data))
                print(f"round {round_ + 1}: durable commit p50 {commits[-1] * 1e3:.2f} ms")
                for label, clients, per_request, names in MEASURES:
                    order = names if round_ % 2 == 0 else tuple(reversed(names))
                    for name in order:
                        result = generator.run(servers[name], clients, per_request, args)
                        rates.setdefault((label, name), []).append(result)
                        print(
                            f"round {round_ + 1}: {label}: {name:12} {describe(result, per_request)}"
                        )
            if args.profile_seconds > 0:
                for gil in (False, True):
                    print(profile(generator, servers["hub"], args.profile_seconds, gil))
        finally:
            generator.close()
    print(f"end: {cpu_note()}")
    found = limits(commits)
    for line in found.lines():
        print(line)
    print(f"medians of {args.rounds} rounds:")
    for label, _, per_request, names in MEASURES:
        print(summary(label, per_request, names, rates))
    for line in verdicts(rates, found):
        print(line)


def verdicts(rates: dict[Any, list[dict[str, Any]]], found: Limits) -> list[str]:
    """Each target beside the physical limit measured in this run."""

    def rate(label: str, name: str) -> float:
        return float(statistics.median(r["items"] / r["elapsed"] for r in rates[(label, name)]))

    batched, single8 = MEASURES[0][0], MEASURES[2][0]
    am_batched, am_single = rate(batched, "alertmanager"), rate(single8, "alertmanager")
    ratio_batched = rate(batched, "hub") / am_batched
    ratio_single = rate(single8, "hub") / am_single
    bound = 8 / found.commit_seconds
    return [
        f"target batched >= 1.5x alertmanager: {ratio_batched:.2f}x, "
        f"{'met' if ratio_batched >= 1.5 else 'not met'}; the log writer alone "
        f"reaches {found.writer_rate / am_batched:.2f}x alertmanager's rate",
        f"target single POST x8 >= 1x alertmanager: {ratio_single:.2f}x, "
        f"{'met' if ratio_single >= 1 else 'not met'}; a durable answer per request with 8 "
        f"clients is bounded at {bound / am_single:.2f}x alertmanager by the fsync alone, "
        f"the bare web stack at {rate(single8, 'floor') / am_single:.2f}x",
    ]


def _median(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in results))


def summary(
    label: str, per_request: int, names: tuple[str, ...], rates: dict[Any, list[dict[str, Any]]]
) -> str:
    def rate(name: str) -> float:
        return float(statistics.median(r["items"] / r["elapsed"] for r in rates[(label, name)]))

    def cpu(name: str) -> float:
        per_request = (r["server_cpu"] / max(1, r["requests"]) * 1e6 for r in rates[(label, name)])
        return float(statistics.median(per_request))

    hub, am = rate("hub"), rate("alertmanager")
    parts = [
        f"{label}: hub {hub:,.0f}, alertmanager {am:,.0f} "
        f"{'items/s' if per_request > 1 else 'req/s'}, hub/alertmanager {hub / am:.2f}x",
        f"CPU µs/request hub {cpu('hub'):,.0f} alertmanager {cpu('alertmanager'):,.0f}",
    ]
    if "floor" in names:
        bare = rate("floor")
        parts.append(
            f"floor {bare:,.0f} req/s, hub/floor {hub / bare:.2f}x, floor CPU {cpu('floor'):,.0f} µs/request"
        )
        parts.append(
            "p50/p99 ms hub "
            + f"{_median(rates[(label, 'hub')], 'p50') * 1e3:.2f}/{_median(rates[(label, 'hub')], 'p99') * 1e3:.2f}"
            + f" alertmanager {_median(rates[(label, 'alertmanager')], 'p50') * 1e3:.2f}/"
            + f"{_median(rates[(label, 'alertmanager')], 'p99') * 1e3:.2f}"
        )
    return "; ".join(parts)


if __name__ == "__main__":
    main()
