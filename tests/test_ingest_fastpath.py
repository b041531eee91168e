"""The request path's short cuts keep every answer: who the caller is, and who is throttled."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from notifycenter.catalogue import hub as codes
from notifycenter.hub.auth import ANONYMOUS, Authenticator, Permission
from notifycenter.hub.settings import Role, Token
from notifycenter.hub.throttle import LoginThrottle
from notifycenter.model.errors import NotifyError


def request_from(host: str, secret: str | None = None) -> Request:
    headers = [(b"authorization", f"Bearer {secret}".encode())] if secret else []
    return Request({"type": "http", "headers": headers, "client": (host, 40000)})


def refusal(auth: Authenticator, host: str, secret: str) -> str:
    with pytest.raises(NotifyError) as caught:
        auth.authorize(request_from(host, secret), Permission.INGEST)
    return caught.value.code


def test_an_open_hub_names_every_caller_anonymous_whatever_its_address() -> None:
    auth = Authenticator({})
    for host in ("127.0.0.1", "::1", "testclient", ""):
        principal = auth.authorize(request_from(host), Permission.INGEST)
        assert (principal.user, principal.token, principal.key) == (ANONYMOUS, None, ANONYMOUS)


def test_guesses_from_one_ipv6_64_are_throttled_together_on_every_request() -> None:
    auth = Authenticator(
        {"producer-secret": Token("adapter", Role.PRODUCER)}, LoginThrottle(free=2)
    )
    # Two addresses of one /64 guess; a third then finds the whole /64 refused, and the
    # answer stays the same when an address is seen again (its key is remembered).
    for attempt in range(2):
        host = f"2001:db8:1:2::{attempt + 1}"
        assert refusal(auth, host, "wrong") == codes.UNAUTHENTICATED.code
    for host in ("2001:db8:1:2::99", "2001:db8:1:2::1", "2001:db8:1:2::99"):
        assert refusal(auth, host, "producer-secret") == codes.TOO_MANY_FAILED_LOGINS.code
    assert refusal(auth, "2001:db8:1:3::1", "wrong") == codes.UNAUTHENTICATED.code
    principal = auth.authorize(request_from("192.0.2.7", "producer-secret"), Permission.INGEST)
    assert principal.user == "adapter"
