"""A CloudEvents HTTP receiver on loopback for the subscription tests: Starlette in a
uvicorn thread on a free port, checking the binding and answering the webhook handshake.

`received` holds every event as decoded (binary or structured or batched), with the mode
it came in; `status` makes it answer errors (a sink that is down) and `allowed_origin`
what it answers to OPTIONS (None: no WebHook-Allowed-Origin at all).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    mode: str
    event: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    allowed_origin: str | None = "*"
    status: int = 200
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)
    handshakes: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/events"

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.event for r in self.received]

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/events", self._endpoint, methods=["POST", "PUT", "OPTIONS"])]
        )

    async def _endpoint(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "OPTIONS":
            with self.lock:
                self.handshakes.append(headers)
            answer = {}
            if self.allowed_origin is not None:
                answer["WebHook-Allowed-Origin"] = self.allowed_origin
            return Response(status_code=200, headers=answer)
        try:
            body = await request.body()
        except ClientDisconnect:  # the sender died mid-request (kill -9): nothing arrived
            return Response(status_code=400)
        if self.status >= 300:
            extra = {"Retry-After": self.retry_after} if self.retry_after else {}
            return Response(status_code=self.status, headers=extra)
        content_type = headers.get("content-type", "").split(";")[0].strip()
        try:
            decoded = self._decode(content_type, headers, body)
        except Exception as exc:  # noted and refused, as a strict receiver would
            with self.lock:
                self.problems.append(f"{type(exc).__name__}: {exc}")
            return Response(status_code=400)
        with self.lock:
            self.received.extend(decoded)
        return Response(status_code=202)

    def _decode(self, content_type: str, headers: dict[str, str], body: bytes) -> list[Received]:
        if content_type == "application/cloudevents+json":
            event = orjson.loads(body)
            _check(event)
            return [Received("structured", event, headers)]
        if content_type == "application/cloudevents-batch+json":
            events = orjson.loads(body)
            assert isinstance(events, list)
            for event in events:
                _check(event)
            return [Received("batched", e, headers) for e in events]
        event = {k[3:]: unquote(v) for k, v in headers.items() if k.startswith("ce-")}
        _check(event)
        if content_type:
            event["datacontenttype"] = content_type
        if body:
            event["data"] = orjson.loads(body) if "json" in content_type else body.decode()
        return [Received("binary", event, headers)]

    def start(self) -> Receiver:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])),  # type: ignore[union-attr]
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)


def _check(event: dict[str, Any]) -> None:
    for name in ("specversion", "id", "source", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"the event lacks {name}")
    if event["specversion"] != "1.0":
        raise ValueError("specversion is not 1.0")
