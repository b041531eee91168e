"""Events the sink tests deliver: a notification, a lifecycle change of it, hostile text."""

from __future__ import annotations

import re
from typing import Any

from notifycenter.routing.sink import Delivery, Item

HUB_URL = "http://127.0.0.1:9181"
SOURCE = "urn:meshery:adapter:istio"
# Every trick an event's text may try on a receiver: Rich markup, Slack mentions and links,
# Mattermost mentions and Markdown links, an OSC 52 clipboard write, a bidi override, and a
# CRLF that would start a new mail header.
HOSTILE = (
    "[/x] <!channel> <@U024BE7LH> @here [tap](http://evil.example) "
    "\x1b]52;c;ZXZpbA==\x07 \u202eevil\r\nBcc: victim@evil.example"
)
# What no receiver may get: C0/C1 controls other than newline and tab, and bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def notification(
    summary: str = "Could not provision Istio",
    severity: str = "ERROR",
    event_id: str = "e-1",
    details: str = "istioctl exited 1: file not found",
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": "io.meshery.provisioning.istio",
        "time": "2026-11-29T18:00:00Z",
        "severitytext": severity,
        "data": {
            "summary": summary,
            "details": details,
            "error": {
                "code": "meshery-istio-1002",
                "probableCause": ["istioctl is not installed or not on PATH"],
                "suggestedRemediation": ["Install istioctl", "Add its folder to PATH"],
            },
        },
    }


def change(verb: str, target: dict[str, Any], actor: str = "alice", **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"{verb}-{target['id']}",
        "source": "urn:notifycenter:hub",
        "type": f"io.meshery.notification.{verb}",
        "time": "2026-11-29T18:05:00Z",
        "severitytext": "DEBUG",
        "category": "audit",
        "subject": f"{target['source']}#{target['id']}",
        "data": {
            "target": {"source": target["source"], "id": target["id"]},
            "actor": actor,
            **data,
        },
    }


def delivery(*events: dict[str, Any], digest: bool = False, omitted: int = 0) -> Delivery:
    """Events in log order; a lifecycle change carries the notification it changes."""
    by_ref = {f"{e['source']}#{e['id']}": e for e in events}
    items = []
    for n, event in enumerate(events, 1):
        target = None
        if event["type"].startswith("io.meshery.notification."):
            target = by_ref.get(event["subject"])
        items.append(Item(f"{n:020d}", event, target))
    return Delivery("sub-1", items, digest=digest, omitted=omitted, hub_url=HUB_URL)


def strings(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []
