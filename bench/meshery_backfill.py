"""Meshery backfill: a hub process follows a Meshery-like server holding N events.

    .venv/bin/python bench/meshery_backfill.py [--events 100000]

The server (tests/meshery_server.py, in this process) is filled first; then a
`notifycenter serve --source meshery+http://…` process starts, and the clock runs from
its launch until `GET /api/sources` reports every event taken and the source following.
Each event carries its own operationId, so the hub also stores one operation marker per
event (2 N log entries), all committed durably.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request

import orjson
from hub_common import ROOT, hub_process

sys.path.insert(0, str(ROOT))
from tests.meshery_server import MesheryServer

TIMEOUT = 1800.0


def sources(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sources", timeout=10) as answer:
        found: dict[str, object] = orjson.loads(answer.read())["sources"][0]
        return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with MesheryServer(token=None) as meshery:
        meshery.add_many(args.events)
        started = time.perf_counter()
        with hub_process("--source", f"meshery+http://127.0.0.1:{meshery.port}") as hub:
            deadline = time.monotonic() + TIMEOUT
            while True:
                state = sources(hub.port)
                if state["events_taken"] == args.events and state["state"] == "following":
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out: {state}")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            cpu = hub.cpu_seconds()
        print(
            f"meshery backfill: {args.events} events in {seconds:.1f} s"
            f" ({args.events / seconds:,.0f} events/s; hub CPU {cpu:.1f} s,"
            f" {meshery.page_requests} pages; includes the hub's start)"
        )


if __name__ == "__main__":
    main()
