"""Alertmanager webhook ingest: 10,000 alerts through POST /api/ingest/alertmanager of a
real hub process, as Alertmanager sends them (one notification per alert group), then the
same alerts resolved (each resolution is a lifecycle event written with its alert).

    .venv/bin/python bench/alertmanager_ingest.py [--alerts 10000] [--group 50] [--connections 4]

Each 202 means the notification was committed (WAL, synchronous=FULL) before the answer.
This is the hub's own webhook; Alertmanager's ingest rate beside the hub's is
`bench/ingest_vs_alertmanager.py`.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from hub_common import cpu_note, dumps, hub_process, send_all

PATH = "/api/ingest/alertmanager"
STARTS = "2026-11-29T10:00:00.123456789Z"


def alert(n: int, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": f"Bench{n % 20}",
            "instance": f"node-{n}:9100",
            "job": "node",
            "severity": ("critical", "warning", "info")[n % 3],
        },
        "annotations": {
            "summary": f"Disk almost full on node-{n}",
            "description": "/var has 2% left",
            "runbook_url": "https://runbooks.example/disk-full",
        },
        "startsAt": STARTS,
        "endsAt": "2026-11-29T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=disk",
        "fingerprint": f"{n:016x}",
    }


def notification(port: int, alerts: list[dict[str, Any]], status: str) -> bytes:
    body = dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="Bench"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "hub",
            "groupLabels": {"alertname": "Bench"},
            "commonLabels": {"job": "node"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example:9093",
            "alerts": alerts,
        }
    )
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"User-Agent: Alertmanager/0.25.0\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--group", type=int, default=50, help="alerts per notification")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    print(cpu_note())
    with hub_process() as hub:
        for status in ("firing", "resolved"):
            requests = [
                notification(
                    hub.port,
                    [alert(n, status) for n in range(g, min(g + args.group, args.alerts))],
                    status,
                )
                for g in range(0, args.alerts, args.group)
            ]
            cpu = hub.cpu_seconds()
            elapsed = asyncio.run(send_all(hub.port, requests, args.connections))
            cpu = hub.cpu_seconds() - cpu
            print(
                f"alertmanager webhook, {status}: {args.alerts} alerts in {elapsed:.2f}s = "
                f"{args.alerts / elapsed:,.0f} events/s ({len(requests)} notifications of "
                f"{args.group}, {args.connections} connections); hub CPU "
                f"{cpu / args.alerts * 1e6:.0f} µs/alert"
            )


if __name__ == "__main__":
    main()
