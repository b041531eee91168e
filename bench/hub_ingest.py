"""Ingest throughput: batched (100 events per request) and single-event POSTs, durable.

    .venv/bin/python bench/hub_ingest.py [--events 200000] [--singles 20000]

Each 202 means the events were committed (WAL, synchronous=FULL) before the answer.
The hub alone; side by side with Alertmanager and the web stack's floor, in one run:
`bench/ingest_vs_alertmanager.py`.
During the batched burst a thread samples the size of the hub's `-wal` file every 20 ms;
after it, the largest size seen, the size once the hub is idle, and the disk used per
stored event (database + WAL, after the hub's own checkpoints) are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from pathlib import Path

from hub_common import cpu_note, dumps, event, hub_process, post_request, send_all

from notifycenter.model.protocol import BATCH, STRUCTURED


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--singles", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    print(cpu_note())
    with hub_process() as hub:
        batches = [
            post_request(hub.port, dumps([event(f"{b}-{k}") for k in range(100)]), BATCH)
            for b in range(args.events // 100)
        ]
        cpu = hub.cpu_seconds()
        with WalSampler(hub.data / "hub.sqlite3") as wal:
            elapsed = asyncio.run(send_all(hub.port, batches, args.connections))
        cpu = hub.cpu_seconds() - cpu
        print(
            f"batched ingest: {args.events} events in {elapsed:.2f}s = {args.events / elapsed:,.0f} events/s "
            f"({args.connections} connections, 100 events/request); hub CPU {cpu / args.events * 1e6:.0f} µs/event"
            f" = {args.events / cpu:,.0f} events per CPU-second"
        )
        print(wal.report(args.events))
    with hub_process() as hub:
        singles = [post_request(hub.port, dumps(event(n)), STRUCTURED) for n in range(args.singles)]
        for connections in (1, 32):
            part = (
                singles[: args.singles // 2] if connections == 1 else singles[args.singles // 2 :]
            )
            cpu = hub.cpu_seconds()
            elapsed = asyncio.run(send_all(hub.port, part, connections))
            cpu = hub.cpu_seconds() - cpu
            print(
                f"single-event POST: {len(part)} in {elapsed:.2f}s = {len(part) / elapsed:,.0f} requests/s "
                f"({connections} connections); hub CPU {cpu / len(part) * 1e6:.0f} µs/request"
            )


class WalSampler:
    """Samples the `-wal` file's size every 20 ms while the burst runs."""

    def __init__(self, db: Path) -> None:
        self.db, self.wal = db, db.with_name(db.name + "-wal")
        self.largest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> WalSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _size(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.largest = max(self.largest, self._size(self.wal))

    def report(self, events: int) -> str:
        """The largest WAL seen; then, the hub left idle (at most 10 s), the WAL and disk per event."""
        deadline = time.monotonic() + 10
        while self._size(self.wal) > 4 << 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        wal, db = self._size(self.wal), self._size(self.db)
        return (
            f"WAL: largest {self.largest / 1e6:.1f} MB during the burst, {wal / 1e6:.1f} MB at rest;"
            f" disk at rest {(db + wal) / events:,.0f} B/event (database {db / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main()
