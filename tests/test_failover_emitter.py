"""The Emitter with several servers: a batch the first server cannot take goes to the
next at once, and the spool (the durability net) is only for when none takes it."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from notifycenter.client import Emitter, HubClient
from tests.hubprocess import free_port

SOURCE = "urn:meshery:adapter:failover"


def stored_ids(url: str) -> list[str]:
    async def fetch() -> list[str]:
        async with HubClient(url) as hub:
            page = await hub.list(source=SOURCE, limit=100)
        return sorted(record["event"]["id"] for record in page.items)

    return asyncio.run(fetch())


def test_an_emitter_whose_first_server_is_a_closed_port_delivers_to_the_second(
    hub: Any, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    emitter = Emitter([closed, hub.url], source=SOURCE, data_dir=tmp_path, flush_interval=0.05)
    try:
        ids = [emitter.emit(type="io.meshery.test", summary=f"n{n}")["id"] for n in range(5)]
        assert emitter.drain(timeout=10)
        assert emitter.spooled == 0  # taken directly, not after a spool replay
        assert emitter.current_server == hub.url
        ids += [emitter.emit(type="io.meshery.test", summary="later")["id"]]
        assert emitter.drain(timeout=10)
    finally:
        emitter.close()
    assert stored_ids(hub.url) == sorted(ids)


def test_when_no_server_takes_a_batch_it_waits_in_the_spool_of_that_set_of_servers(
    tmp_path: Path,
) -> None:
    servers = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    emitter = Emitter(servers, source=SOURCE, data_dir=tmp_path, flush_interval=0.05)
    try:
        emitter.emit(type="io.meshery.test", summary="kept")
        assert emitter.flush(timeout=10)
        assert emitter.spooled == 1
        alone = Emitter(servers[0], source=SOURCE, data_dir=tmp_path)
        try:  # one of the servers alone is not the same hub: its spool is another
            assert alone.spool_path != emitter.spool_path and alone.spooled == 0
        finally:
            alone.close(timeout=0.1)
    finally:
        emitter.close(timeout=0.1)
    again = Emitter(list(reversed(servers)), source=SOURCE, data_dir=tmp_path)
    try:  # the same servers in another order are the same hub: the event is still there
        assert again.spool_path == emitter.spool_path and again.spooled == 1
    finally:
        again.close(timeout=0.1)


class _Unavailable(BaseHTTPRequestHandler):
    """A server in front of a hub that is down: every POST is a 503."""

    posts = 0

    def do_POST(self) -> None:
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"code": "notifycenter-1705", "shortDescription": ["degraded"]}'
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        return


def test_a_503_from_the_first_server_sends_the_batch_to_the_second(
    hub: Any, tmp_path: Path
) -> None:
    unavailable = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=unavailable.serve_forever, daemon=True).start()
    first = f"http://127.0.0.1:{unavailable.server_address[1]}"
    try:
        with Emitter([first, hub.url], source=SOURCE, data_dir=tmp_path) as emitter:
            sent = emitter.emit(type="io.meshery.test", summary="through the second")["id"]
            assert emitter.flush(timeout=10) and emitter.spooled == 0
            assert emitter.current_server == hub.url
    finally:
        unavailable.shutdown()
    assert _Unavailable.posts == 1 and stored_ids(hub.url) == [sent]
