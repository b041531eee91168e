"""Where a subscription may make the hub connect: the sink-host policy (SSRF).

A subscription makes the hub open connections on its owner's behalf. For an owner who is
not an admin, the hub refuses addresses on its own side of the network (loopback,
link-local with the cloud metadata service, private RFC 1918 and ULA ranges, and the
other non-public ones) unless `[hub] sink-hosts` allows the host. The check runs when a
subscription is created or changed (the URL's host and what it resolves to then) and on
every connection (the address actually connected to, after resolution), so a name that
later resolves to a private address (DNS rebinding) is refused as well.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from notifycenter.catalogue import subscriptions as codes
from notifycenter.routing.hostrules import Address, HostRule, address_of, refusal_rule, unwrap
from notifycenter.routing.sink import SinkError
from notifycenter.tls import system_tls

HOW_TO_ALLOW = (
    "an admin may allow it with [hub] sink-hosts = [{host!r}] or `notifycenter serve "
    "--sink-host {host}` (HOST or HOST:PORT, * and ? match), or own the subscription"
)
RESOLVE_SECONDS = 3.0  # at create time: a name that does not resolve is checked when used


@dataclass(frozen=True)
class Egress:
    """The policy of one subscription: `restricted` unless its owner is an admin."""

    restricted: bool = False
    rules: tuple[HostRule, ...] = field(default=())

    def allowed(self, host: str, port: int | None) -> bool:
        return any(rule.matches(host, port) for rule in self.rules)

    def refusal(self, host: str, port: int | None, address: Address) -> str | None:
        """Why connecting to `address` (for `host`) is refused; None when it is not."""
        if not self.restricted or self.allowed(host, port):
            return None
        if self.allowed(str(address), port) or self.allowed(str(unwrap(address)), port):
            return None
        rule = refusal_rule(address)
        if rule is None:
            return None
        shown = host if address_of(host) is not None else f"{host} ({address})"
        advice = HOW_TO_ALLOW.format(host=host if port is None else f"{host}:{port}")
        return f"{shown} is {rule}, which the sink of a non-admin's subscription may not reach; {advice}"

    async def resolve(self, host: str, port: int) -> list[Address]:
        """Every address `host` stands for, in the resolver's order."""
        literal = address_of(host)
        if literal is not None:
            return [literal]
        loop = asyncio.get_running_loop()
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        seen: list[Address] = []
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in seen:
                seen.append(address)
        return seen

    async def vet(self, host: str, port: int) -> list[Address]:
        """The addresses to connect to; `SinkError` (permanent) when any is refused."""
        addresses = await self.resolve(host, port)
        for address in addresses:
            reason = self.refusal(host, port, address)
            if reason is not None:
                raise refused(reason)
        return addresses

    async def check_now(self, host: str, port: int) -> None:
        """At create/update: a catalogued 403 when the host is refused now. A name that
        does not resolve yet is let through: each connection is checked anyway."""
        if not self.restricted or self.allowed(host, port):
            return
        literal = address_of(host)
        try:
            if literal is not None:
                addresses = [literal]
            else:
                async with asyncio.timeout(RESOLVE_SECONDS):
                    addresses = await self.resolve(host, port)
        except (OSError, TimeoutError, UnicodeError):
            return
        for address in addresses:
            reason = self.refusal(host, port, address)
            if reason is not None:
                raise codes.SINK_HOST_REFUSED.error(reason)

    def transport(self, socket_options: Sequence[Any] | None = None) -> httpx.AsyncHTTPTransport:
        """An httpx transport whose every connection goes through `vet`."""
        transport = httpx.AsyncHTTPTransport(socket_options=socket_options, verify=system_tls())
        pool = transport._pool  # httpx keeps its httpcore pool here
        pool._network_backend = GuardedBackend(self, pool._network_backend)
        return transport

    async def open_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        """A connected socket to a vetted address of `host` (for clients that take one)."""
        error: OSError | None = None
        async with asyncio.timeout(timeout):
            addresses = await self.vet(host, port)
            loop = asyncio.get_running_loop()
            for address in addresses:
                family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setblocking(False)
                try:
                    await loop.sock_connect(sock, (str(address), port))
                    return sock
                except OSError as exc:
                    sock.close()
                    error = exc
                except BaseException:
                    sock.close()
                    raise
        raise error or OSError(f"{host} has no address")


def refused(reason: str) -> SinkError:
    return SinkError(reason, permanent=True, spec=codes.SINK_HOST_REFUSED)


OPEN = Egress()


def sink_host_port(sink: str) -> tuple[str, int] | None:
    """The host and port a subscription's sink connects to (None when it has none)."""
    try:
        parts = urlsplit(sink)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    defaults = {"http": 80, "https": 443, "smtp": 25, "smtps": 465}
    default = defaults.get(parts.scheme)
    if port is None and default is None:
        return None
    return parts.hostname, port or default or 0


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows."""

    def __init__(self, egress: Egress, inner: httpcore.AsyncNetworkBackend) -> None:
        self.egress, self.inner = egress, inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.egress.vet(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from None
        options = list(socket_options or ())
        last: Exception | None = None
        for address in addresses:  # the vetted address, not a second lookup of the name
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, options
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"{host} has no address")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("a sink connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
