"""The Meshery server source: Meshery's events as notifications, and read status both ways.

Meshery stores every event before it publishes it, and its live stream
(`GET /api/system/events/subscribe`, Server-Sent Events) drops events for a slow reader
and never replays. So the list (`GET /api/system/events`, newest change first) is the
truth: after every (re)connection and every `resync` seconds the source pages back to
the last change it committed, and the log's source+id rule drops what it already has.
Meshery's `id` is the event's id and its `systemId` names the source, so ids map stably.

Two wire shapes are in the field (snake_case before meshkit 2026-04, camelCase after,
`userId` renamed `owner` later); both are read. Meshery knows only read and unread:
its read/unread become read/unread here, and a read, ack or resolve here marks the
event read there (`PUT /api/system/events/status/bulk`), keeping the richer state here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse

from notifycenter.catalogue import meshery as codes
from notifycenter.client.http import read_whole
from notifycenter.model.errors import NotifyError
from notifycenter.sources.runner import SourceConfig, SourceContext, SourceState, register_kind
from notifycenter.tls import system_tls

log = logging.getLogger("notifycenter.sources.meshery")

SOURCE_PREFIX = "urn:meshery:server:"
PAGE_SIZE = 1000
FUTURE_SLACK = timedelta(days=1)  # clocks differ; a change dated later is not believed
MAX_PAGES = 10_000  # of one resync (ten million events): a server may ignore `page`
WRITE_BACK_BATCH = 500
WRITE_BACK_POLL = 0.5
STREAM_IDLE = 60.0  # four of Meshery's keepalives missed
# An answer (a page of a thousand events, each at most the hub's event size) is read
# whole within this many bytes and seconds; each read also has its own timeout, which
# a server dripping a byte at a time never trips.
ANSWER_BYTES = 64 << 20
ANSWER_SECONDS = 120.0
STREAM_MESSAGE_BYTES = 16 << 20  # of one streamed message (an event, a keepalive)
NIL_UUID = "00000000-0000-0000-0000-000000000000"

SEVERITIES = {
    "emergency": "EMERGENCY",
    "alert": "ALERT",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
    "error": "ERROR",
    "warning": "WARNING",
    "informational": "INFO",
    "info": "INFO",
    "debug": "DEBUG",
    "success": "SUCCESS",
}
# MeshKit's errors.Severity: an integer.
ERROR_SEVERITIES = {0: "EMERGENCY", 2: "ALERT", 3: "CRITICAL", 4: "CRITICAL"}
FAILED = frozenset({"EMERGENCY", "ALERT", "CRITICAL", "ERROR"})
# canonical name: (camelCase, snake_case[, older]) spellings on the wire
FIELDS = {
    "systemId": ("systemId", "system_id"),
    "operationId": ("operationId", "operation_id"),
    "actedUpon": ("actedUpon", "acted_upon"),
    "createdAt": ("createdAt", "created_at"),
    "updatedAt": ("updatedAt", "updated_at"),
    "owner": ("owner", "userId", "user_id"),
}
ERROR_FIELDS = {
    "code": "Code",
    "shortDescription": "ShortDescription",
    "longDescription": "LongDescription",
    "probableCause": "ProbableCause",
    "suggestedRemediation": "SuggestedRemediation",
}
_UNSAFE = re.compile(r"[^a-z0-9-]+")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def field(raw: Mapping[str, Any], name: str) -> Any:
    """A field in either casing."""
    for spelling in FIELDS.get(name, (name,)):
        value = raw.get(spelling)
        if value is not None:
            return value
    return None


def parse_moment(value: Any) -> datetime | None:
    """Go's RFC 3339 (nanoseconds allowed) to an aware datetime; None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        aware.astimezone(UTC)  # `0001-01-01T00:00:00+05:00` is before the calendar in UTC
    except (ValueError, OverflowError):
        return None
    return aware


def source_of(raw: Mapping[str, Any], fallback: str) -> str:
    system = field(raw, "systemId")
    return SOURCE_PREFIX + (system if isinstance(system, str) and system else fallback)


def is_read(raw: Mapping[str, Any]) -> bool | None:
    status = raw.get("status")
    return {"read": True, "unread": False}.get(status) if isinstance(status, str) else None


def map_event(raw: Mapping[str, Any], fallback: str) -> list[dict[str, Any]]:
    """One Meshery event as notifycenter events: the notification, then (for an event of
    an operation) the operation's start and, on success or an error, its end."""
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise codes.MESHERY_EVENT_SKIPPED.error("the event has no id")
    category, action = _word(raw.get("category")), _word(raw.get("action"))
    severity = SEVERITIES.get(str(raw.get("severity", "")).lower(), "INFO")
    source = source_of(raw, fallback)
    metadata = raw.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
    data: dict[str, Any] = {}
    description = raw.get("description")
    if isinstance(description, str) and description:
        data["summary"] = description
    error = meshkit_error(metadata)
    metadata.pop("error", None)
    if error:
        data["error"] = error
    data["metadata"] = metadata
    data["meshery"] = {
        k: v
        for k, v in {
            "category": raw.get("category"),
            "action": raw.get("action"),
            "owner": field(raw, "owner"),
            "operationId": field(raw, "operationId"),
            "updatedAt": field(raw, "updatedAt"),
        }.items()
        if v is not None
    }
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": f"io.meshery.{category or 'event'}.{action or 'event'}",
        "severitytext": severity,
        "datacontenttype": "application/json",
        "data": data,
    }
    created = parse_moment(field(raw, "createdAt"))
    if created is not None:
        event["time"] = created.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if category:
        event["category"] = category
    subject = field(raw, "actedUpon")
    if isinstance(subject, str) and subject and subject != NIL_UUID:
        event["subject"] = subject
    events = [event]
    operation = field(raw, "operationId")
    if isinstance(operation, str) and operation and operation != NIL_UUID:
        events = _with_operation(event, operation, severity, f"{category} {action}".strip())
    return events


def _word(value: Any) -> str:
    return _UNSAFE.sub("-", value.lower()).strip("-")[:64] if isinstance(value, str) else ""


def _with_operation(
    event: dict[str, Any], operation: str, severity: str, name: str
) -> list[dict[str, Any]]:
    """Meshery's operationId as a correlation id and an operation of the operation center."""
    hexed = operation.replace("-", "").lower()
    if not re.fullmatch(r"[0-9a-f]{32}", hexed):
        event["correlationid"] = operation
        return [event]
    event["correlationid"] = operation
    event["traceparent"] = f"00-{hexed}-{hexed[16:]}-01"
    phases = ["started"]
    if severity == "SUCCESS":
        phases.append("succeeded")
    elif severity in FAILED:
        phases.append("failed")
    out = [event]
    for phase in phases:
        data: dict[str, Any] = {
            "operation": {"id": hexed[16:], "name": name or "Meshery operation"}
        }
        if phase == "failed" and "error" in event["data"]:
            data["error"] = event["data"]["error"]
        marker: dict[str, Any] = {
            k: event[k] for k in ("source", "time", "traceparent", "correlationid") if k in event
        }
        out.append(
            {
                "specversion": "1.0",
                "id": f"{operation}.{phase}",
                "type": f"io.meshery.operation.{phase}",
                "severitytext": "DEBUG",
                "datacontenttype": "application/json",
                "data": data,
                **marker,
            }
        )
    return out


def meshkit_error(metadata: Mapping[str, Any]) -> dict[str, Any] | None:
    """MeshKit's error (Go field names, integer Severity, lists of strings) in our shape.

    It sits in `metadata.error` (an object or a list of them) or, for model imports,
    in `metadata.ModelDetails.*.Errors[].error`; the first is taken.
    """
    found = _first_error(metadata.get("error"))
    details = metadata.get("ModelDetails")
    if found is None and isinstance(details, Mapping):
        for detail in details.values():
            errors = detail.get("Errors") if isinstance(detail, Mapping) else None
            for item in errors if isinstance(errors, list) else []:
                found = found or _first_error(
                    item.get("error") if isinstance(item, Mapping) else None
                )
    if found is None:
        return None
    error: dict[str, Any] = {}
    for ours, theirs in ERROR_FIELDS.items():
        value = found.get(theirs, found.get(ours))
        if isinstance(value, str) and value:
            error[ours] = value if ours == "code" else [value]
        elif isinstance(value, list):
            texts = [str(v) for v in value if isinstance(v, str | int | float) and str(v)]
            if texts:
                error[ours] = texts[0] if ours == "code" else texts
    level = found.get("Severity", found.get("severity"))
    if isinstance(level, int) and level in ERROR_SEVERITIES:
        error["severity"] = ERROR_SEVERITIES[level]
    elif isinstance(level, str) and level.lower() in SEVERITIES:
        error["severity"] = SEVERITIES[level.lower()]
    return error or None


def _first_error(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return next((v for v in value if isinstance(v, Mapping)), None)
    return None


def page_events(body: Any) -> tuple[list[dict[str, Any]], int | None]:
    """A page of `GET /api/system/events` in either casing: (events, total count)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("events", []), list):
        raise codes.MESHERY_BAD_ANSWER.error("a page of events is not an object with events[]")
    events = [e for e in body.get("events") or [] if isinstance(e, dict)]
    total = body.get("totalCount", body.get("total_count"))
    return events, total if isinstance(total, int) else None


class MesheryClient:
    """Meshery's events API with its cookies (`token`, `meshery-provider`)."""

    def __init__(self, base_url: str, token: str | None, provider: str | None) -> None:
        cookies = {k: v for k, v in {"token": token, "meshery-provider": provider}.items() if v}
        self.http = httpx.AsyncClient(
            base_url=base_url,
            cookies=cookies,
            follow_redirects=False,
            timeout=httpx.Timeout(30.0, read=60.0),
            verify=system_tls(),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def page(self, page: int, size: int) -> tuple[list[dict[str, Any]], int | None]:
        params = {"page": page, "pagesize": size, "sort": "updated_at", "order": "desc"}
        answer = await self._call("GET", "/api/system/events", params=params)
        try:
            return page_events(orjson.loads(answer.content))
        except orjson.JSONDecodeError as exc:
            raise codes.MESHERY_BAD_ANSWER.error(f"a page of events is not JSON: {exc}") from None

    async def mark_read(self, ids: list[str]) -> None:
        body = {"ids": ids, "status": "read"}
        await self._call("PUT", "/api/system/events/status/bulk", json=body)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The live stream, once Meshery has accepted it: its events, until it ends.

        Meshery sends a `: keepalive` comment every 15 s, so a stream without one whole
        message (an event or a keepalive) for `STREAM_IDLE` seconds is dead and fails (to
        be reconnected), as does a message of more than `STREAM_MESSAGE_BYTES`.
        """
        timeout = httpx.Timeout(30.0, read=STREAM_IDLE)
        headers = {"Accept-Encoding": "identity"}  # its bytes are bounded as they come
        try:
            # Until the stream is accepted: a server dripping headers, or sending "100
            # Continue" without end, would keep the source connecting.
            async with asyncio.timeout(ANSWER_SECONDS) as accepting:
                async with aconnect_sse(
                    self.http,
                    "GET",
                    "/api/system/events/subscribe",
                    timeout=timeout,
                    headers=headers,
                ) as source:
                    _check(source.response)
                    _bound_messages(source.response)
                    accepting.reschedule(None)
                    yield _items(source.aiter_sse())
        except SSEError as exc:
            raise codes.MESHERY_BAD_ANSWER.error(f"the live stream: {exc}") from None
        except httpx.HTTPError as exc:
            raise codes.MESHERY_UNREACHABLE.error(f"the live stream: {exc}") from None
        except TimeoutError:
            raise codes.MESHERY_UNREACHABLE.error(
                f"the live stream: not accepted within {ANSWER_SECONDS:g} s"
            ) from None

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        where = f"{method} {path}"
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                request = self.http.build_request(method, path, **kwargs)
                streamed = await self.http.send(request, stream=True)
                answer = await read_whole(streamed, ANSWER_BYTES, _refused_answer)
        except httpx.HTTPError as exc:
            raise codes.MESHERY_UNREACHABLE.error(f"{where}: {exc}") from None
        except TimeoutError:
            raise codes.MESHERY_UNREACHABLE.error(
                f"{where}: no whole answer within {ANSWER_SECONDS:g} s"
            ) from None
        _check(answer)
        return answer


def _refused_answer(answer: httpx.Response, what: str) -> NotifyError:
    where = f"{answer.request.method} {answer.request.url.path}"
    return codes.MESHERY_BAD_ANSWER.error(f"{where}: HTTP {answer.status_code} with {what}")


def _bound_messages(response: httpx.Response) -> None:
    """Bound what the live stream's parser may hold: httpx-sse buffers a line, and the
    data lines of an event, for as long as they come (one server filled 1.8 GB of the
    hub's memory in 10 s with one endless line)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):  # a small body may unfold into any size
        raise codes.MESHERY_BAD_ANSWER.error(f"the live stream is compressed ({encoding})")
    # The bound finds line breaks in bytes: the parser must decode as SSE always does
    # (UTF-8), not by a charset the server names (UTF-16 has no b"\n" line breaks).
    response.encoding = "utf-8"
    response.stream = _MessageBound(response.stream)


class _MessageBound(httpx.AsyncByteStream):
    """A live stream's bytes, failing when no message ends (at a blank line) within
    `STREAM_MESSAGE_BYTES`, or after `STREAM_IDLE` seconds of waiting for the server since
    the one before (the time the hub takes to store what came is not counted)."""

    ENDS = (b"\n\n", b"\n\r", b"\r\r")  # a line break, then another

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self.stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        waited, since_end, tail = 0.0, 0, b""
        chunks = aiter(self.stream)
        while True:
            asked = loop.time()
            try:
                async with asyncio.timeout(max(0.0, STREAM_IDLE - waited)):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise codes.MESHERY_UNREACHABLE.error(
                    f"the live stream sent no whole message in {STREAM_IDLE:g} s"
                ) from None
            waited += loop.time() - asked
            window = tail + chunk
            end = max(
                (window.rfind(mark) + len(mark) for mark in self.ENDS if mark in window), default=0
            )
            if end:
                waited, since_end = 0.0, len(window) - end
            else:
                since_end += len(chunk)
            tail = window[end:][-2:]
            if since_end > STREAM_MESSAGE_BYTES:
                raise codes.MESHERY_BAD_ANSWER.error(
                    f"the live stream sent a message of more than {STREAM_MESSAGE_BYTES:,} bytes"
                )
            yield chunk

    async def aclose(self) -> None:
        await self.stream.aclose()


async def _items(messages: AsyncIterator[ServerSentEvent]) -> AsyncIterator[dict[str, Any]]:
    async for sse in messages:
        if not sse.data:
            continue
        try:
            item = orjson.loads(sse.data)
        except orjson.JSONDecodeError:
            log.warning("%s: a streamed event is not JSON", codes.MESHERY_BAD_ANSWER.code)
            continue
        if isinstance(item, dict):
            yield item


def _check(answer: httpx.Response) -> None:
    where = f"{answer.request.method} {answer.request.url.path}"
    if answer.status_code in (401, 403) or answer.is_redirect:
        raise codes.MESHERY_AUTH_REFUSED.error(f"{where}: HTTP {answer.status_code}")
    if answer.status_code >= 400:
        raise codes.MESHERY_BAD_ANSWER.error(f"{where}: HTTP {answer.status_code}")


class MesherySource:
    """Follows one Meshery server (docs/sources.md)."""

    writeback_prefix = SOURCE_PREFIX

    def __init__(self, config: SourceConfig) -> None:
        query = urlsplit(config.url).query
        if query:  # only the names: a value may be a secret
            names = ", ".join(sorted(parse_qs(query, keep_blank_values=True)))[:200]
            raise codes.INVALID_SOURCE_URL.error(
                f"{config.url.split('?', 1)[0]}: a Meshery source takes no query"
                f" parameters ({names or '?'}); settings go in [[hub.sources]]"
            )
        self.config = config
        self.fallback = config.target.split("://", 1)[1].replace("/", "-")
        self._lock = asyncio.Lock()

    async def run(self, ctx: SourceContext) -> None:
        token, provider = self.config.credentials()
        client = MesheryClient(self.config.target, token, provider)
        try:
            async with client.subscribe() as live:  # subscribed before paging: no gap
                await self.resync(client, ctx)
                ctx.state(SourceState.FOLLOWING)
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._resync_every(client, ctx))
                    group.create_task(self._write_back(client, ctx))
                    async for item in live:
                        ctx.contact()
                        await self._take([item], ctx)
                    raise codes.MESHERY_UNREACHABLE.error("the live stream ended")
        except* NotifyError as group_error:
            raise group_error.exceptions[0] from None
        except* httpx.HTTPError as group_error:
            error = group_error.exceptions[0]
            raise codes.MESHERY_UNREACHABLE.error(f"the live stream: {error}") from None
        finally:
            await client.close()

    async def _resync_every(self, client: MesheryClient, ctx: SourceContext) -> None:
        while True:
            await asyncio.sleep(self.config.resync_seconds)
            await self.resync(client, ctx)
            ctx.state(SourceState.FOLLOWING)

    async def resync(self, client: MesheryClient, ctx: SourceContext) -> None:
        """Page back, newest change first, to the last change committed; then commit the mark."""
        async with self._lock:
            ctx.state(SourceState.RESYNCING)
            saved = await ctx.checkpoint() or {}
            mark = parse_moment(saved.get("updated"))
            newest: str | None = None
            pages: int | None = None
            previous: Any = None
            for page in range(MAX_PAGES):  # a server that ignores `page` is not read forever
                events, total = await client.page(page, PAGE_SIZE)
                ctx.contact()
                first = field(events[0], "id") if events else None
                repeated, previous = first is not None and first == previous, first
                if pages is None:
                    pages = (total // PAGE_SIZE + 1) if total is not None else None
                    stamps = [field(e, "updatedAt") for e in events]
                    newest = max((s for s in stamps if _believable(s)), key=_moment, default=None)
                reached = mark is not None and any(
                    (m := parse_moment(field(e, "updatedAt"))) is not None and m < mark
                    for e in events
                )
                done = (
                    len(events) < PAGE_SIZE
                    or repeated  # the same page again: `page` is not heard
                    or reached
                    or (pages is not None and page + 1 >= pages)
                    or page + 1 >= MAX_PAGES
                )
                checkpoint = {"updated": newest or saved.get("updated")} if done else None
                await self._take(events, ctx, checkpoint)
                if done:
                    return

    async def _take(
        self,
        raws: list[dict[str, Any]],
        ctx: SourceContext,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        events: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        statuses: dict[tuple[str, str], bool] = {}
        for raw in raws:
            try:
                mapped = map_event(raw, self.fallback)
            except NotifyError as error:
                log.warning("%s: %s", error.code, error.message)
                ctx.skip()
                continue
            events.append(mapped[0])
            markers.extend(mapped[1:])
            read = is_read(raw)
            if read is not None:
                statuses[(mapped[0]["source"], mapped[0]["id"])] = read
        await ctx.take(events, extra=markers, statuses=statuses, checkpoint=checkpoint)

    async def _write_back(self, client: MesheryClient, ctx: SourceContext) -> None:
        """Mark read in Meshery what was read, acknowledged or resolved here."""
        while True:
            pending = await ctx.pending_writebacks(SOURCE_PREFIX, WRITE_BACK_BATCH)
            if pending:
                try:
                    await client.mark_read([event_id for _, event_id in pending])
                except NotifyError as error:
                    failed = codes.MESHERY_STATUS_WRITE_FAILED.error(error.message)
                    log.warning("%s: %s", failed.code, failed.message)
                    raise
                await ctx.writebacks_done(pending)
                continue
            await asyncio.sleep(WRITE_BACK_POLL)


def _moment(text: Any) -> datetime:
    return parse_moment(text) or datetime.min.replace(tzinfo=UTC)


def _believable(text: Any) -> bool:
    """A change time that can be the resync's mark: one far in the future (a clock gone
    wrong, a hostile server) would stop every later resync at its first page."""
    moment = parse_moment(text)
    return moment is not None and moment <= datetime.now(UTC) + FUTURE_SLACK


register_kind("meshery+http", MesherySource)
register_kind("meshery+https", MesherySource)
