"""The request path's short cuts keep every answer: who the caller is, who is throttled,
and what an event's payload is stored as."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.requests import Request

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue.event import INVALID_ERROR_PAYLOAD
from notifycenter.hub.auth import ANONYMOUS, Authenticator, Permission
from notifycenter.hub.settings import Role, Token
from notifycenter.hub.throttle import LoginThrottle
from notifycenter.model.errorpayload import normalise_error_payload
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event


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


ERROR = {
    "code": "meshery-istio-1002",
    "shortDescription": ["Could not provision"],
    "probableCause": ["istioctl missing"],
    "suggestedRemediation": ["Install istioctl"],
}
PAYLOADS = [
    {"summary": "done"},
    {"summary": "failed", "error": ERROR},
    {"summary": "failed", "error": {}},
    {"summary": "failed", "error": None},
    {"error": {"code": "x-1", "severity": "critical"}},
    {"error": {"probableCause": ["a"], "code": "x-1"}},  # out of order: rewritten
    {"error": {**ERROR, "longDescription": []}},  # an empty field is dropped
    {"error": {**ERROR, "probableCause": ["a", ""]}},  # an empty string is dropped
    {"error": {**ERROR, "probableCause": "one cause"}},  # a string becomes a list
    {"error": {**ERROR, "code": 1002}},  # a number becomes a string
    {"error": {**ERROR, "code": ""}},
    {"error": {**ERROR, "Code": "MESHKIT-1"}},  # a MeshKit spelling
    {"error": {"unknown": 1}},
    {"error": "plain text"},
    {"errorCode": "seed-1", "summary": "top-level alias"},
    {"metadata": {"error": ERROR}},
    {"metadata": {"owner": "me"}, "error": ERROR},
]


@pytest.mark.parametrize("data", PAYLOADS)
def test_a_payload_is_stored_exactly_as_the_full_rewrite_gives_it(data: dict[str, Any]) -> None:
    raw = {"specversion": "1.0", "id": "1", "source": "urn:x", "type": "t", "data": data}
    before = orjson.dumps(raw)
    stored = validate_event(raw)
    assert orjson.dumps(stored["data"]) == orjson.dumps(normalise_error_payload(data))
    assert orjson.dumps(raw) == before  # the caller's event is left as it was


def test_a_canonical_error_is_stored_as_a_copy_of_the_callers() -> None:
    data = {"summary": "failed", "error": dict(ERROR)}
    raw = {"specversion": "1.0", "id": "1", "source": "urn:x", "type": "t", "data": data}
    stored = validate_event(raw)
    data["error"]["code"] = "changed-after"
    assert stored["data"]["error"] == ERROR


@pytest.mark.parametrize(
    "error", [{**ERROR, "code": True}, {**ERROR, "probableCause": [1]}, {"code": ["x"]}]
)
def test_a_malformed_error_is_refused_with_the_same_code(error: dict[str, Any]) -> None:
    raw = {
        "specversion": "1.0",
        "id": "1",
        "source": "urn:x",
        "type": "t",
        "data": {"error": error},
    }
    with pytest.raises(NotifyError) as caught:
        validate_event(raw)
    assert caught.value.code == INVALID_ERROR_PAYLOAD.code
