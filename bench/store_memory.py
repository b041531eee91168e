"""Resident memory the store needs per event at a million events.

    .venv/bin/python bench/store_memory.py [--events 1000000] [--repeat-share 0.3] [--acked-share 0.1]

Prints RSS growth (from /proc/self/status, after gc) per event, and the time to add them.
The events look like a busy mesh's: a few dozen components, a few hundred types, error
codes on errors, subjects from a few thousand resources, a trace on a third of them.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from collections.abc import Iterator
from typing import Any

COMPONENTS = [
    f"urn:meshery:{kind}:{name}"
    for kind in ("adapter", "server", "cloud", "operator")
    for name in ("istio", "linkerd", "cilium", "nginx", "consul", "kuma", "osm", "traefik")
]
VERBS = ("provision", "deploy", "delete", "validate", "sync", "discover", "register")
OBJECTS = ("virtualservice", "gateway", "destinationrule", "mesh", "design", "cluster", "pattern")
SEVERITIES = (
    ("ERROR",) * 2 + ("WARNING",) * 3 + ("INFO",) * 8 + ("NOTICE", "SUCCESS", "DEBUG", "CRITICAL")
)
WORDS = ("could not", "timed out while", "finished", "started", "retrying", "refused", "applied")


def synthetic_events(
    count: int,
    *,
    start_cursor: int = 1,
    seed: int = 7,
    repeat_share: float = 0.3,
    now_ms: int | None = None,
) -> Iterator[dict[str, Any]]:
    """`count` streamed events with increasing cursors; `repeat_share` of them repeat an
    earlier (source, type, code, subject) so that they fold."""
    rng = random.Random(seed)
    base_ms = now_ms if now_ms is not None else int(time.time() * 1000) - count
    recent: list[dict[str, Any]] = []
    for n in range(count):
        cursor = start_cursor + n
        if recent and rng.random() < repeat_share:
            event = dict(rng.choice(recent))
        else:
            event = _fresh(rng, n)
            recent.append(event)
            if len(recent) > 200:
                recent.pop(0)
        ms = base_ms + n
        event.update(
            id=f"ev-{cursor}",
            cursor=f"{cursor:016d}",
            time=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z",
        )
        yield event


def _fresh(rng: random.Random, n: int) -> dict[str, Any]:
    source = rng.choice(COMPONENTS)
    mesh = source.rsplit(":", 1)[1]
    obj, verb, severity = rng.choice(OBJECTS), rng.choice(VERBS), rng.choice(SEVERITIES)
    subject = f"{mesh}-{obj}-{rng.randrange(3000)}"
    data: dict[str, Any] = {
        "summary": f"{verb.capitalize()} {obj} {subject}: {rng.choice(WORDS)} "
        f"in namespace ns-{rng.randrange(40)}",
        "metadata": {"cluster": f"cluster-{rng.randrange(12)}"},
    }
    if severity in ("ERROR", "CRITICAL"):
        data["error"] = {
            "code": f"meshery-{mesh}-{1000 + rng.randrange(60)}",
            "severity": severity,
            "probableCause": [f"{mesh} control plane is not reachable"],
            "suggestedRemediation": ["Check the control plane pods", "Retry the operation"],
        }
        data["details"] = f"{verb} failed after {rng.randrange(1, 9)} attempts"
    event = {
        "specversion": "1.0",
        "source": source,
        "type": f"io.meshery.{verb}.{mesh}.{obj}",
        "subject": subject,
        "severitytext": severity,
        "severitynumber": _NUMBERS[severity],
        "category": "audit" if severity == "DEBUG" else "system",
        "datacontenttype": "application/json",
        "data": data,
    }
    if rng.random() < 0.33:
        event["traceparent"] = f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64) | 1:016x}-01"
    return event


_NUMBERS = {
    "DEBUG": 5,
    "INFO": 9,
    "NOTICE": 10,
    "SUCCESS": 11,
    "WARNING": 13,
    "ERROR": 17,
    "CRITICAL": 18,
}


def lifecycle_event(
    cursor: int,
    target: dict[str, Any],
    verb: str = "ack",
    actor: str = "alice",
    until: str | None = None,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"lc-{cursor}",
        "source": "urn:notifycenter:hub",
        "type": f"io.meshery.notification.{verb}",
        "cursor": f"{cursor:016d}",
        "time": "2026-11-28T09:00:00.000Z",
        "category": "audit",
        "severitytext": "DEBUG",
        "data": {
            "target": {"source": target["source"], "id": target["id"]},
            "actor": actor,
            "comment": None,
            "until": until,
        },
    }


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--acked-share", type=float, default=0.1)
    args = parser.parse_args()

    from notifycenter.store import EventStore

    gc.collect()
    before = rss_bytes()
    store = EventStore()
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    cursor = args.events
    rng = random.Random(3)
    for event in synthetic_events(args.events, repeat_share=args.repeat_share):
        batch.append(event)
        if rng.random() < args.acked_share:
            cursor += 1
            batch.append(lifecycle_event(cursor + args.events, event))
        if len(batch) >= 1000:
            store.add(batch)
            batch = []
    store.add(batch)
    del batch
    elapsed = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - before
    print("load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(
        f"events={store.event_count} rows={len(store)} add_seconds={elapsed:.1f} "
        f"add_us_per_event={elapsed / args.events * 1e6:.1f}"
    )
    print(
        f"rss_growth_mb={grown / 2**20:.1f} bytes_per_event={grown / store.event_count:.0f} "
        f"(target <= 400)"
    )
    print(f"raw_json_compressed_bytes_per_row={store._raw.nbytes() / max(len(store), 1):.0f}")


if __name__ == "__main__":
    main()
