"""The ntfy sink against a real HTTP receiver: ntfy's publish-as-JSON shape, priorities,
credentials, digests, lifecycle changes and hostile text."""

from __future__ import annotations

import base64
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from notifycenter.routing.sink import Delivery
from notifycenter.routing.sinks import ntfy
from tests.sinks_receivers import web_receiver
from tests.sinks_samples import HOSTILE, UNSAFE, change, delivery, notification, strings

# ntfy's documented JSON publish body (docs.ntfy.sh, "Publish as JSON"): `topic` is the
# only required field; priority is 1-5; at most three actions.
NTFY_PUBLISH = {
    "type": "object",
    "required": ["topic"],
    "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "pattern": "^[-_A-Za-z0-9]{1,64}$"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "priority": {"enum": [1, 2, 3, 4, 5]},
        "actions": {"type": "array", "maxItems": 3},
        "click": {"type": "string", "pattern": "^https?://"},
        "attach": {"type": "string"},
        "markdown": {"type": "boolean"},
        "icon": {"type": "string"},
        "filename": {"type": "string"},
        "delay": {"type": "string"},
        "email": {"type": "string"},
        "call": {"type": "string"},
    },
}


def published(body: Any) -> dict[str, Any]:
    jsonschema.validate(body, NTFY_PUBLISH)
    assert isinstance(body, dict)
    return body


async def test_a_notification_is_published_as_json_to_the_server_root() -> None:
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/ops-alerts", {}, None)
        try:
            await sink.deliver(delivery(notification()))
        finally:
            await sink.aclose()
    [request] = receiver.requests
    assert request.path == "/"  # JSON goes to the root, never the topic's URL
    body = published(request.body)
    assert body["topic"] == "ops-alerts"
    assert body["title"] == "ERROR istio/adapter meshery-istio-1002"
    assert body["priority"] == 4
    assert body["tags"][:2] == ["x", "error"]
    assert body["message"].splitlines()[0] == "Could not provision Istio"
    assert "Probable cause:\n- istioctl is not installed or not on PATH" in body["message"]
    assert "Remediation:\n1. Install istioctl\n2. Add its folder to PATH" in body["message"]
    assert body["click"] == "http://127.0.0.1:9181/api/events/urn%3Ameshery%3Aadapter%3Aistio%23e-1"


@pytest.mark.parametrize(
    ("severity", "priority", "emoji"),
    [
        ("EMERGENCY", 5, "sos"),
        ("ALERT", 5, "rotating_light"),
        ("CRITICAL", 4, "rotating_light"),
        ("ERROR", 4, "x"),
        ("WARNING", 3, "warning"),
        ("NOTICE", 2, "bell"),
        ("INFO", 2, "information_source"),
        ("DEBUG", 1, "mag"),
    ],
)
async def test_priority_and_emoji_follow_severity(severity: str, priority: int, emoji: str) -> None:
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(notification(severity=severity)))
        await sink.aclose()
    body = published(receiver.json()[0])
    assert (body["priority"], body["tags"][0]) == (priority, emoji)


async def test_topic_and_click_from_settings_and_a_bearer_token() -> None:
    async with web_receiver() as receiver:
        settings = {
            "topic": "phone",
            "click": "https://meshery.example/notifications?ref={ref}",
            "tags": "prod,eu",
        }
        credential = {"credential_type": "ACCESSTOKEN", "access_token": "tk_secret"}
        sink = ntfy.create(f"{receiver.url}/", settings, credential)
        await sink.deliver(delivery(notification()))
        await sink.aclose()
    [request] = receiver.requests
    body = published(request.body)
    assert request.path == "/" and body["topic"] == "phone"
    assert request.headers["authorization"] == "Bearer tk_secret"
    assert body["click"] == (
        "https://meshery.example/notifications?ref=urn%3Ameshery%3Aadapter%3Aistio%23e-1"
    )
    assert body["tags"][-2:] == ["prod", "eu"]


async def test_a_plain_credential_is_basic_auth() -> None:
    async with web_receiver() as receiver:
        credential = {"credential_type": "PLAIN", "identity": "phil", "secret": "s3cret"}
        sink = ntfy.create(f"{receiver.url}/t", {}, credential)
        await sink.deliver(delivery(notification()))
        await sink.aclose()
    expected = "Basic " + base64.b64encode(b"phil:s3cret").decode()
    assert receiver.requests[0].headers["authorization"] == expected


async def test_each_notification_is_one_push_and_a_resolve_says_who() -> None:
    first = notification()
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(first, change("resolve", first, comment="PATH fixed")))
        await sink.aclose()
    pushed, resolved = (published(body) for body in receiver.json())
    assert pushed["priority"] == 4
    assert resolved["title"] == "Resolved: ERROR istio/adapter meshery-istio-1002"
    assert resolved["message"].splitlines() == [
        "resolved by alice: Could not provision Istio",
        "Comment: PATH fixed",
    ]
    assert resolved["priority"] == 2 and resolved["tags"][0] == "white_check_mark"


async def test_a_take_and_an_assignment_read_as_such() -> None:
    first = notification()
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        taken = change("take", first, actor="bob", until="resolved")
        assigned = change("assign", first, actor="alice", to="carol")
        await sink.deliver(delivery(first, taken, assigned))
        await sink.aclose()
    bodies = [published(body) for body in receiver.json()[1:]]
    assert [body["message"] for body in bodies] == [
        "taken by bob until resolved: Could not provision Istio",
        "assigned to carol by alice: Could not provision Istio",
    ]
    assert [body["tags"][0] for body in bodies] == ["bust_in_silhouette"] * 2
    assert bodies[0]["title"] == "Taken: ERROR istio/adapter meshery-istio-1002"


async def test_a_digest_is_one_message_saying_how_many_more() -> None:
    events = [notification(summary=f"fault {n}", event_id=f"e-{n}") for n in range(3)]
    events[1]["severitytext"] = "CRITICAL"
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(*events, digest=True, omitted=47))
        await sink.aclose()
    [body] = [published(body) for body in receiver.json()]
    assert body["title"] == "50 notifications (worst: CRITICAL)"
    assert body["message"].splitlines() == [
        "ERROR istio/adapter: fault 0",
        "CRITICAL istio/adapter: fault 1",
        "ERROR istio/adapter: fault 2",
        "… and 47 more",
    ]
    assert body["priority"] == 4 and "digest" in body["tags"]


async def test_hostile_text_arrives_inert() -> None:
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(notification(summary=HOSTILE, details=HOSTILE)))
        await sink.aclose()
    [request] = receiver.requests
    body = published(request.body)
    assert not [s for s in strings(body) if UNSAFE.search(s)]
    assert body["message"].startswith("[/x] <!channel>")  # plain text: shown as written
    assert "\r" not in body["title"] and "\n" not in body["title"]
    assert not any("evil" in value for value in request.headers.values())


async def test_a_long_message_stays_under_ntfys_size_limit() -> None:
    # Ten summaries of 300 two-byte characters: 6,000 bytes of digest.
    events = [notification(summary="é" * 300, event_id=f"e-{n}") for n in range(10)]
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(*events, digest=True))
        await sink.aclose()
    body = published(receiver.json()[0])
    assert len(body["message"].encode()) <= 4096 and body["message"].endswith("…")


@pytest.mark.parametrize(
    ("sink", "settings", "credential", "says"),
    [
        ("ftp://ntfy.example/t", {}, None, "http:// or https://"),
        ("https://ntfy.example/", {}, None, "names its topic"),
        ("https://ntfy.example/", {"topic": "a b"}, None, "names its topic"),
        (
            "https://ntfy.example/t",
            {"priority": 5},
            None,
            "does not take protocolsettings priority",
        ),
        ("https://ntfy.example/t", {"tags": 3}, None, "tags must be a list"),
        ("https://ntfy.example/t", {}, {"credential_type": "PLAIN"}, "identity and a secret"),
        ("https://ntfy.example/t", {}, {"credential_type": "KEY"}, "ACCESSTOKEN or PLAIN"),
    ],
)
def test_wrong_settings_are_refused_with_a_reason(
    sink: str, settings: dict[str, Any], credential: dict[str, Any] | None, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        ntfy.create(sink, settings, credential)


async def test_a_digest_showing_no_event_has_the_default_priority() -> None:
    # A rate limit of 1 a minute leaves no room for an event beside the digest's count.
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(delivery(digest=True, omitted=9))
        await sink.aclose()
    body = published(receiver.json()[0])
    assert (body["title"], body["message"]) == ("9 notifications", "… and 9 more")
    assert body["priority"] == 3 and body["tags"][0] == "information_source"


@pytest.mark.parametrize(
    "hub_url", ["http://0.0.0.0:9181", "http://[::]:9181", "http://127.0.0.1:0", None]
)
async def test_no_link_rather_than_one_a_phone_cannot_open(hub_url: str | None) -> None:
    batch = delivery(notification())
    batch = Delivery(batch.subscription_id, batch.items, hub_url=hub_url)
    async with web_receiver() as receiver:
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        await sink.deliver(batch)
        await sink.aclose()
    assert "click" not in published(receiver.json()[0])
