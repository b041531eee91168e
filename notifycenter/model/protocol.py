"""What the hub and its clients agree on over the wire, written once.

Addresses (default port, the forms a hub URL and a bind address take), content types of
the CloudEvents HTTP binding, the WebSocket subprotocol and close code, and the roles a
token can hold. Pure: no I/O, no errors raised; callers turn a refusal into their own
catalogued error.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9181
DEFAULT_BIND = f"{DEFAULT_HOST}:{DEFAULT_PORT}"
DEFAULT_SERVER = f"http://{DEFAULT_BIND}"

# CloudEvents HTTP binding: structured and batched content modes, binary-mode headers.
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
CE_PREFIX = "ce-"

# CloudEvents WebSockets binding: one structured event per text frame.
SUBPROTOCOL = "cloudevents.json"
# Close code for a subscriber that cannot keep up; it resumes from its last cursor.
TRY_AGAIN_LATER = 1013


class Role(StrEnum):
    """What a bearer token may do: post, read, change lifecycles, or all of it."""

    PRODUCER = "producer"
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


def is_server_url(url: str) -> bool:
    """An absolute http(s) URL with a host: the only way clients reach a hub."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_bind(bind: str) -> tuple[str, int] | None:
    """`HOST:PORT` (IPv6 in brackets) to (host, port); None when it is not that."""
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit() or int(port) > 65535:
        return None
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """Only this machine can reach it: where an open hub (no tokens) may listen."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
