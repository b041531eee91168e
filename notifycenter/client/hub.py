"""`HubClient`: the hub's HTTP API and live stream, asynchronously (docs/api.md)."""

from __future__ import annotations

import asyncio
import builtins
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

import httpx
import orjson

from notifycenter.catalogue import client as codes
from notifycenter.client.http import (
    answer,
    answer_object,
    auth_headers,
    bad_answer,
    query_params,
    read_whole,
    request_failed,
    retry_after,
    tls_for,
    unreachable,
)
from notifycenter.client.sdk_events import EventLike, event_dict
from notifycenter.client.servers import (
    RETURN_AFTER,
    ServerPool,
    Servers,
    all_failed,
    is_failover_status,
)
from notifycenter.config import Target, check_server_url
from notifycenter.model import wire
from notifycenter.model.errors import NotifyError
from notifycenter.model.protocol import BATCH, STRUCTURED
from notifycenter.model.silences import SilencePage, SilenceRecord
from notifycenter.model.subscription_wire import (
    Deleted,
    SinkTestOutcome,
    Subscriptions,
    SubscriptionView,
)

if TYPE_CHECKING:  # the stream's module brings websockets: imported when a stream starts
    from notifycenter.client.stream import StateCallback, Subscription

DEFAULT_TIMEOUT = 10.0
FAILOVER_CONNECT_TIMEOUT = 3.0
RATE_LIMIT_RETRIES = 3  # a hub that keeps refusing is reported, not waited on forever
RATE_LIMIT_WAIT = 30.0
# The most of an answer read (after decompression; the backlog snapshot has its own bound):
# a page of the largest events is ~64 MB, and a small gzip body can unfold into gigabytes.
MAX_ANSWER_BYTES = 256 << 20
ANSWER_DEADLINE_TIMEOUTS = 6
MIN_ANSWER_DEADLINE = 60.0


@dataclass(frozen=True)
class Page:
    """One page of `GET /api/events`: records, newest first, and the cursor of the next page."""

    items: list[wire.Record]
    next: str | None


class HubClient:
    """Talks to one hub. Use as `async with HubClient(url) as hub:` or call `aclose()`.

    `server` may be several servers of the hub (a list, by preference, or a shared
    `ServerPool`): a request that gets no connection, a timeout or a 502/503/504 goes to
    the next one (`notifycenter.client.servers`); a 4xx answer is the hub's answer.

    Every hub error is re-raised as the `NotifyError` the hub answered with; a hub that
    does not answer raises the catalogued "hub unreachable" error (with several servers,
    the "all servers failed" error listing each), and one whose answer has the wrong
    shape (not JSON, not an object, a cursor that is not a cursor) the catalogued "bad
    answer" error.
    """

    def __init__(
        self,
        server: Servers | ServerPool,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not isinstance(server, ServerPool):
            urls = [server] if isinstance(server, str) else list(server)
            server = ServerPool([check_server_url(url) for url in urls])
        self.pool = server
        self.token = token
        # With somewhere else to go, a server that does not even accept the connection
        # (a network cut drops the SYN) is given up on sooner.
        connect = min(timeout, FAILOVER_CONNECT_TIMEOUT) if server.several else timeout
        self._http = httpx.AsyncClient(
            headers=auth_headers(token),
            timeout=httpx.Timeout(timeout, connect=connect),
            transport=transport,
            verify=tls_for(server.servers),
        )
        # httpx times each read; a whole answer (snapshots aside) gets this long.
        self._deadline = max(timeout * ANSWER_DEADLINE_TIMEOUTS, MIN_ANSWER_DEADLINE)

    @property
    def server(self) -> str:
        """The server that answered last (the preferred one before any request)."""
        return self.pool.current

    @classmethod
    def from_target(cls, target: Target, **options: Any) -> HubClient:
        return cls(target.servers, target.token, **options)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self, method: str, path: str, *, stream: bool = False, **options: Any
    ) -> httpx.Response:
        """The first usable answer, trying the servers in the pool's order. With `stream`,
        its body is not read yet: the caller reads it and closes the answer."""
        failures: builtins.list[tuple[str, NotifyError]] = []
        for server in self.pool.order():
            outcome = await self._try(server, method, path, stream, **options)
            if isinstance(outcome, httpx.Response):
                return outcome
            failures.append((server, outcome))
        if len(failures) == 1:
            raise failures[0][1]
        raise all_failed((server, reason_of(error)) for server, error in failures)

    async def _try(
        self, server: str, method: str, path: str, stream: bool = False, **options: Any
    ) -> httpx.Response | NotifyError:
        """`server`'s answer, or its failure (recorded in the pool) when another server may
        do better: no connection, reset, timeout, or 502/503/504 when there are others."""
        try:
            request = self._http.build_request(method, server + path, **options)
            response = await self._http.send(request, stream=True)
            if not stream:
                whole = read_whole(response, MAX_ANSWER_BYTES)
                response = await asyncio.wait_for(whole, self._deadline)
        except httpx.TransportError as exc:
            failure = request_failed(server, exc)
            self.pool.failed(server, reason_of(failure))
            return failure
        except TimeoutError:  # a server sending a byte now and then, each read in time
            failure = unreachable(server, TimeoutError(f"no whole answer in {self._deadline:g} s"))
            self.pool.failed(server, reason_of(failure))
            return failure
        except httpx.RequestError as exc:  # it answered, with what cannot be decoded
            raise request_failed(server, exc) from None
        if is_failover_status(response.status_code) and self.pool.several:
            await response.aclose()  # a streamed answer holds its connection until closed
            failure = unavailable(server, response)
            self.pool.failed(server, reason_of(failure))
            return failure
        self.pool.succeeded(server)
        return response

    async def _object(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        return answer_object(await self._request(method, path, **options))

    async def health(self) -> wire.Health:
        """The hub's status while every part works; a degraded hub raises its error."""
        body = await self._object("GET", "/healthz")
        return self._as(wire.Health, body, "the health answer")

    async def emit(self, event: EventLike) -> wire.Accepted:
        """One event (a mapping or a `cloudevents` SDK event) in structured mode:
        `{"accepted", "duplicates", "cursors"}`."""
        return await self._post_events(orjson.dumps(event_dict(event)), STRUCTURED)

    async def emit_batch(self, events: Iterable[EventLike]) -> wire.Accepted:
        """Several events, accepted or rejected together (the error names the bad index)."""
        return await self._post_events(orjson.dumps([event_dict(e) for e in events]), BATCH)

    async def _post_events(self, content: bytes, content_type: str) -> wire.Accepted:
        """POST, waiting out a rate limit as the hub's Retry-After asks, a few times at most."""
        options: dict[str, Any] = {"content": content, "headers": {"Content-Type": content_type}}
        for _ in range(RATE_LIMIT_RETRIES):
            response = await self._request("POST", "/api/events", **options)
            if response.status_code != 429:
                return self._as(wire.Accepted, answer_object(response), "the ingest answer")
            await asyncio.sleep(retry_after(response, RATE_LIMIT_WAIT) or 1.0)
        body = await self._object("POST", "/api/events", **options)
        return self._as(wire.Accepted, body, "the ingest answer")

    async def list(
        self,
        *,
        before: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        **filters: Any,
    ) -> Page:
        """Records newest first. Filters: bucket, severity, status, source, type, q,
        operation, filter (CESQL), lifecycle (bool) — see docs/api.md. A `next` that does
        not move back from `before` is a bad answer: following it would never end."""
        params = query_params({**filters, "before": before, "after": after, "limit": limit})
        response = await self._request("GET", "/api/events", params=params)
        page = self._decoded(wire.Page, response, "the page of records")
        following = page["next"]
        if following is not None and _not_older(following, before):
            what = f"a next cursor {following} that does not move back from {before}"
            raise bad_answer(response, what)
        return Page(items=page["items"], next=following)

    async def get(self, ref: str) -> wire.RecordWithHistory:
        """One record with its lifecycle `history`; `ref` is a cursor, `source#id` or an id."""
        record = await self._object("GET", f"/api/events/{quote(ref, safe='')}")
        return self._as(wire.RecordWithHistory, record, f"the record of {ref[:80]!r}")

    async def summary(self) -> wire.Summary:
        """Counts per bucket and the cursor they were counted at."""
        body = await self._object("GET", "/api/summary")
        return self._as(wire.Summary, body, "the summary")

    async def snapshot(self, max_bytes: int | None = None) -> bytearray | None:
        """The hub's backlog snapshot (store/snapshot.py reads it), or None when it has
        none: a log too small for one, snapshots turned off, or a hub from before them
        (any 404). About 200 bytes an event: read into one buffer sized by its
        Content-Length, a network read at a time, so that no single copy of the whole
        holds the event loop. One larger than `max_bytes` (by default half of this
        machine's memory), announced or arriving, raises notifycenter-1222 before it is
        held: the announced length is allocated at once, so it is checked first."""
        limit = max_bytes if max_bytes is not None else half_of_memory()
        response = await self._request("GET", "/api/snapshot", stream=True)
        try:
            if response.status_code == 404:
                return None
            if not response.is_success:
                answer(await read_whole(response, MAX_ANSWER_BYTES))  # raises the hub's error
            return await _read_into_buffer(response, limit)
        except httpx.RequestError as exc:  # the body broke off or could not be decoded
            raise request_failed(self.server, exc) from None
        finally:
            await response.aclose()

    async def sources(self) -> builtins.list[wire.SourceView]:
        """The hub's sources (`GET /api/sources`): state, last contact, counts, error."""
        body = await self._object("GET", "/api/sources")
        return self._as(wire.Sources, body, "the sources")["sources"]

    async def lifecycle(
        self,
        verb: str,
        refs: Iterable[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        comment: str | None = None,
        until: str | None = None,
        to: str | None = None,
    ) -> wire.LifecycleOutcome:
        """Apply a verb (read, unread, ack, unack, resolve, reopen, archive, assign `to` a
        user, take, release) to refs or a filter."""
        body: dict[str, Any] = {}
        if refs is not None:
            body["refs"] = list(refs)
        if filter is not None:
            body["filter"] = dict(filter)
        if comment is not None:
            body["comment"] = comment
        if until is not None:
            body["until"] = until
        if to is not None:
            body["to"] = to
        path = f"/api/lifecycle/{quote(str(verb), safe='')}"
        outcome = await self._object("POST", path, json=body)
        return self._as(wire.LifecycleOutcome, outcome, "the lifecycle outcome")

    async def whoami(self) -> str:
        """The user this client's token belongs to (`anonymous` on an open hub)."""
        body = await self._object("GET", "/api/whoami")
        return self._as(wire.Identity, body, "the caller's identity")["user"]

    async def operations(self, **filters: Any) -> wire.OperationPage:
        """`{"items": [...], "next": offset or None}`: one page of operations. A `next`
        with no items, or the offset asked for again, is a bad answer: following it would
        never end."""
        response = await self._request("GET", "/api/operations", params=query_params(filters))
        page = self._as(wire.OperationPage, answer_object(response), "the page of operations")
        following = page["next"]
        empty = not page["items"] and "cut_off" not in page  # a cut-off page may be empty
        if following is not None and (empty or following == filters.get("offset")):
            raise bad_answer(response, f"a next offset {following!r} that brings nothing new")
        return page

    async def operation(self, operation_id: str) -> wire.OperationTree:
        tree = await self._object("GET", f"/api/operations/{quote(operation_id, safe='')}")
        return self._as(wire.OperationTree, tree, f"the operation {operation_id[:80]!r}")

    async def silences(self, state: str | None = None) -> builtins.list[SilenceRecord]:
        """Silences newest first: active and pending by default; `state` is a comma-separated
        choice of active, pending, expired, or `all`."""
        body = await self._object("GET", "/api/silences", params=query_params({"state": state}))
        return self._as(SilencePage, body, "the silences")["items"]

    async def silence(self, silence_id: str) -> SilenceRecord:
        """One silence, by id or a prefix of at least 4 characters."""
        body = await self._object("GET", f"/api/silences/{quote(silence_id, safe='')}")
        return self._as(SilenceRecord, body, f"the silence {silence_id[:80]!r}")

    async def add_silence(
        self,
        filter: str,
        *,
        duration: str | None = None,
        ends: str | None = None,
        starts: str | None = None,
        comment: str | None = None,
    ) -> SilenceRecord:
        """Silence what `filter` (CESQL) matches from `starts` (default now) for `duration`
        (`2h`) or until `ends` (RFC 3339)."""
        request = {"filter": filter, "duration": duration, "ends": ends, "starts": starts}
        body = {k: v for k, v in {**request, "comment": comment}.items() if v is not None}
        answer = await self._object("POST", "/api/silences", json=body)
        return self._as(SilenceRecord, answer, "the new silence")

    async def expire_silence(self, silence_id: str) -> SilenceRecord:
        """End a silence now; its events count as open again."""
        path = f"/api/silences/{quote(silence_id, safe='')}/expire"
        return self._as(SilenceRecord, await self._object("POST", path), "the expired silence")

    async def subscriptions(self) -> builtins.list[SubscriptionView]:
        """The subscriptions the caller may see (an operator's own; an admin's, all)."""
        body = await self._object("GET", "/api/subscriptions")
        return self._as(Subscriptions, body, "the subscriptions")["subscriptions"]

    async def subscription(self, ident: str) -> SubscriptionView:
        body = await self._object("GET", _subscription_path(ident))
        return self._as(SubscriptionView, body, "the subscription")

    async def create_subscription(self, resource: Mapping[str, Any]) -> SubscriptionView:
        """Create a subscription (CloudEvents Subscriptions API shape)."""
        body = await self._object("POST", "/api/subscriptions", json=dict(resource))
        return self._as(SubscriptionView, body, "the new subscription")

    async def update_subscription(
        self, ident: str, resource: Mapping[str, Any]
    ) -> SubscriptionView:
        body = await self._object("PUT", _subscription_path(ident), json=dict(resource))
        return self._as(SubscriptionView, body, "the subscription")

    async def delete_subscription(self, ident: str) -> Deleted:
        body = await self._object("DELETE", _subscription_path(ident))
        return self._as(Deleted, body, "the deletion")

    async def test_subscription(self, ident: str) -> SinkTestOutcome:
        """Send one test notification through the subscription's sink now."""
        body = await self._object("POST", _subscription_path(ident) + "/test")
        return self._as(SinkTestOutcome, body, "the test outcome")

    def _as(self, record: type[T], body: object, what: str) -> T:
        """`body` checked and typed as its wire record; anything else is a bad answer."""
        try:
            return wire.validate(record, body)
        except wire.ValidationError as exc:
            raise self._refused(what, exc) from None
        except RecursionError:  # nested deeper than the reader goes (orjson read it)
            raise codes.HUB_BAD_ANSWER.error(f"{self.server}: {what}: nested too deep") from None

    def _decoded(self, record: type[T], response: httpx.Response, what: str) -> T:
        """A success's body read straight into its wire record, for the answers that come
        by the hundred (a backlog's pages); errors and empty bodies go the way of `_as`."""
        if not (response.is_success and response.content):
            return self._as(record, answer_object(response), what)
        try:
            return wire.decode(record, response.content)
        except wire.ValidationError as exc:
            raise self._refused(what, exc) from None
        except (wire.DecodeError, RecursionError):
            raise bad_answer(response, "a body that is not JSON") from None

    def _refused(self, what: str, exc: wire.ValidationError) -> NotifyError:
        return codes.HUB_BAD_ANSWER.error(f"{self.server}: {what}: {str(exc)[:200]}")

    def subscribe(
        self,
        since: str | None = None,
        filter: str | None = None,
        *,
        on_state: StateCallback | None = None,
        return_after: float = RETURN_AFTER,
        **filters: Any,
    ) -> Subscription:
        """Events as they are stored, lifecycle events included, resuming across reconnects.

        `since=None` means from now on; `"0"` replays the whole log. `on_state` hears every
        connection change (connecting, live, reconnecting, closed). With several servers,
        a subscription on a less preferred one checks every `return_after` seconds whether
        a better one is back.
        """
        from notifycenter.client.stream import Subscription

        params = query_params({**filters, "filter": filter})
        return Subscription(
            self.pool,
            self.token,
            since,
            params,
            on_state,
            live_cursor=self._last_cursor_of if since is None else None,
            probe=self._last_cursor_of,
            return_after=return_after,
        )

    async def _last_cursor_of(self, server: str) -> str | None:
        """Where `server`'s log ends; its error when /healthz does not answer 200. The
        stream asks before connecting, and records the outcome in the pool itself."""
        try:
            response = await self._http.get(server + "/healthz")
        except httpx.RequestError as exc:
            raise request_failed(server, exc) from None
        health = self._as(wire.Health, answer_object(response), "the health answer")
        return health["last_cursor"]


T = TypeVar("T")


def unavailable(server: str, response: httpx.Response) -> NotifyError:
    """A 502/503/504 as the "hub unreachable" error, with the hub's own code if it sent one."""
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    said = f" ({code[:40]})" if isinstance(code, str) else ""
    return codes.HUB_UNREACHABLE.error(f"{server}: HTTP {response.status_code}{said}", url=server)


def reason_of(error: NotifyError) -> str:
    """What went wrong at one server, without its code and title (the list has its own)."""
    detail = error.long_description[0] if error.long_description else error.message
    server = error.extra.get("url")
    if server and detail.startswith(f"{server}: "):
        return detail[len(server) + 2 :]
    return detail


def _subscription_path(ident: str) -> str:
    return f"/api/subscriptions/{quote(ident, safe='')}"


async def _read_into_buffer(response: httpx.Response, limit: int) -> bytearray:
    """A streamed body in one buffer of its Content-Length (grown if it says less), at
    most `limit` bytes."""
    declared = response.headers.get("content-length", "0").strip()
    if not declared.isdigit():
        raise bad_answer(response, f"a Content-Length that is not a size: {declared[:40]!r}")
    length = int(declared)
    if length > limit:
        raise _too_large(response, f"announced {length:,} bytes", limit)
    buffer, filled = bytearray(length), 0
    async for chunk in response.aiter_bytes():
        end = filled + len(chunk)
        if end > limit:
            raise _too_large(response, f"sent more than {limit:,} bytes", limit)
        if end > len(buffer):
            buffer.extend(bytes(end - len(buffer)))
        buffer[filled:end] = chunk
        filled = end
    del buffer[filled:]
    return buffer


def _not_older(cursor: str, before: str | None) -> bool:
    return before is not None and before.isdigit() and int(cursor) >= int(before)


def _too_large(response: httpx.Response, what: str, limit: int) -> NotifyError:
    return codes.SNAPSHOT_TOO_LARGE.error(
        f"{response.request.url} {what}; this client holds at most {limit:,}"
    )


def half_of_memory() -> int:
    """Half of this machine's physical memory: the most a snapshot may take, since the
    store it becomes takes about as much again (8 GiB where the system cannot say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (OSError, ValueError, AttributeError):
        return 8 << 30
