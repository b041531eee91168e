"""Bearer tokens and roles: who may do what, and who did it (the lifecycle's actor)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from notifycenter.catalogue import hub as codes
from notifycenter.hub.settings import Role, Token

ANONYMOUS = "anonymous"


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
    def __init__(self, tokens: Mapping[str, Token]) -> None:
        self._tokens = dict(tokens)

    def require(self, authorization: str | None, permission: Permission) -> Principal:
        """The caller, or 401 (no or unknown token) / 403 (role too weak)."""
        if not self._tokens:
            return Principal(ANONYMOUS, None, ANONYMOUS)
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise codes.UNAUTHENTICATED.error("the request has no Authorization: Bearer header")
        token = self._lookup(secret.strip())
        if token is None:
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
            if hmac.compare_digest(known.encode(), secret.encode()):
                found = token
        return found
