"""The SMTP sink's TLS: STARTTLS when the server offers it, TLS from the first byte for
smtps://, certificates checked against the trust store, and a mail server that wants TLS
the subscription refuses."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from notifycenter.routing.sink import SinkError
from notifycenter.routing.sinks import smtp
from tests.sinks_receivers import mail_server
from tests.sinks_samples import delivery, notification

if TYPE_CHECKING:  # imported where used: only the worker running these pays its ~0.1 s
    import trustme

SETTINGS = {"from": "notify@example.com", "to": "ops@example.com"}


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    import trustme

    return trustme.CA()


@pytest.fixture
def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def trusted(
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The test authority in the trust store OpenSSL reads (`SSL_CERT_FILE`)."""
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    yield


async def test_starttls_is_used_when_the_server_offers_it(
    server_tls: ssl.SSLContext, trusted: None
) -> None:
    async with mail_server(starttls=server_tls) as server:
        sink = smtp.create(server.url, SETTINGS, None)
        await sink.deliver(delivery(notification()))
    [mail] = server.handler.mails
    assert mail.tls


async def test_smtps_is_tls_from_the_first_byte(server_tls: ssl.SSLContext, trusted: None) -> None:
    async with mail_server(implicit_tls=server_tls) as server:
        sink = smtp.create(f"smtps://{server.host}:{server.port}", SETTINGS, None)
        await sink.deliver(delivery(notification()))
    [mail] = server.handler.mails
    assert mail.message["Subject"].startswith("[notifycenter] ERROR")


async def test_an_untrusted_certificate_is_refused_until_the_subscription_changes(
    server_tls: ssl.SSLContext,
) -> None:
    async with mail_server(starttls=server_tls) as server:
        sink = smtp.create(server.url, SETTINGS, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification()))
        unchecked = smtp.create(server.url, {**SETTINGS, "validate_certs": "false"}, None)
        await unchecked.deliver(delivery(notification()))
    assert failed.value.permanent and "certificate" in str(failed.value)
    assert len(server.handler.mails) == 1 and server.handler.mails[0].tls


async def test_a_server_that_requires_tls_refuses_a_subscription_without_it(
    server_tls: ssl.SSLContext,
) -> None:
    async with mail_server(starttls=server_tls) as server:
        sink = smtp.create(server.url, {**SETTINGS, "starttls": False}, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification()))
    assert failed.value.permanent and failed.value.status == 530
    assert server.handler.mails == []
