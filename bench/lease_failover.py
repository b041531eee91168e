"""How fast background work moves between hub replicas: sink delivery after its holder dies.

    .venv/bin/python bench/lease_failover.py [--replicas 3] [--rounds 2]

Starts its own PostgreSQL and `notifycenter serve` replicas with the default leases
(10 s term, renewed every 2 s) and a webhook receiver; one subscription is created.
Each round posts an event every 50 ms to a replica that survives, then ends the replica
holding the `delivery` lease — `kill -9`, or a clean stop (SIGTERM) — and measures the
time from its end to the first delivery of an event posted after it. It also counts the
events never delivered (expected 0) and those delivered twice (at least once: only what
the old holder had sent but not recorded).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from hub_common import ROOT, hub_process, load_note
from pg_ingest import postgres

sys.path.insert(0, str(ROOT))
import psycopg

POST_EVERY = 0.05
T = TypeVar("T")


class Receiver:
    """Records each delivered event id with the time it arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_OPTIONS(self) -> None:  # the webhook validation handshake
                self.send_response(200)
                self.send_header("WebHook-Allowed-Origin", "*")
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                now = time.monotonic()
                kind = self.headers.get("content-type", "")
                if "batch" in kind:
                    ids = [e["id"] for e in json.loads(body)]
                elif "cloudevents+json" in kind:
                    ids = [json.loads(body)["id"]]
                else:
                    ids = [self.headers["ce-id"]]
                with owner.lock:
                    owner.arrivals.extend((i, now) for i in ids)
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def covers(self, ids: set[str]) -> bool:
        with self.lock:
            return {i for i, _ in self.arrivals} >= ids

    def first_after(self, ids: set[str]) -> float | None:
        with self.lock:
            return next((t for i, t in self.arrivals if i in ids), None)


def request(url: str, body: object) -> Any:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if isinstance(body, dict) and "specversion" in body:
        headers["Content-Type"] = "application/cloudevents+json"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.loads(answer.read())


def holder_pid(database: str) -> int | None:
    with psycopg.connect(database) as conn:
        if conn.execute("SELECT to_regclass('leases')").fetchone() == (None,):
            return None
        row = conn.execute(
            "SELECT holder FROM leases WHERE name = 'delivery' AND expires_at > clock_timestamp()"
        ).fetchone()
    return int(row[0].split(":")[-2]) if row else None


def wait_for(condition: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


@contextlib.contextmanager
def poster(url: str) -> Iterator[list[tuple[str, float]]]:
    """Post one event every POST_EVERY seconds while inside; (id, time posted) each."""
    posted: list[tuple[str, float]] = []
    stop = threading.Event()

    def run() -> None:
        n = 0
        while not stop.wait(POST_EVERY):
            n += 1
            ident = f"ev-{time.monotonic_ns()}-{n}"
            event = {"specversion": "1.0", "id": ident, "source": "urn:bench:failover",
                     "type": "io.bench", "severitytext": "ERROR"}  # fmt: skip
            with contextlib.suppress(OSError):
                request(f"{url}/api/events", event)
                posted.append((ident, time.monotonic()))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield posted
    finally:
        stop.set()
        thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    receiver = Receiver()
    with postgres() as server, ExitStack() as stack:
        database = server.url("postgres")
        hubs = [stack.enter_context(hub_process("--database", database))
                for _ in range(args.replicas)]  # fmt: skip
        first = f"http://127.0.0.1:{hubs[0].port}"
        request(f"{first}/api/subscriptions", {"sink": receiver.url, "protocol": "HTTP"})
        print(load_note())
        alive = list(hubs)
        for n in range(args.rounds):
            how = "kill -9" if n % 2 == 0 else "SIGTERM"
            pid = wait_for(lambda: holder_pid(database), 30, "a delivery holder")
            victim = next(h for h in alive if h.process.pid == pid)
            survivor = next(h for h in alive if h is not victim)
            with poster(f"http://127.0.0.1:{survivor.port}") as posted:
                time.sleep(1.0)  # deliveries flow before the holder ends
                ended = time.monotonic()
                victim.process.send_signal(signal.SIGKILL if how == "kill -9" else signal.SIGTERM)
                alive.remove(victim)
                time.sleep(0.2)
                later = {i for i, t in posted if t > ended}
                moved = wait_for(partial(receiver.first_after, later), 60, "delivery to resume")
                assert moved is not None  # wait_for returns only a truthy value
                time.sleep(1.0)
            ids = [i for i, _ in posted]
            wanted = set(ids)
            wait_for(partial(receiver.covers, wanted), 30, "every event")
            got = [i for i, _ in receiver.arrivals if i in set(ids)]
            print(
                f"{how:8} of the delivery holder: delivery resumed after {moved - ended:5.1f} s;"
                f" {len(ids)} events posted, {len(set(ids) - set(got))} lost,"
                f" {len(got) - len(set(got))} delivered twice"
            )
            if len(alive) < 2:
                break


if __name__ == "__main__":
    main()
