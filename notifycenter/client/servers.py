"""Which of a hub's servers to use: the one place every client (HubClient, the stream, the
Emitter, the TUI) chooses between the servers of a context.

The servers are in preference order. A server that fails (no connection, reset, timeout,
502/503/504, or a /healthz of 503 at connect) gets a short circuit breaker: it is not
asked again until its cool-down ends (5 s, doubling on each further failure up to 60 s),
as long as another server is available. A 4xx answer is never a reason to move: every
server of one hub gives the same one.

Going back: requests always try the servers in preference order, skipping only those
whose breaker is open, so the first request after the preferred server's cool-down probes
it again, and a success there makes it current once more. A long-lived stream on a less
preferred server looks every `RETURN_AFTER` seconds whether a better one answers its
/healthz, and moves back there from its cursor (`better_than`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from notifycenter.catalogue.failover import ALL_SERVERS_FAILED
from notifycenter.config import distinct_servers, server_key
from notifycenter.model.errors import NotifyError

FAILOVER_STATUSES = frozenset({502, 503, 504})
COOLDOWN = 5.0
MAX_COOLDOWN = 60.0
RETURN_AFTER = 30.0  # a stream on a fallback server looks for a better one this often

Servers = str | Sequence[str]


@dataclass
class _Breaker:
    """One server's recent record: failures in a row and until when it is left alone."""

    failures: int = 0
    open_until: float = 0.0
    last_error: str | None = None


class ServerPool:
    """The servers of one hub in preference order, each with its circuit breaker.

    `order()` is the order to try them in now; report each outcome with `succeeded` or
    `failed`. `current` is the server that answered last (the preferred one at first).
    Safe to share between the clients of one process that run on one event loop or
    thread; the Emitter keeps its own.
    """

    def __init__(
        self,
        servers: Servers,
        *,
        cooldown: float = COOLDOWN,
        max_cooldown: float = MAX_COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.servers = server_list(servers)
        self.cooldown, self.max_cooldown, self._clock = cooldown, max_cooldown, clock
        self._breakers = {server: _Breaker() for server in self.servers}
        self.current = self.servers[0]
        self.switches = 0  # times `current` moved to another server

    @property
    def preferred(self) -> str:
        return self.servers[0]

    @property
    def several(self) -> bool:
        return len(self.servers) > 1

    def available(self, server: str) -> bool:
        """False while the server's breaker is open."""
        return self._breakers[server].open_until <= self._clock()

    def order(self) -> list[str]:
        """Available servers by preference, then those cooling down (soonest back first),
        so that a request still tries every server when all of them failed lately."""
        ready = [s for s in self.servers if self.available(s)]
        waiting = sorted(
            (s for s in self.servers if not self.available(s)),
            key=lambda s: self._breakers[s].open_until,
        )
        return ready + waiting

    def succeeded(self, server: str) -> bool:
        """`server` answered: close its breaker and make it current; True when that moved."""
        breaker = self._breakers[server]
        breaker.failures, breaker.open_until, breaker.last_error = 0, 0.0, None
        moved = server != self.current
        if moved:
            self.current = server
            self.switches += 1
        return moved

    def failed(self, server: str, reason: str) -> None:
        """`server` failed: leave it alone for a cool-down that doubles with each failure."""
        breaker = self._breakers[server]
        breaker.failures += 1
        breaker.last_error = reason
        pause = min(self.max_cooldown, self.cooldown * 2 ** (breaker.failures - 1))
        breaker.open_until = self._clock() + pause

    def better_than(self, server: str) -> list[str]:
        """Available servers preferred to `server`: where a stream may go back to."""
        index = self.servers.index(server) if server in self.servers else len(self.servers)
        return [s for s in self.servers[:index] if self.available(s)]

    def last_error(self, server: str) -> str | None:
        return self._breakers[server].last_error


def server_list(servers: Servers) -> tuple[str, ...]:
    """One URL or several, without trailing slashes; a repeated server is an error."""
    items = [servers] if isinstance(servers, str) else list(servers)
    if not items:
        raise ValueError("a hub needs at least one server")
    return distinct_servers(items)


def is_failover_status(status: int) -> bool:
    """An answer of a gateway or an unavailable server: another server may do better."""
    return status in FAILOVER_STATUSES


def all_failed(failures: Iterable[tuple[str, str]]) -> NotifyError:
    """The catalogued error naming each server tried and how it failed."""
    tried = list(failures)
    error = ALL_SERVERS_FAILED.error(f"all {len(tried)} servers failed")
    error.long_description = [f"all {len(tried)} servers failed:"] + [
        f"{server}: {reason}" for server, reason in tried
    ]
    return error


def short_name(server: str) -> str:
    """`b.example:8443`: how a header names a server (host and port, no scheme or path)."""
    parts = urlsplit(server)
    return parts.netloc.rsplit("@", 1)[-1] or server


def pool_key(servers: Sequence[str]) -> str:
    """A stable name for a set of servers, in any order (a spool belongs to one hub)."""
    joined = "\n".join(sorted(server_key(s) for s in servers))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


__all__ = [
    "FAILOVER_STATUSES",
    "ServerPool",
    "Servers",
    "all_failed",
    "is_failover_status",
    "pool_key",
    "server_list",
    "short_name",
]
