"""A Meshery server's events API, for tests: the behaviour of Meshery's handlers.

What it reproduces, because the source depends on it: both wire shapes (`casing="snake"`
as before meshkit 2026-04, `"camel"` after, with `owner`); `GET /api/system/events`
with 0-based `page`, `pagesize` (`all`), `sort`/`order`, `search`, `status`, and
`category`/`action`/`severity`/`actedUpon` as JSON-encoded arrays; the live stream
`GET /api/system/events/subscribe` (one `data:` line per event, `: keepalive` comments,
no ids, no replay) whose broadcaster gives each subscriber a buffer of one and drops
what a slow reader has not taken; status PUTs (single and bulk) that refuse anything
but read and unread with a 500, as Meshery's database hook does; soft deletes; and the
provider + token cookie check in front of every route.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

SEVERITIES = (
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "informational",
    "debug",
    "success",
)
SNAKE = {
    "systemId": "system_id",
    "operationId": "operation_id",
    "actedUpon": "acted_upon",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "deletedAt": "deleted_at",
    "owner": "user_id",
}
LIST_FILTERS = {"category": "category", "action": "action", "severity": "severity"}


class MesheryServer:
    """Serve on 127.0.0.1 in a thread; `add_event` publishes like Meshery's persister."""

    def __init__(
        self,
        token: str | None = "meshery-jwt",
        provider: str = "Meshery",
        casing: str = "camel",
        keepalive: float = 15.0,
    ) -> None:
        self.token, self.provider, self.casing, self.keepalive = token, provider, casing, keepalive
        self.system_id = str(uuid.uuid4())
        self.owner = str(uuid.uuid4())
        self.events: dict[str, dict[str, Any]] = {}  # id -> event (camelCase), insertion order
        self.status_puts: list[tuple[list[str], str]] = []
        self.page_requests = 0
        self.dropped = 0
        self._subscribers: set[asyncio.Queue[bytes | None]] = set()
        self._last = datetime.now(UTC) - timedelta(days=1)
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._order: tuple[Any, list[dict[str, Any]]] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- the test's side ---------------------------------------------------------------

    def add_event(self, publish: bool = True, **fields: Any) -> dict[str, Any]:
        """Persist an event, then publish it to the live streams (best effort, like Meshery)."""
        now = self._tick()
        event = {
            "id": str(uuid.uuid4()),
            "owner": self.owner,
            "systemId": self.system_id,
            "operationId": str(uuid.uuid4()),
            "actedUpon": str(uuid.uuid4()),
            "category": "pattern",
            "action": "deploy",
            "description": "",
            "severity": "informational",
            "status": "unread",
            "metadata": {},
            "createdAt": now,
            "updatedAt": now,
            "deletedAt": None,
        } | fields
        with self._lock:
            self.events[event["id"]] = event
        if publish:
            self._publish(event)
        return event

    def add_many(self, count: int, **fields: Any) -> None:
        """Persist without publishing (a backfill's history)."""
        for index in range(count):
            self.add_event(publish=False, description=f"event {index}", **fields)

    def set_status(self, event_id: str, status: str) -> None:
        with self._lock:
            event = self.events[event_id]
            event["status"], event["updatedAt"] = status, self._tick()

    def drop_streams(self) -> None:
        """Cut every live stream, as a restarted Meshery or a proxy would."""
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._close_all)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def _tick(self) -> str:
        with self._lock:
            now = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
            self._last = now
        return now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"  # Go's RFC 3339 with nanoseconds

    def _publish(self, event: dict[str, Any]) -> None:
        if self._loop is None:
            return
        data = b"data: " + orjson.dumps(self._wire(event)) + b"\n\n"
        self._loop.call_soon_threadsafe(self._fan_out, data)

    def _fan_out(self, data: bytes) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:  # Meshery's non-blocking send: the event is lost
                self.dropped += 1

    def _close_all(self) -> None:
        for queue in list(self._subscribers):
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(None)

    def _wire(self, event: dict[str, Any]) -> dict[str, Any]:
        if self.casing == "camel":
            return dict(event)
        return {SNAKE.get(k, k): v for k, v in event.items()}

    # -- the server ----------------------------------------------------------------------

    def start(self) -> MesheryServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        started = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            started.set()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        assert started.wait(10), "the Meshery test server did not start"
        return self

    def stop(self) -> None:
        if self._server is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._close_all)
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> MesheryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/system/events", self._list, methods=["GET"]),
                Route("/api/system/events", self._post, methods=["POST"]),
                Route("/api/system/events/subscribe", self._subscribe, methods=["GET"]),
                Route("/api/system/events/types", self._types, methods=["GET"]),
                Route("/api/system/events/status/bulk", self._bulk_status, methods=["PUT"]),
                Route("/api/system/events/status/{id}", self._status, methods=["PUT"]),
                Route("/api/system/events/bulk", self._bulk_delete, methods=["DELETE"]),
                Route("/api/system/events/{id}", self._delete, methods=["DELETE"]),
            ]
        )

    def _refusal(self, request: Request) -> Response | None:
        """Meshery's provider middleware, then its auth middleware (token None: open)."""
        if self.token is None:
            return None
        if not request.cookies.get("meshery-provider"):
            return RedirectResponse("/provider", 302)
        if request.cookies.get("token") != self.token:
            return Response("Unauthorized", 401)
        return None

    def _sorted(
        self, events: list[dict[str, Any]], query: tuple[Any, ...], key: str, reverse: bool
    ) -> list[dict[str, Any]]:
        """Sorted like Meshery's ORDER BY; kept while nothing changed and the query is the same."""
        stamp = (self._last, query)
        if self._order is None or self._order[0] != stamp:
            self._order = (stamp, sorted(events, key=lambda e: e[key], reverse=reverse))
        return self._order[1]

    def _live(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events.values() if e["deletedAt"] is None]

    async def _list(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        self.page_requests += 1
        q = request.query_params
        events = self._live()
        try:
            for param, key in LIST_FILTERS.items():
                if q.get(param):
                    wanted = orjson.loads(q[param])
                    events = [e for e in events if e[key] in wanted]
            acted = q.get("actedUpon") or q.get("acted_upon")
            if acted:
                wanted = orjson.loads(acted)
                events = [e for e in events if e["actedUpon"] in wanted]
        except orjson.JSONDecodeError as exc:
            return JSONResponse({"error": f"filter is not a JSON array: {exc}"}, 500)
        if q.get("status"):
            events = [e for e in events if e["status"] == q["status"]]
        if q.get("search"):
            events = [e for e in events if q["search"].lower() in e["description"].lower()]
        sort = {"created_at": "createdAt", "name": "description"}.get(
            q.get("sort", ""), "updatedAt"
        )
        query = tuple(sorted((k, v) for k, v in q.items() if k not in ("page", "pagesize")))
        events = self._sorted(events, query, sort, q.get("order", "desc") != "asc")
        size_text = q.get("pagesize", "25")
        page = int(q.get("page", "0"))
        size = (len(events) or 1) if size_text == "all" else int(size_text)
        chunk = events[page * size : (page + 1) * size]
        counts = {}
        for event in events:
            counts[event["severity"]] = counts.get(event["severity"], 0) + 1
        levels = [{"severity": s, "count": n} for s, n in counts.items()]
        wire = [self._wire(e) for e in chunk]
        if self.casing == "camel":
            body = {"events": wire, "page": page, "pageSize": size, "totalCount": len(events)}
            body |= {
                "countBySeverityLevel": levels,
                "readCount": sum(e["status"] == "read" for e in events),
            }
        else:
            body = {"events": wire, "page": page, "page_size": size, "total_count": len(events)}
            body |= {"count_by_severity_level": levels}
        return Response(orjson.dumps(body), media_type="application/json")

    async def _post(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        body = orjson.loads(await request.body())
        acted = body.get("actedUpon")
        if (
            not acted
            or acted == str(uuid.UUID(int=0))
            or not all(body.get(k) for k in ("action", "category", "severity"))
        ):
            return JSONResponse(
                {"error": "actedUpon, action, category and severity are required"}, 400
            )
        fields = {
            k: body[k]
            for k in ("actedUpon", "action", "category", "severity", "description", "metadata")
            if k in body
        }
        return JSONResponse(self._wire(self.add_event(**fields)), 201)

    async def _subscribe(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)

        async def frames() -> AsyncIterator[bytes]:
            try:
                while True:
                    try:
                        data = await asyncio.wait_for(queue.get(), self.keepalive)
                    except TimeoutError:
                        yield b": keepalive\n\n"
                        continue
                    if data is None:
                        return
                    yield data
            finally:
                self._subscribers.discard(queue)

        headers = {"Cache-Control": "no-cache", "Connection": "keep-alive"}
        return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)

    async def _types(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        events = self._live()
        return JSONResponse(
            {
                "category": sorted({e["category"] for e in events}),
                "action": sorted({e["action"] for e in events}),
            }
        )

    async def _status(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        return self._set(
            request, [request.path_params["id"]], orjson.loads(await request.body()).get("status")
        )

    async def _bulk_status(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        body = orjson.loads(await request.body())
        return self._set(request, list(body.get("ids") or []), body.get("status"))

    def _set(self, request: Request, ids: list[str], status: Any) -> Response:
        if status not in ("read", "unread"):  # Meshery's BeforeUpdate hook
            return JSONResponse({"error": f"invalid status {status!r}"}, 500)
        self.status_puts.append((ids, status))
        for event_id in ids:
            if event_id in self.events:
                self.set_status(event_id, status)
        return Response(b"", 200)

    async def _delete(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        self._soft_delete([request.path_params["id"]])
        return Response(status_code=204)

    async def _bulk_delete(self, request: Request) -> Response:
        if refusal := self._refusal(request):
            return refusal
        self._soft_delete(list(orjson.loads(await request.body()).get("ids") or []))
        return Response(status_code=204)

    def _soft_delete(self, ids: list[str]) -> None:
        for event_id in ids:
            if event_id in self.events:
                self.events[event_id]["deletedAt"] = self._tick()


SEVERITY_CHOICES = SEVERITIES
