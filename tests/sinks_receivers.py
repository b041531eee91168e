"""Real receivers on loopback for the sink tests: a Starlette app in uvicorn, an aiosmtpd server.

Both run in the test's own event loop on a port the OS picks, record what they received,
and answer as the test scripts them (an HTTP status and headers, an SMTP reply), so a
test sees exactly what went over the wire.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.waiting import async_wait_until


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give, in order; once used up, 200 "ok".
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def json(self) -> list[Any]:
        return [request.body for request in self.requests]


@asynccontextmanager
async def web_receiver() -> AsyncIterator[WebReceiver]:
    """An HTTP receiver taking any POST at any path, as ntfy and Slack webhooks do."""
    receiver = WebReceiver(url="")

    async def take(request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = await request.json()
        except ValueError:
            body = raw.decode("utf-8", "replace")
        receiver.requests.append(
            Received(request.method, request.url.path, dict(request.headers), body)
        )
        if receiver.answers:
            status, headers = receiver.answers.pop(0)
            return PlainTextResponse(f"refused {status}", status_code=status, headers=headers)
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/{path:path}", take, methods=["POST", "PUT"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        await async_wait_until(lambda: server.started, timeout=10, what="uvicorn to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        receiver.url = f"http://127.0.0.1:{port}"
        yield receiver
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    tls: bool  # whether the session was encrypted when the mail was sent


@dataclass
class MailHandler:
    mails: list[Mail] = field(default_factory=list)
    refuse_rcpt: str | None = None  # an SMTP reply to every RCPT, e.g. "550 no such user"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        tls = session.ssl is not None
        self.mails.append(Mail(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, raw, tls))
        return "250 OK"


@dataclass
class MailServer:
    host: str
    port: int
    handler: MailHandler
    logins: list[str]

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


@asynccontextmanager
async def mail_server(
    login: tuple[str, str] | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> AsyncIterator[MailServer]:
    """An aiosmtpd server; with `login`, AUTH is required and checked. With `starttls`
    the server offers STARTTLS and requires it before a mail; with `implicit_tls` it
    speaks TLS from the first byte (smtps)."""
    handler = MailHandler()
    logins: list[str] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            login is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == login
        )
        if ok:
            logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    def protocol() -> SMTP:
        if starttls is not None:
            return SMTP(handler, hostname="localhost", tls_context=starttls, require_starttls=True)
        if login is None:
            return SMTP(handler, hostname="localhost")
        with warnings.catch_warnings():  # AUTH without TLS: deliberate, on loopback only
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(
                handler,
                hostname="localhost",
                authenticator=authenticate,
                auth_required=True,
                auth_require_tls=False,
            )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol, "127.0.0.1", 0, ssl=implicit_tls)
    try:
        port = server.sockets[0].getsockname()[1]
        yield MailServer("127.0.0.1", port, handler, logins)
    finally:
        server.close()
        await server.wait_closed()
