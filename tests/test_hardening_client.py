"""Clients against hostile input: text that would break a terminal line, values JSON cannot
carry, a spool that must never cross hubs, and hubs that answer garbage."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve

from notifycenter.client import Emitter, HubClient
from notifycenter.client import hub as client_hub
from notifycenter.client.spool import Spool, hub_folder, normalise_server, spool_name_for
from notifycenter.commands.output import json_text, render_table, short_time
from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize, sanitize_line
from tests.hubprocess import free_port

SOURCE = "urn:meshery:adapter:hardening"
BAD_ANSWER = "notifycenter-1208"


# -- text a terminal would act on ---------------------------------------------------


def test_line_and_paragraph_separators_never_reach_a_table() -> None:
    assert sanitize("one\u2028two\u2029three") == "onetwothree"
    assert sanitize_line("a\x85b\u2028c") == "abc"  # NEL is a C1 control
    assert sanitize("lone \ud800 surrogate") == "lone  surrogate"
    lines = render_table(["SUMMARY"], [["first\u2028second"], ["third\u2029"]], width=80)
    assert len(lines) == 3 and not any(c in "".join(lines) for c in "\u2028\u2029")


def test_earlier_escapes_stay_handled() -> None:
    assert sanitize("[/x] [@click=app.quit]") == "[/x] [@click=app.quit]"  # text, not markup
    assert "\x1b" not in sanitize("\x1b]52;c;aGk=\x07") and sanitize("a\u202eb") == "ab"


def test_json_output_keeps_deep_data_and_escapes_separators() -> None:
    deep: Any = "bottom"
    for _ in range(600):  # orjson reads up to 1024 levels but writes only 254
        deep = {"x": deep}
    text = json_text({"data": deep, "text": "a\u2028b\ud800"}, indent=True)
    assert "\u2028" not in text and "\\u2028" in text and "\\ud800" in text
    assert json.loads(text.replace("\\ud800", ""))["data"] == deep


def test_times_of_any_type_are_shown_as_text() -> None:
    assert short_time(["2026"]) == '["2026"]'
    assert short_time(1732780800) == "1732780800"
    assert short_time("2026-11-28T09:00:00\x1b[2J") == "2026-11-28 09:00:00"


# -- values JSON cannot carry -------------------------------------------------------


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize(
    ("data", "field", "kind"),
    [
        ({"tags": {"a", "b"}}, "data.tags", "set"),
        ({"when": [1, {"raw": b"\x00"}]}, "data.when[1].raw", "bytes"),
        ({"n": 1 << 70}, "data.n", "64-bit"),
        ({(1, 2): "x"}, "data", "tuple"),
        ({1, 2}, "data", "set"),
    ],
)
def test_emit_refuses_non_json_data_with_a_catalogued_error(
    tmp_path: Path, data: Any, field: str, kind: str
) -> None:
    with Emitter(dead_url(), source=SOURCE, data_dir=tmp_path) as emitter:
        with pytest.raises(NotifyError) as caught:
            emitter.emit(type="io.meshery.test", data=data)
        assert caught.value.code == "notifycenter-1217"
        assert caught.value.extra["field"] == field and kind in caught.value.message
        assert emitter.pending == 0  # nothing was queued


# -- the spool belongs to one hub ---------------------------------------------------


def spool_for(data_dir: Path, url: str, events: int) -> Emitter:
    emitter = Emitter(url, source=SOURCE, data_dir=data_dir, max_retry_interval=0.2)
    for n in range(events):
        emitter.emit(type="io.meshery.test", id=f"for-{n}")
    assert emitter.flush(10)
    return emitter


def stored(url: str) -> list[str]:
    async def fetch() -> list[str]:
        async with HubClient(url) as client:
            page = await client.list(source=SOURCE, limit=100)
        return sorted(record["event"]["id"] for record in page.items)

    return asyncio.run(fetch())


def test_events_spooled_for_one_hub_are_never_sent_to_another(hub: Any, tmp_path: Path) -> None:
    elsewhere = dead_url().replace("127.0.0.1", "localhost")
    first = spool_for(tmp_path, elsewhere, 3)
    assert first.spooled == 3
    first.close(0.5)
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as other:
        assert other.spooled == 0
        other.emit(type="io.meshery.test", id="mine")
        assert other.drain(10)
    assert stored(hub.url) == ["mine"]
    # The hub they were for, spelt differently, still finds them.
    same = Emitter(
        elsewhere.replace("localhost", "LocalHost") + "/", source=SOURCE, data_dir=tmp_path
    )
    try:
        assert same.spooled == 3
    finally:
        same.close(0.2)


def test_a_spool_of_the_old_layout_is_reported_and_left_alone(
    hub: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = Spool.open(tmp_path / "spool", spool_name_for(SOURCE))
    event = {"specversion": "1.0", "id": "old", "source": SOURCE, "type": "io.meshery.test"}
    old.append([json.dumps(event).encode()])
    old.close()
    with caplog.at_level(logging.WARNING), Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as e:
        assert e.legacy_spools == [old.folder] and e.spooled == 0
        assert e.drain(10)
    assert stored(hub.url) == []
    assert (
        "notifycenter-1218" in caplog.text
        and str(old.folder) in caplog.text
        and (old.folder / "events.ndjson").stat().st_size
    )


def test_hub_urls_are_normalised_to_one_folder() -> None:
    assert normalise_server("HTTP://Hub.Example/") == "http://hub.example:80"
    assert normalise_server("https://[::1]:9181/base/") == "https://[::1]:9181/base"
    assert hub_folder("http://hub.example") == hub_folder("http://HUB.example:80/")
    assert hub_folder("http://hub.example:9181") != hub_folder("http://hub.example:9182")
    assert "/" not in hub_folder("https://hub.example/a/../b")


# -- hubs that answer garbage -------------------------------------------------------


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> HubClient:
    return HubClient("http://hub.test", transport=httpx.MockTransport(handler))


def answering(status: int, content: bytes, **headers: str) -> HubClient:
    return client_answering(lambda _: httpx.Response(status, content=content, headers=headers))


@pytest.mark.parametrize(
    "content",
    [
        b"[]",
        b'"text"',
        b"{not json",
        b"\xff\xfe{}",
        b'{"items": 5}',
        b'{"items": [1, 2]}',
        b'{"items": [{"event": "text", "cursor": "1"}]}',
        b'{"items": [], "next": 7}',
        b'{"items": [], "next": "abc"}',
    ],
)
async def test_a_list_answer_of_the_wrong_shape_is_a_catalogued_error(content: bytes) -> None:
    async with answering(200, content) as client:
        with pytest.raises(NotifyError) as caught:
            await client.list()
    assert caught.value.code == BAD_ANSWER


@pytest.mark.parametrize("following", ["5", "6", "0000000000000005"])
async def test_a_next_that_does_not_move_back_is_a_bad_answer(following: str) -> None:
    """Followed, it would ask for the same page forever (the TUI's backlog, `events list`)."""
    page = json.dumps({"items": [], "next": following}).encode()
    async with answering(200, page) as client:
        with pytest.raises(NotifyError) as caught:
            await client.list(before="5")
        assert (await client.list()).next == following  # no `before`: nothing to compare
    assert caught.value.code == BAD_ANSWER
    async with answering(200, json.dumps({"items": [], "next": "4"}).encode()) as client:
        assert (await client.list(before="5")).next == "4"


OPERATION = {
    **dict.fromkeys(
        ("trace_id", "parent", "progress", "done", "total", "message", "subject"), None
    ),
    **dict.fromkeys(("started_at", "ended_at", "last_heard", "duration", "eta"), None),
    **{"error": None, "cursor": None, "finished_children": 0, "event_count": 1, "children": 0},
    **{"id": "op", "name": "deploy", "state": "running", "source": "s", "started_by": "u"},
}


@pytest.mark.parametrize(
    ("offset", "items", "following"),
    [(None, [], "100"), ("100", [], "200"), ("100", [OPERATION], "100")],
)
async def test_an_operations_page_that_brings_nothing_new_is_a_bad_answer(
    offset: str | None, items: list[Any], following: str
) -> None:
    """Followed, it would ask for pages forever (the TUI's operation center)."""
    page = {"items": items, "next": following, "stall_after": 300.0, "last_cursor": "1"}
    async with answering(200, json.dumps(page).encode()) as client:
        with pytest.raises(NotifyError) as caught:
            await client.operations(root=True, offset=offset)
        fine = {**page, "items": [OPERATION], "next": "200"}
    assert caught.value.code == BAD_ANSWER
    async with answering(200, json.dumps(fine).encode()) as client:
        assert (await client.operations(root=True, offset=offset))["next"] == "200"


@pytest.mark.parametrize(
    ("call", "content"),
    [
        ("summary", b"[1, 2]"),
        ("health", b'{"status": "ok", "last_cursor": 12}'),
        ("health", b'{"last_cursor": "99999999999999999999999999"}'),
        ("summary", b"null"),
        ("get", b'"x"'),
        ("get", b'{"event": {}, "history": [1]}'),
        ("get", b'{"event": [], "history": []}'),
        ("emit", b'{"accepted": "1", "duplicates": 0, "cursors": []}'),
        ("emit", b'{"accepted": 1, "duplicates": 0, "cursors": [7]}'),
        ("lifecycle", b'{"changed": "many", "cursors": []}'),
        ("lifecycle", b'{"changed": 1, "cursors": "0000000000000001"}'),
        ("operations", b'{"items": [1], "next": null}'),
        ("operations", b'{"items": [], "next": 2}'),
        ("operation", b"[]"),
    ],
)
async def test_other_answers_of_the_wrong_shape_are_catalogued_errors(
    call: str, content: bytes
) -> None:
    calls = {
        "get": lambda c: c.get("1"),
        "emit": lambda c: c.emit({"id": "x"}),
        "lifecycle": lambda c: c.lifecycle("ack", refs=["1"]),
        "operation": lambda c: c.operation("abc"),
    }
    async with answering(200, content) as client:
        with pytest.raises(NotifyError) as caught:
            await calls.get(call, lambda c: getattr(c, call)())(client)
    assert caught.value.code == BAD_ANSWER


async def test_a_body_that_cannot_be_decoded_is_a_bad_answer() -> None:
    async with answering(200, b"not gzip at all", **{"Content-Encoding": "gzip"}) as client:
        with pytest.raises(NotifyError) as caught:
            await client.summary()
    assert caught.value.code == BAD_ANSWER
    summary = b'{"buckets": {}, "last_cursor": "5"}'
    async with answering(200, gzip.compress(summary), **{"Content-Encoding": "gzip"}) as client:
        assert (await client.summary())["last_cursor"] == "5"


async def test_an_error_body_with_odd_types_still_reads_as_the_hubs_error() -> None:
    deep: Any = "x"
    for _ in range(900):
        deep = [deep]
    body = {"code": "notifycenter-1001", "shortDescription": [deep, "bad event", 7], "index": 2}
    async with answering(400, json.dumps(body).encode()) as client:
        with pytest.raises(NotifyError) as caught:
            await client.emit({"id": "x"})
    assert caught.value.code == "notifycenter-1001"
    assert caught.value.short_description == ["bad event"] and caught.value.extra["index"] == 2


async def test_a_stream_frame_that_is_not_an_event_drops_the_connection_not_the_subscription() -> (
    None
):
    connections = 0
    good = {"specversion": "1.0", "id": "a", "source": SOURCE, "type": "t", "cursor": "7"}

    async def handler(socket: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        frames = ["{garbage", json.dumps({"no": "cursor"}), json.dumps(good)]
        await socket.send(frames[min(connections - 1, 2)])
        await socket.wait_closed()

    states: list[str | None] = []
    async with serve(handler, "127.0.0.1", 0, subprotocols=["cloudevents.json"]) as server:
        port = server.sockets[0].getsockname()[1]
        async with HubClient(f"http://127.0.0.1:{port}") as client:
            subscription = client.subscribe(
                since="0", on_state=lambda s: states.append(s.last_error)
            )
            async with asyncio.timeout(20):
                received = await anext(aiter(subscription))
    assert received["id"] == "a" and connections == 3
    assert sum(BAD_ANSWER in (reason or "") for reason in states) == 2


# -- a backlog snapshot is held in memory whole: its size is bounded first -------------

TOO_LARGE = "notifycenter-1222"


class _Announces(BaseHTTPRequestHandler):
    """Announces a petabyte of snapshot and sends a few bytes."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10**15))
        self.end_headers()
        self.wfile.write(b"NCSNAP")
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


async def test_a_snapshot_announced_larger_than_memory_is_refused_unread() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Announces)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        async with HubClient(f"http://127.0.0.1:{server.server_address[1]}") as client:
            with pytest.raises(NotifyError) as caught:
                await asyncio.wait_for(client.snapshot(), 10)
    finally:
        server.shutdown()
    assert caught.value.code == TOO_LARGE and "1,000,000,000,000,000" in caught.value.message


async def test_a_snapshot_that_sends_more_than_the_bound_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536

    def endless(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # chunked: no length announced

    async with client_answering(endless) as client:
        assert len(await client.snapshot(max_bytes=64 * 65536) or b"") == 64 * 65536
        with pytest.raises(NotifyError) as caught:
            await client.snapshot(max_bytes=1_000_000)
    assert caught.value.code == TOO_LARGE


async def test_a_snapshot_length_that_is_not_a_size_is_a_bad_answer() -> None:
    async with answering(200, b"NCSNAP", **{"Content-Length": "-5"}) as client:
        with pytest.raises(NotifyError) as caught:
            await client.snapshot()
    assert caught.value.code == BAD_ANSWER


# -- every answer is read whole within a bound and a deadline -------------------------

UNREACHABLE = "notifycenter-1207"


@pytest.fixture
def small_answers(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(client_hub, "MAX_ANSWER_BYTES", 1 << 20)
    return 1 << 20


async def test_an_answer_that_unfolds_beyond_the_bound_is_a_bad_answer(small_answers: int) -> None:
    bomb = gzip.compress(b" " * (4 * small_answers))  # ~4 KB on the wire
    async with answering(200, bomb, **{"Content-Encoding": "gzip"}) as client:
        with pytest.raises(NotifyError) as caught:
            await client.summary()
    assert caught.value.code == BAD_ANSWER and "more than 1,048,576 bytes" in caught.value.message


async def test_an_answer_that_never_ends_is_a_bad_answer(small_answers: int) -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b" " * 65536

    async with client_answering(lambda _: httpx.Response(200, content=endless())) as client:
        with pytest.raises(NotifyError) as caught:
            await asyncio.wait_for(client.summary(), 10)
    assert caught.value.code == BAD_ANSWER


class _Drips(BaseHTTPRequestHandler):
    """Answers a byte at a time, each soon enough for a read timeout, never done."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


async def test_an_answer_that_drips_is_given_up_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_hub, "MIN_ANSWER_DEADLINE", 2.0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drips)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        async with HubClient(url, timeout=0.3) as client:
            started = time.monotonic()
            with pytest.raises(NotifyError) as caught:
                await client.summary()
    finally:
        server.shutdown()
    assert caught.value.code == UNREACHABLE and "no whole answer in 2 s" in caught.value.message
    assert time.monotonic() - started < 10


class _NotAHub(BaseHTTPRequestHandler):
    status, body, encoding = 404, b"<html>not found</html>", ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        if self.encoding:
            self.send_header("Content-Encoding", self.encoding)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


BOMB = gzip.compress(b" " * (8 << 20), mtime=0)  # 8 KB on the wire, 8 MiB unfolded


@pytest.mark.parametrize(
    ("status", "body", "encoding"),
    [
        (404, b"<html>not found</html>", ""),
        (200, b"<html>portal</html>", ""),
        (202, b"{}", ""),
        (202, BOMB, "gzip"),  # read up to its bound only
    ],
    ids=["not-found", "portal", "empty", "gzip-bomb"],
)
def test_an_answer_that_is_not_a_hubs_keeps_the_events(
    tmp_path: Path, status: int, body: bytes, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="notifycenter")
    handler = type("Handler", (_NotAHub,), {"status": status, "body": body, "encoding": encoding})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        emitter = Emitter(url, source=SOURCE, data_dir=tmp_path, max_retry_interval=0.2)
        for n in range(3):
            emitter.emit(type="io.meshery.test", id=f"kept-{n}")
        assert emitter.flush(10)
        assert emitter.spooled == 3  # not acknowledged, so not dropped
        emitter.close(0.2)
        if encoding:
            assert "a body of more than 1,048,576 bytes" in caplog.text
    finally:
        server.shutdown()
        server.server_close()


async def test_a_frame_too_large_to_be_an_event_is_not_buffered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("notifycenter.client.stream.MAX_FRAME_BYTES", 64 * 1024)
    connections = 0
    good = {"specversion": "1.0", "id": "b", "source": SOURCE, "type": "t", "cursor": "9"}

    async def handler(socket: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        huge = json.dumps({**good, "data": "x" * 100_000})
        await socket.send(huge if connections == 1 else json.dumps(good))
        await socket.wait_closed()

    states: list[str | None] = []
    async with serve(handler, "127.0.0.1", 0, subprotocols=["cloudevents.json"]) as server:
        port = server.sockets[0].getsockname()[1]
        async with HubClient(f"http://127.0.0.1:{port}") as client:
            subscription = client.subscribe(
                since="0", on_state=lambda s: states.append(s.last_error)
            )
            async with asyncio.timeout(20):
                received = await anext(aiter(subscription))
    assert received["id"] == "b" and connections == 2
    assert any("1009" in (reason or "") for reason in states)
