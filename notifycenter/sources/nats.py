"""The NATS source: CloudEvents published on NATS subjects, as the hub's events.

`nats://host:4222?subject=SUBJ[&stream=NAME&durable=NAME]`. Messages follow the
CloudEvents NATS protocol binding: binary mode (`ce-*` headers, the body is `data`) or
structured mode (`Content-Type: application/cloudevents+json`, or no headers at all as
from servers before 2.2). Each event passes the same decoding and validation as a POST
to `/api/events`; a message that fails is logged with a catalogued code, counted, and
skipped, and the source keeps following.

Core NATS (no `stream=`) is at most once: what is published while the hub is down or
disconnected is lost, and so is what arrives while QUEUE messages wait for the log
(counted, and logged now and then rather than per message). With `stream=`, the source
reads a durable pull consumer of that JetStream stream and acknowledges a message only
after the log committed its event (in the transaction that also saves the source's
checkpoint); a message whose ack was lost is delivered again and the log's source+id rule
stores it once. Invalid messages are terminated so that they are not delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from notifycenter.catalogue import nats as codes
from notifycenter.hub.binding import decode_request
from notifycenter.model.errors import NotifyError
from notifycenter.model.protocol import CE_PREFIX, STRUCTURED
from notifycenter.sources.runner import SourceConfig, SourceContext, SourceState, register_kind

log = logging.getLogger("notifycenter.sources.nats")

QUERY_KEYS = frozenset({"subject", "stream", "durable"})
CREDENTIAL_KEYS = frozenset(
    {"token", "user", "username", "password", "pass", "creds", "jwt", "nkey", "seed"}
)
DEFAULT_DURABLE = "notifycenter"
BATCH = 256  # messages written in one commit at most
IDLE = 2.0  # seconds without a message before the server is pinged
QUEUE = 10_000  # core messages waiting in nats-py, and again for the log; beyond, dropped
CONNECT_TIMEOUT = 5  # seconds for each try to reach the server and complete the handshake
RECENT_ERRORS = 8  # the client's latest errors, enough for _failure to see a refusal
DROP_REPORT_SECONDS = 5.0  # at most one warning about dropped messages this often
_NAME = re.compile(r"^[^\s.*>/\\]{1,200}$")
_TOKEN = re.compile(r"^[^\s]+$")


@dataclass(frozen=True)
class NatsTarget:
    """Where the source reads: the server, the subject, and the JetStream consumer."""

    server: str
    subject: str | None
    stream: str | None
    durable: str
    creds_file: Path | None


def parse_target(config: SourceConfig) -> NatsTarget:
    """The source URL's query, checked; a catalogued error names what is wrong."""
    invalid = codes.INVALID_NATS_SOURCE.error
    parts = urlsplit(config.url)
    query = parse_qs(parts.query, keep_blank_values=True)
    where = f"nats://{parts.netloc}"  # never the query: it may hold what must not be shown
    leaked = set(query) & CREDENTIAL_KEYS
    if leaked:
        raise invalid(
            f"source {where}: credentials in the URL ({', '.join(sorted(leaked))});"
            " use token-file, token-env or creds-file"
        )
    unknown = set(query) - QUERY_KEYS
    if unknown:
        raise invalid(
            f"source {where}: unknown query parameter(s) {', '.join(sorted(unknown))};"
            f" allowed: {', '.join(sorted(QUERY_KEYS))}"
        )
    values: dict[str, str] = {}
    for key, given in query.items():
        if len(given) > 1:
            raise invalid(f"source {where}: {key} is given {len(given)} times")
        values[key] = given[0]
    subject, stream = values.get("subject") or None, values.get("stream") or None
    durable = values.get("durable") or DEFAULT_DURABLE
    if subject is None and stream is None:
        raise invalid(f"source {where}: give subject= (and stream= for JetStream)")
    if subject is not None and not _valid_subject(subject):
        raise invalid(f"source {where}: {subject!r} is not a NATS subject")
    for what, name in (("stream", stream), ("durable", durable)):
        if name is not None and not _NAME.fullmatch(name):
            raise invalid(f"source {where}: {what} {name!r} is not a valid NATS name")
    creds = getattr(config, "creds_file", None)
    if creds is not None and not Path(creds).expanduser().is_file():
        raise invalid(f"source {where}: creds-file {creds} is not a readable file")
    host = parts.hostname or "127.0.0.1"
    server = f"nats://{host}:{parts.port or 4222}"
    return NatsTarget(server, subject, stream, durable, creds)


def _valid_subject(subject: str) -> bool:
    tokens = subject.split(".")
    return all(t and _TOKEN.fullmatch(t) for t in tokens) and ">" not in tokens[:-1]


def message_events(headers: Mapping[str, str] | None, body: bytes) -> list[dict[str, Any]]:
    """The validated events one NATS message carries (CloudEvents NATS protocol binding).

    Header names are case-insensitive in NATS. Structured mode when Content-Type is a
    CloudEvents type or when no `ce-` header is present; otherwise binary mode, where
    `ce-datacontenttype` (or Content-Type) is the data's media type.
    """
    pairs = [(name.lower(), value) for name, value in (headers or {}).items()]
    named = dict(pairs)
    if not any(name.startswith(CE_PREFIX) for name, _ in pairs):
        if not named.get("content-type", "").lower().startswith("application/cloudevents"):
            pairs = [(n, v) for n, v in pairs if n != "content-type"]
            pairs.append(("content-type", STRUCTURED))
    elif "ce-datacontenttype" in named:
        kept = [(n, v) for n, v in pairs if n not in ("content-type", "ce-datacontenttype")]
        pairs = [*kept, ("content-type", named["ce-datacontenttype"])]
    return decode_request(pairs, body)


class DroppedMessages:
    """Counts the core messages nats-py dropped for a slow consumer and logs them as one
    warning now and then: nats-py reports each dropped message, thousands a second."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.total = 0  # since the hub started
        self.unreported = 0
        self.first_unreported = 0.0  # when the oldest drop not logged yet happened

    def add(self) -> None:
        if not self.unreported:
            self.first_unreported = time.monotonic()
        self.total += 1
        self.unreported += 1
        self.report()

    def report(self, *, due_only: bool = True) -> None:
        """Log the drops not logged yet, once DROP_REPORT_SECONDS passed since the first."""
        waited = time.monotonic() - self.first_unreported
        if not self.unreported or (due_only and waited < DROP_REPORT_SECONDS):
            return
        log.warning(
            "%s: source %s: core NATS dropped %d messages in the last %.1f s: the hub fell"
            " behind (slow consumer); %d dropped since the hub started",
            codes.NATS_MESSAGES_DROPPED.code,
            self.source,
            self.unreported,
            waited,
            self.total,
        )
        self.unreported = 0


class NatsSource:
    """Follows one NATS subject, or one JetStream stream through a durable consumer."""

    writeback_prefix: str | None = None

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.target = parse_target(config)
        self.skipped = 0  # invalid messages since the hub started
        self.dropped = DroppedMessages(config.name)
        # What the client reported lately (auth violations...): a slow consumer's drops are
        # counted instead, so a flood neither fills this nor hides a refusal.
        self._recent_errors: deque[Exception] = deque(maxlen=RECENT_ERRORS)

    async def run(self, ctx: SourceContext) -> None:
        closed: asyncio.Queue[Msg | None] = asyncio.Queue(QUEUE)
        client = await self._connect(closed, ctx)
        try:
            ctx.contact()
            if self.target.stream is not None:
                await self._follow_stream(client, ctx)
            else:
                await self._follow_core(client, closed, ctx)
        except (nats.errors.Error, OSError) as exc:
            raise self._failure(exc) from None
        finally:
            self.dropped.report(due_only=False)
            with contextlib.suppress(Exception):
                await client.close()

    async def _connect(self, inbox: asyncio.Queue[Msg | None], ctx: SourceContext) -> Client:
        token, _ = self.config.credentials()
        self._recent_errors.clear()

        async def on_error(exc: Exception) -> None:
            if isinstance(exc, nats.errors.SlowConsumerError):
                self.dropped.add()  # one call per dropped message
                ctx.drop()  # shown by GET /api/sources
            else:
                self._recent_errors.append(exc)

        async def on_closed() -> None:
            with contextlib.suppress(asyncio.QueueFull):
                inbox.put_nowait(None)

        options: dict[str, Any] = {
            "servers": [self.target.server],
            "name": f"notifycenter {self.config.name}",
            "allow_reconnect": False,  # the runner retries, showing the failure meanwhile
            # nats-py retries the first connect in its own loop whatever allow_reconnect
            # says (by default 60 more tries, 2 s apart: minutes shown as "connecting");
            # 1 is the fewest it takes (0 means no limit): one more try, at once.
            "max_reconnect_attempts": 1,
            "reconnect_time_wait": 0,
            "connect_timeout": CONNECT_TIMEOUT,
            "error_cb": on_error,
            "closed_cb": on_closed,
        }
        if token:
            options["token"] = token
        if self.target.creds_file is not None:
            options["user_credentials"] = str(self.target.creds_file.expanduser())
        try:
            return await nats.connect(**options)
        except (nats.errors.Error, OSError) as exc:
            raise self._failure(exc) from None

    def _failure(self, exc: BaseException) -> NotifyError:
        said = " ".join(str(e) for e in [*self._recent_errors, exc]).lower()
        if isinstance(exc, nats.errors.NoServersError) and self._recent_errors:
            exc = self._recent_errors[-1]  # why the last try failed says more than "no servers"
        detail = f"{self.target.server}: {type(exc).__name__}: {exc}".rstrip(": ")
        if "authorization" in said or "permissions violation" in said:
            return codes.NATS_AUTH_REFUSED.error(detail)
        if isinstance(exc, nats.js.errors.Error | nats.errors.NoRespondersError):
            return codes.NATS_STREAM_UNUSABLE.error(detail)
        return codes.NATS_UNREACHABLE.error(detail)

    async def _follow_core(
        self, client: Client, inbox: asyncio.Queue[Msg | None], ctx: SourceContext
    ) -> None:
        async def deliver(msg: Msg) -> None:
            await inbox.put(msg)

        assert self.target.subject is not None
        await client.subscribe(self.target.subject, cb=deliver, pending_msgs_limit=QUEUE)
        # The subscription is registered before "following". nats-py writes flush()'s PING
        # straight to the socket, ahead of the SUB its flusher task sends next: the first
        # PONG proves nothing of the SUB, the second PING follows it on the wire.
        await client.flush(timeout=5)
        await client.flush(timeout=5)
        ctx.state(SourceState.FOLLOWING)
        while True:
            self.dropped.report()  # also when idle: the drops of a burst that ended
            try:
                first = await asyncio.wait_for(inbox.get(), IDLE)
            except TimeoutError:
                await client.flush(timeout=5)
                ctx.contact()
                continue
            batch = [first]
            while len(batch) < BATCH and not inbox.empty():
                batch.append(inbox.get_nowait())
            messages = [m for m in batch if m is not None]
            ctx.contact()
            events, bad = self._decode(messages)
            ctx.skip(len(bad))
            await self._store(ctx, events, None)
            if len(messages) < len(batch) or client.is_closed:
                raise codes.NATS_UNREACHABLE.error(f"{self.target.server}: the connection closed")

    async def _follow_stream(self, client: Client, ctx: SourceContext) -> None:
        stream, durable = self.target.stream, self.target.durable
        assert stream is not None
        js = client.jetstream()
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=self.target.subject,
            ack_wait=30,  # then a message whose hub stopped mid-commit comes again
        )
        try:
            await js.add_consumer(stream, config)
        except nats.js.errors.APIError as exc:
            raise codes.NATS_STREAM_UNUSABLE.error(
                f"stream {stream}, consumer {durable}: {exc.description or exc}"
            ) from None
        pull = await js.pull_subscribe_bind(durable=durable, stream=stream)
        ctx.state(SourceState.FOLLOWING)
        while True:
            try:
                messages = await pull.fetch(BATCH, timeout=IDLE)
            except nats.errors.TimeoutError:
                if client.is_closed:
                    raise codes.NATS_UNREACHABLE.error(
                        f"{self.target.server}: the connection closed"
                    ) from None
                ctx.contact()
                continue
            ctx.contact()
            events, bad = self._decode(messages)
            ctx.skip(len(bad))
            last = max(m.metadata.sequence.stream for m in messages)
            checkpoint = {"stream": stream, "consumer": durable, "sequence": last}
            try:
                await self._store(ctx, events, checkpoint)
            except NotifyError:
                for message in messages:  # not stored: deliver them again, now
                    with contextlib.suppress(Exception):
                        await message.nak()
                raise
            for message in messages:  # only now: the events are committed
                await (message.term() if id(message) in bad else message.ack())
            await client.flush(timeout=5)

    def _decode(self, messages: Sequence[Msg]) -> tuple[list[dict[str, Any]], set[int]]:
        """Events of the valid messages, and the ids of the messages that were not."""
        events: list[dict[str, Any]] = []
        bad: set[int] = set()
        for message in messages:
            try:
                events.extend(message_events(message.headers, message.data))
            except NotifyError as error:
                bad.add(id(message))
                self.skipped += 1
                log.warning(
                    "%s: source %s: a message on %r is not a valid CloudEvent (%s: %s); skipped (%d so far)",
                    codes.NATS_MESSAGE_SKIPPED.code,
                    self.config.name,
                    message.subject[:200],
                    error.code,
                    error.message[:300],
                    self.skipped,
                )
        return events, bad

    async def _store(
        self, ctx: SourceContext, events: list[dict[str, Any]], checkpoint: dict[str, Any] | None
    ) -> None:
        if not events and checkpoint is None:
            return
        try:
            await ctx.take(events, checkpoint=checkpoint)
        except NotifyError:
            raise
        except Exception as exc:  # the log could not commit: nothing is acknowledged
            raise codes.NATS_STORE_FAILED.error(f"{type(exc).__name__}: {exc}") from None


register_kind("nats", NatsSource)
