"""SMTP: an e-mail per notification, or one digest per delivery (`protocolsettings.mode`).

The sink is the mail server: `smtp://host[:port]` (STARTTLS when the server offers it,
or as `protocolsettings.starttls` says) or `smtps://host[:port]` (TLS from the start).
A PLAIN `sinkcredential` logs in. Each mail is plain text with a simple HTML alternative.

Threading: a notification's `Message-ID` is derived from its `source#id`, and a lifecycle
change of it (a resolve) answers it with `In-Reply-To`/`References` and a `Re:` subject,
so a mail client shows the error and its resolve as one conversation; a retried delivery
sends the same `Message-ID`, which lets a mail store drop the duplicate.

Header injection: every header value is one sanitised line (no CR or LF can survive
`sanitize_line`), and `email`'s own policy refuses a header with a line break anyway.
"""

from __future__ import annotations

import hashlib
import html
import ssl
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib

from notifycenter.routing.egress import Egress
from notifycenter.routing.sink import Delivery, SinkError
from notifycenter.routing.sinks import settings as read
from notifycenter.routing.sinks.render import Notice, click_url, digest_lines, digest_title
from notifycenter.routing.sinks.render import notices as read_notices

SETTINGS = ("from", "to", "mode", "starttls", "subject_prefix", "click", "validate_certs")
MODES = ("each", "digest")
TIMEOUT = 30.0
DEFAULT_PORT = {"smtp": 25, "smtps": 465}


class SmtpSink:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        use_tls: bool,
        starttls: bool | None,
        validate_certs: bool,
        sender: Address,
        recipients: Sequence[Address],
        mode: str,
        prefix: str,
        click: str | None,
        login: tuple[str, str] | None,
        egress: Egress | None = None,
    ) -> None:
        self.host, self.port, self.use_tls, self.starttls = host, port, use_tls, starttls
        self.validate_certs = validate_certs
        self.sender, self.recipients, self.mode, self.prefix = sender, recipients, mode, prefix
        self.click, self.login = click, login
        self.egress = egress  # vets the address connected to (the sink-host policy)

    async def deliver(self, delivery: Delivery) -> None:
        await self.send(self.messages(delivery))

    async def aclose(self) -> None:
        """Nothing held: each delivery opens and closes its own SMTP session."""

    def messages(self, delivery: Delivery) -> list[EmailMessage]:
        if delivery.digest or self.mode == "digest":
            return [self.digest(delivery)]
        return [self.mail(notice, delivery.hub_url) for notice in read_notices(delivery)]

    def mail(self, notice: Notice, hub_url: str | None) -> EmailMessage:
        """One notification, or a lifecycle change answering the notification's mail."""
        subject = f"{self.prefix}{notice.label}: {notice.summary}"
        message = self._envelope(
            ("Re: " + subject) if notice.verb else subject, self._message_id(notice.item_ref)
        )
        if notice.verb:
            original = self._message_id(notice.ref)
            message["In-Reply-To"] = original
            message["References"] = original
        message["X-Notifycenter-Severity"] = notice.severity.name
        link = click_url(self.click, hub_url, notice.ref)
        text = notice.text() + (f"\n\n{link}" if link else "")
        message.set_content(text)
        message.add_alternative(html_body(notice, link), subtype="html")
        return message

    def digest(self, delivery: Delivery) -> EmailMessage:
        """Every item of the delivery in one mail, a line each, then `… and N more`."""
        first = delivery.items[0].cursor if delivery.items else ""
        message = self._envelope(
            f"{self.prefix}{digest_title(delivery)}",
            self._message_id(f"digest/{delivery.subscription_id}/{first}"),
        )
        lines = digest_lines(delivery)
        message.set_content("\n".join(lines))
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        message.add_alternative(f"<html><body><ul>{items}</ul></body></html>", subtype="html")
        return message

    async def send(self, messages: Sequence[EmailMessage]) -> None:
        """One SMTP session for the batch; raise `SinkError` on the first refusal."""
        sock = None
        if self.egress is not None:  # connect to the address the policy vetted
            try:
                sock = await self.egress.open_socket(self.host, self.port, TIMEOUT)
            except (OSError, TimeoutError) as error:
                raise unreachable(error, self.host) from error
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=None if sock is not None else self.port,
            sock=sock,
            use_tls=self.use_tls,
            start_tls=self.starttls,
            validate_certs=self.validate_certs,
            timeout=TIMEOUT,
            username=self.login[0] if self.login else None,
            password=self.login[1] if self.login else None,
        )
        try:
            async with client:
                for message in messages:
                    await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise refused(error.recipients[0], self.host) from error
        except aiosmtplib.SMTPResponseException as error:
            raise refused(error, self.host) from error
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError) as error:
            raise unreachable(error, self.host) from error
        except aiosmtplib.SMTPServerDisconnected as error:
            raise SinkError(f"the mail server {self.host} hung up: {error}") from error
        except aiosmtplib.SMTPException as error:  # STARTTLS or AUTH not offered, and the like
            raise SinkError(
                f"the mail server {self.host} cannot take this mail as configured: {error}",
                permanent=True,
            ) from error
        except OSError as error:
            raise unreachable(error, self.host) from error
        finally:
            if sock is not None:  # the session's transport closed it, unless it never began
                sock.close()

    def _envelope(self, subject: str, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = self.recipients
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        return message

    def _message_id(self, ref: str) -> str:
        digest = hashlib.sha256(ref.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return f"<{digest}@{self.sender.domain or 'notifycenter.invalid'}>"


def refused(error: aiosmtplib.SMTPResponseException, host: str) -> SinkError:
    """An SMTP reply: 4xx is worth retrying, 5xx will be refused again."""
    said = " ".join(str(error.message).split())[:200]
    detail = f"the mail server {host} answered {error.code}: {said}"
    return SinkError(detail, permanent=500 <= error.code < 600, status=error.code)


def unreachable(error: Exception, host: str) -> SinkError:
    """No SMTP session: worth retrying, unless TLS failed (a certificate the trust store
    does not accept stays refused until the server's certificate or the subscription
    changes)."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLError):
        return SinkError(f"TLS with the mail server {host} failed: {cause}", permanent=True)
    return SinkError(f"the mail server {host} could not be reached: {error}")


def html_body(notice: Notice, link: str | None) -> str:
    """The plain text's content as simple HTML: every piece of event text escaped."""
    parts = [f"<p><strong>{html.escape(notice.headline)}</strong></p>"]
    if notice.comment:
        parts.append(f"<p>Comment: {html.escape(notice.comment)}</p>")
    if notice.details and not notice.verb:
        parts.append(f"<pre>{html.escape(notice.details)}</pre>")
    if notice.causes and not notice.verb:
        causes = "".join(f"<li>{html.escape(cause)}</li>" for cause in notice.causes)
        parts.append(f"<p>Probable cause:</p><ul>{causes}</ul>")
    if notice.remedies and not notice.verb:
        remedies = "".join(f"<li>{html.escape(remedy)}</li>" for remedy in notice.remedies)
        parts.append(f"<p>Remediation:</p><ol>{remedies}</ol>")
    if link:
        parts.append(f'<p><a href="{html.escape(link, quote=True)}">Open in the hub</a></p>')
    return "<html><body>" + "".join(parts) + "</body></html>"


def address(value: str, name: str) -> Address:
    display, spec = parseaddr(value)
    if not spec or "@" not in spec:
        raise ValueError(f"protocolsettings {name} has no e-mail address in {value!r}")
    try:
        return Address(display_name=display, addr_spec=spec)
    except Exception as error:  # the email package raises its own parse errors
        raise ValueError(f"protocolsettings {name}: {value!r} is not an e-mail address") from error


def create(
    sink: str,
    settings: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    *,
    egress: Egress | None = None,
) -> SmtpSink:
    """The SMTP sink of a subscription; `ValueError` says what is wrong with its settings."""
    read.reject_unknown(settings, SETTINGS, "smtp")
    parts = urlsplit(sink) if isinstance(sink, str) else None
    if parts is None or parts.scheme not in DEFAULT_PORT or not parts.hostname:
        raise ValueError(f"an smtp sink is smtp://host[:port] or smtps://host[:port], not {sink!r}")
    try:
        port = parts.port or DEFAULT_PORT[parts.scheme]
    except ValueError as error:
        raise ValueError(f"the smtp sink {sink!r} has a port that is not a number") from error
    sender_text = read.text(settings, "from")
    if not sender_text:
        raise ValueError("an smtp subscription needs protocolsettings from (the sender's address)")
    recipients = [address(value, "to") for value in read.words(settings, "to")]
    if not recipients:
        raise ValueError("an smtp subscription needs protocolsettings to (one or more addresses)")
    found = read.login(credential)
    if isinstance(found, str):
        raise ValueError("an smtp sink logs in with a PLAIN sinkcredential (identity and secret)")
    use_tls = parts.scheme == "smtps"
    starttls = read.flag(settings, "starttls", None)
    if use_tls and starttls:
        raise ValueError("smtps:// is TLS from the start: starttls does not apply")
    prefix = read.text(settings, "subject_prefix", "[notifycenter]") or ""
    click = read.text(settings, "click")
    if click is not None:
        read.http_url(click.replace("{ref}", "ref"), "smtp click")
    return SmtpSink(
        host=parts.hostname,
        port=port,
        use_tls=use_tls,
        starttls=False if use_tls else starttls,
        validate_certs=bool(read.flag(settings, "validate_certs", True)),
        sender=address(sender_text, "from"),
        recipients=recipients,
        mode=read.choice(settings, "mode", MODES),
        prefix=f"{prefix} " if prefix else "",
        click=click,
        login=found,
        egress=egress,
    )
