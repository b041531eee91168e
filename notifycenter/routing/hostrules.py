"""Hosts and addresses in the sink-host policy: `sink-hosts` entries and address rules.

Pure parsing and classification (no connections), so that the hub's settings can read
`--sink-host` without loading an HTTP client; `routing.egress` applies them.
"""

from __future__ import annotations

import contextlib
import fnmatch
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Instance metadata services: AWS, GCP and Azure (169.254.169.254), ECS task metadata,
# AWS's IPv6 one, Alibaba Cloud's.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class HostRule:
    """One `sink-hosts` entry: a glob on the host (name or address), optionally a port."""

    host: str
    port: int | None = None

    def matches(self, host: str, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        return fnmatch.fnmatchcase(host.lower().rstrip("."), self.host)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def parse_rule(text: str) -> HostRule:
    """`HOST`, `HOST:PORT`, `[IPv6]`, `[IPv6]:PORT` or a bare IPv6 address; `ValueError`."""
    value = text.strip().lower()
    if any(c.isspace() or c in "/@#" for c in value):
        raise ValueError(f"sink host {text!r} must be HOST or HOST:PORT, without a scheme or path")
    port: str | None = None
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"sink host {text!r} is not [IPv6] or [IPv6]:PORT")
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:
        host = value
    if not host:
        raise ValueError(f"sink host {text!r} is not HOST or HOST:PORT")
    if port in (None, "*"):
        return HostRule(host)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"sink host {text!r} has a port that is not a number from 1 to 65535")
    return HostRule(host, int(port))


def parse_rules(values: Iterable[str]) -> tuple[HostRule, ...]:
    return tuple(parse_rule(v) for v in values)


def address_of(host: str) -> Address | None:
    """The address a host names literally, in any form the resolver reads as one
    (`127.1`, `2130706433`, `0x7f.0.0.1`, `[::ffff:127.0.0.1]`); None for a name."""
    text = host.strip("[]")
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(text.split("%", 1)[0])
    if text and all(c in "0123456789abcdefx." for c in text.lower()):
        with contextlib.suppress(OSError, UnicodeError):
            return ipaddress.IPv4Address(socket.inet_aton(text))
    return None


def unwrap(address: Address) -> Address:
    """An IPv4 address carried in IPv6 (mapped, NAT64) is judged as that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal_rule(address: Address) -> str | None:
    """Which rule refuses the address for a non-admin's sink; None for a public address."""
    address = unwrap(address)
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address (this host)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address (RFC 1918 or ULA)"
    if address.is_multicast or not address.is_global:
        return "a non-public address"
    return None
