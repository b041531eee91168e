"""Bearer tokens and roles: who may do what, and who did it (the lifecycle's actor).

A token arrives as `Authorization: Bearer <token>`. Browsers cannot set that header on a
WebSocket, so the stream also takes it as a `Sec-WebSocket-Protocol` entry
(`bearer.<token>`, or `base64url.bearer.<token in base64url>` for tokens with other
characters, offered next to `cloudevents.json`, as Kubernetes does) or as an
`access_token` query parameter (RFC 6750 §2.3). Wrong tokens are throttled per client
address (`throttle.LoginThrottle`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from notifycenter.catalogue import hub as codes
from notifycenter.hub.settings import Role, Token
from notifycenter.hub.throttle import LoginThrottle
from notifycenter.model.errors import NotifyError

if TYPE_CHECKING:
    from notifycenter.hub.hubstate import Hub

ANONYMOUS = "anonymous"
SUBPROTOCOL_BEARER = "bearer."
SUBPROTOCOL_BEARER64 = "base64url.bearer."
QUERY_TOKEN = "access_token"


class Permission(Enum):
    INGEST = "post events"
    READ = "read events"
    LIFECYCLE = "change lifecycles"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PRODUCER: frozenset({Permission.INGEST}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.LIFECYCLE}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    user: str
    token: Token | None  # None on an open hub
    key: str  # what rate limits count against


class Authenticator:
    def __init__(self, tokens: Mapping[str, Token], throttle: LoginThrottle | None = None) -> None:
        self._tokens = dict(tokens)
        self.throttle = throttle or LoginThrottle()

    def authorize(self, connection: HTTPConnection, permission: Permission) -> Principal:
        """The caller of a request or WebSocket handshake, from whichever carrier it used."""
        if not self._tokens:  # an open hub: no address to parse, nothing to throttle
            return Principal(ANONYMOUS, None, ANONYMOUS)
        client = throttle_key(connection.client.host) if connection.client else None
        return self.require(presented_token(connection), permission, client, bearer=True)

    def require(
        self,
        authorization: str | None,
        permission: Permission,
        client: str | None = None,
        *,
        bearer: bool = False,
    ) -> Principal:
        """The caller, or 401 (no or unknown token) / 403 (role too weak) / 429 (throttled).

        `authorization` is the header's value, or the bare token when `bearer` is set.
        """
        if not self._tokens:
            return Principal(ANONYMOUS, None, ANONYMOUS)
        secret = authorization if bearer else _from_header(authorization)
        if not secret:
            raise codes.UNAUTHENTICATED.error("the request has no Authorization: Bearer header")
        wait = self.throttle.wait(client) if client else None
        if wait is not None:
            raise codes.TOO_MANY_FAILED_LOGINS.error(
                f"{client} sent too many unknown tokens; retry in {wait}s", retry_after=wait
            )
        token = self._lookup(secret)
        if token is None:
            if client:
                self.throttle.failed(client)
            raise codes.UNAUTHENTICATED.error("the token is not known to this hub")
        if permission not in GRANTS[token.role]:
            raise codes.FORBIDDEN.error(
                f"user {token.user!r} has role {token.role.value}, which may not {permission.value}"
            )
        return Principal(token.user, token, token.user)

    def _lookup(self, secret: str) -> Token | None:
        # Constant-time comparison so that response timing does not leak a token's prefix.
        found = None
        for known, token in self._tokens.items():
            if hmac.compare_digest(known.encode(), secret.encode("utf-8", "surrogatepass")):
                found = token
        return found


def authorize(hub: Hub, connection: HTTPConnection, permission: Permission) -> Principal:
    """`hub.auth.authorize`, counting refusals (401, 429) in `hub.metrics.auth_refused`."""
    try:
        return hub.auth.authorize(connection, permission)
    except NotifyError as error:
        if error.http_status in (401, 429):
            hub.metrics.auth_refused.labels(error.code).inc()
        raise


@functools.lru_cache(maxsize=4096)
def throttle_key(host: str) -> str:
    """What failed logins count against: the address, or for IPv6 its /64 (one host's share).

    Cached: parsing an address costs ~10 µs a request, and a hub's clients are few."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def presented_token(connection: HTTPConnection) -> str | None:
    """The bearer token: the header, else (WebSocket only) a subprotocol or `access_token`."""
    header = _from_header(connection.headers.get("authorization"))
    if header or connection.scope["type"] != "websocket":
        return header
    for offered in connection.scope.get("subprotocols") or []:
        token = _from_subprotocol(offered)
        if token:
            return token
    return connection.query_params.get(QUERY_TOKEN) or None


def _from_header(authorization: str | None) -> str | None:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def _from_subprotocol(offered: str) -> str | None:
    if offered.startswith(SUBPROTOCOL_BEARER):
        return offered[len(SUBPROTOCOL_BEARER) :] or None
    if offered.startswith(SUBPROTOCOL_BEARER64):
        encoded = offered[len(SUBPROTOCOL_BEARER64) :]
        try:
            decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return decoded.decode() or None
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
    return None
