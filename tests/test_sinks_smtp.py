"""The SMTP sink against a real aiosmtpd server: a mail per notification or a digest,
threading headers, login, and header injection attempts."""

from __future__ import annotations

from typing import Any

import pytest

from notifycenter.routing.sink import SinkError
from notifycenter.routing.sinks import smtp
from tests.sinks_receivers import Mail, closed_port, mail_server
from tests.sinks_samples import HOSTILE, UNSAFE, change, delivery, notification

SETTINGS = {"from": "notifycenter <notify@example.com>", "to": "ops@example.com,oncall@example.com"}


async def send(settings: dict[str, Any], *events: dict[str, Any], **how: Any) -> list[Mail]:
    async with mail_server() as server:
        sink = smtp.create(server.url, settings, None)
        await sink.deliver(delivery(*events, **how))
        await sink.aclose()
    return server.handler.mails


def bodies(mail: Mail) -> tuple[str, str]:
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert plain is not None and html is not None
    # Lines arrive as the wire has them (CRLF); compare them as text.
    return (
        str(plain.get_content()).replace("\r\n", "\n"),
        str(html.get_content()).replace("\r\n", "\n"),
    )


async def test_one_mail_per_notification_with_text_and_html() -> None:
    [mail] = await send(SETTINGS, notification())
    assert mail.sender == "notify@example.com"
    assert mail.recipients == ["ops@example.com", "oncall@example.com"]
    message = mail.message
    assert message["Subject"] == (
        "[notifycenter] ERROR istio/adapter meshery-istio-1002: Could not provision Istio"
    )
    assert message["To"] == "ops@example.com, oncall@example.com"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Notifycenter-Severity"] == "ERROR"
    plain, html = bodies(mail)
    assert plain.startswith("Could not provision Istio\n\nistioctl exited 1: file not found")
    assert "Remediation:\n1. Install istioctl\n2. Add its folder to PATH" in plain
    assert "<ol><li>Install istioctl</li><li>Add its folder to PATH</li></ol>" in html
    link = "http://127.0.0.1:9181/api/events/urn%3Ameshery%3Aadapter%3Aistio%23e-1"
    assert link in plain and f'href="{link}"' in html


async def test_a_resolve_answers_the_notifications_mail() -> None:
    first, second = notification(), notification(summary="Mesh down", event_id="e-2")
    mails = await send(
        SETTINGS, first, second, change("resolve", first, actor="alice", comment="PATH fixed")
    )
    original, other, resolved = (mail.message for mail in mails)
    assert len({original["Message-ID"], other["Message-ID"], resolved["Message-ID"]}) == 3
    assert resolved["In-Reply-To"] == original["Message-ID"]
    assert resolved["References"] == original["Message-ID"]
    assert resolved["Subject"] == "Re: " + original["Subject"]
    assert original["In-Reply-To"] is None
    plain, _ = bodies(mails[2])
    assert plain.splitlines()[:2] == [
        "resolved by alice: Could not provision Istio",
        "Comment: PATH fixed",
    ]


async def test_a_retried_delivery_sends_the_same_message_id() -> None:
    first = await send(SETTINGS, notification())
    again = await send(SETTINGS, notification())
    assert first[0].message["Message-ID"] == again[0].message["Message-ID"]
    assert first[0].message["Message-ID"].endswith("@example.com>")


async def test_digest_mode_sends_one_mail_per_delivery() -> None:
    events = [notification(summary=f"fault {n}", event_id=f"e-{n}") for n in range(3)]
    [mail] = await send({**SETTINGS, "mode": "digest"}, *events)
    assert mail.message["Subject"] == "[notifycenter] 3 notifications (worst: ERROR)"
    plain, html = bodies(mail)
    assert plain.splitlines() == [f"ERROR istio/adapter: fault {n}" for n in range(3)]
    assert html.count("<li>") == 3


async def test_a_rate_limited_flood_is_one_digest_even_in_each_mode() -> None:
    events = [notification(summary=f"fault {n}", event_id=f"e-{n}") for n in range(2)]
    [mail] = await send(SETTINGS, *events, digest=True, omitted=120)
    assert mail.message["Subject"] == "[notifycenter] 122 notifications (worst: ERROR)"
    plain, _ = bodies(mail)
    assert plain.splitlines()[-1] == "… and 120 more"


async def test_header_injection_is_impossible() -> None:
    [mail] = await send(SETTINGS, notification(summary=HOSTILE, details=HOSTILE))
    message = mail.message
    assert message["Bcc"] is None
    assert mail.recipients == ["ops@example.com", "oncall@example.com"]
    assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
    assert "Bcc: victim@evil.example" in message["Subject"]  # kept as words, on one line
    assert b"\x1b" not in mail.raw and "\u202e".encode() not in mail.raw
    plain, html = bodies(mail)
    assert not UNSAFE.search(plain) and not UNSAFE.search(html)
    assert "&lt;!channel&gt;" in html and "<!channel>" not in html


async def test_login_with_a_plain_credential() -> None:
    async with mail_server(login=("mailer", "s3cret")) as server:
        credential = {"credential_type": "PLAIN", "identity": "mailer", "secret": "s3cret"}
        sink = smtp.create(server.url, {**SETTINGS, "starttls": "false"}, credential)
        await sink.deliver(delivery(notification()))
        wrong = {**credential, "secret": "wrong"}
        refused = smtp.create(server.url, {**SETTINGS, "starttls": "false"}, wrong)
        with pytest.raises(SinkError) as failed:
            await refused.deliver(delivery(notification()))
    assert server.logins == ["mailer"] and len(server.handler.mails) == 1
    assert failed.value.permanent and failed.value.status == 535


@pytest.mark.parametrize(
    ("reply", "permanent"), [("451 4.3.0 try again later", False), ("550 5.1.1 no such user", True)]
)
async def test_a_refused_recipient_is_transient_or_permanent_by_its_code(
    reply: str, permanent: bool
) -> None:
    async with mail_server() as server:
        server.handler.refuse_rcpt = reply
        sink = smtp.create(server.url, SETTINGS, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification()))
    assert failed.value.permanent is permanent
    assert failed.value.status == int(reply[:3])
    assert reply[4:] in str(failed.value)
    assert server.handler.mails == []


async def test_an_unreachable_server_is_a_transient_failure() -> None:
    sink = smtp.create(f"smtp://127.0.0.1:{closed_port()}", SETTINGS, None)
    with pytest.raises(SinkError) as failed:
        await sink.deliver(delivery(notification()))
    assert not failed.value.permanent and "could not be reached" in str(failed.value)


async def test_starttls_required_but_not_offered_is_permanent() -> None:
    async with mail_server() as server:
        sink = smtp.create(server.url, {**SETTINGS, "starttls": True}, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification()))
    assert failed.value.permanent and server.handler.mails == []


@pytest.mark.parametrize(
    ("sink", "settings", "credential", "says"),
    [
        ("mail.example:25", SETTINGS, None, "smtp://host"),
        ("smtp://mail.example:x", SETTINGS, None, "port that is not a number"),
        ("smtp://mail.example", {"to": "a@example.com"}, None, "needs protocolsettings from"),
        ("smtp://mail.example", {"from": "a@example.com"}, None, "needs protocolsettings to"),
        (
            "smtp://mail.example",
            {**SETTINGS, "from": "a@example.com\r\nBcc: x@evil"},
            None,
            "control characters",
        ),
        ("smtp://mail.example", {**SETTINGS, "to": "not an address"}, None, "to"),
        ("smtp://mail.example", {**SETTINGS, "mode": "hourly"}, None, "each, digest"),
        ("smtps://mail.example", {**SETTINGS, "starttls": True}, None, "starttls does not apply"),
        (
            "smtp://mail.example",
            SETTINGS,
            {"credential_type": "ACCESSTOKEN", "access_token": "t"},
            "PLAIN sinkcredential",
        ),
    ],
)
def test_wrong_settings_are_refused_with_a_reason(
    sink: str, settings: dict[str, Any], credential: dict[str, Any] | None, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        smtp.create(sink, settings, credential)
