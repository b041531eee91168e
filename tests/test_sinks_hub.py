"""Subscriptions on a real hub deliver through the ntfy, Slack and SMTP sinks to real
receivers on loopback: filters, lifecycle changes, the rate limit's digest, the test send,
and settings refused when the subscription is created."""

from __future__ import annotations

from typing import Any

import httpx

from tests import httpclient
from tests.sinks_receivers import mail_server, web_receiver
from tests.sinks_samples import notification
from tests.waiting import async_wait_until

ERRORS = [{"sql": "severitynumber >= 17"}]


async def subscribe(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/api/subscriptions", json=body)
    assert created.status_code == 201, created.text
    answer: dict[str, Any] = created.json()
    return answer


async def post(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    answer = await client.post(
        "/api/events",
        json=list(events),
        headers={"content-type": "application/cloudevents-batch+json"},
    )
    assert answer.status_code == 202, answer.text


async def test_errors_and_their_resolve_reach_a_phone_through_ntfy(hub: Any) -> None:
    async with (
        web_receiver() as phone,
        httpclient.async_client(base_url=hub.url, timeout=10) as client,
    ):
        await subscribe(
            client,
            {
                "sink": f"{phone.url}/alice-phone",
                "protocol": "ntfy",
                "filters": ERRORS,
                "config": {"lifecycle": True},
                "protocolsettings": {"click": "https://meshery.example.com/n?ref={ref}"},
            },
        )
        await post(client, notification(), notification(severity="INFO", event_id="i-1"))
        await async_wait_until(lambda: phone.requests, what="the error on the phone")
        resolved = await client.post(
            "/api/lifecycle/resolve", json={"refs": ["urn:meshery:adapter:istio#e-1"]}
        )
        assert resolved.status_code == 200, resolved.text
        await async_wait_until(lambda: len(phone.requests) >= 2, what="the resolve")
    error, resolve = phone.json()
    assert error["topic"] == "alice-phone" and error["priority"] == 4
    assert error["title"] == "ERROR istio/adapter meshery-istio-1002"
    assert (
        error["click"] == "https://meshery.example.com/n?ref=urn%3Ameshery%3Aadapter%3Aistio%23e-1"
    )
    assert resolve["message"].startswith("resolved by anonymous: Could not provision Istio")
    assert len(phone.requests) == 2  # the INFO event was not for this subscription


async def test_a_flood_to_slack_becomes_a_digest(hub: Any) -> None:
    async with (
        web_receiver() as slack,
        httpclient.async_client(base_url=hub.url, timeout=10) as client,
    ):
        await subscribe(
            client,
            {
                "sink": f"{slack.url}/hooks/T/B/x",
                "protocol": "slack",
                "config": {"ratelimit": 5},
                "filters": ERRORS,
            },
        )
        flood = [notification(summary=f"fault {n}", event_id=f"f-{n}") for n in range(30)]
        await post(client, *flood)  # one batch: the worker finds 30 over a limit of 5
        await async_wait_until(lambda: slack.requests, what="a message in the channel")
    first = slack.json()[0]
    assert first["blocks"][0]["text"]["text"] == "30 notifications (worst: ERROR)"
    lines = first["blocks"][1]["text"]["text"].splitlines()
    assert lines[0] == "ERROR istio/adapter: fault 0"
    assert lines[-1] == f"… and {30 - (len(lines) - 1)} more"


async def test_an_error_is_mailed_and_the_test_send_works(hub: Any) -> None:
    async with (
        mail_server() as mail,
        httpclient.async_client(base_url=hub.url, timeout=10) as client,
    ):
        created = await subscribe(
            client,
            {
                "sink": mail.url,
                "protocol": "smtp",
                "filters": ERRORS,
                "protocolsettings": {"from": "hub@example.com", "to": ["ops@example.com"]},
            },
        )
        await post(client, notification())
        await async_wait_until(lambda: mail.handler.mails, what="the mail")
        tested = await client.post(f"/api/subscriptions/{created['id']}/test")
        assert tested.status_code == 200, tested.text
        await async_wait_until(lambda: len(mail.handler.mails) >= 2, what="the test mail")
    error, test = (m.message for m in mail.handler.mails)
    assert error["Subject"] == (
        "[notifycenter] ERROR istio/adapter meshery-istio-1002: Could not provision Istio"
    )
    assert test["Subject"].endswith("Test notification from notifycenter")


async def test_wrong_settings_are_refused_at_create_and_nothing_is_stored(hub: Any) -> None:
    async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
        refused = await client.post(
            "/api/subscriptions",
            json={
                "sink": "https://ntfy.example/alerts",
                "protocol": "ntfy",
                "protocolsettings": {"priority": "5"},
            },
        )
        listed = await client.get("/api/subscriptions")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "notifycenter-2003"
    assert "does not take protocolsettings priority" in " ".join(body["longDescription"])
    assert listed.json() == {"subscriptions": []}
