"""Sources against upstreams that never stop sending, send too slowly to finish, or fail
at once, again and again: each ends with a catalogued error, and retries slow down."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from notifycenter.catalogue import meshery as codes
from notifycenter.hub.settings import HubSettings
from notifycenter.model.errors import NotifyError
from notifycenter.sources import meshery, runner
from notifycenter.sources.meshery import MesheryClient
from notifycenter.sources.runner import SourceRunner, SourceState, parse_source

Send = Callable[[asyncio.StreamWriter], Awaitable[None]]
STREAM_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
PAGE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"


@contextlib.asynccontextmanager
async def upstream(send: Send) -> AsyncIterator[str]:
    """A server that reads one request and answers it with whatever `send` writes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            await send(writer)
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def endless(writer: asyncio.StreamWriter, head: bytes, opening: bytes) -> None:
    writer.write(head + opening)
    while True:
        writer.write(b"x" * 65536)
        await writer.drain()


async def dripping(writer: asyncio.StreamWriter, head: bytes, opening: bytes) -> None:
    writer.write(head + opening)
    while True:
        await asyncio.sleep(0.1)
        writer.write(b"x")
        await writer.drain()


async def read_stream(url: str) -> None:
    client = MesheryClient(url, None, None)
    try:
        async with asyncio.timeout(15), client.subscribe() as live:
            async for _ in live:
                pass
    finally:
        await client.close()


async def read_page(url: str) -> None:
    client = MesheryClient(url, None, None)
    try:
        async with asyncio.timeout(15):
            await client.page(0, 10)
    finally:
        await client.close()


async def failure_of(reading: Awaitable[None]) -> NotifyError:
    with pytest.raises(NotifyError) as caught:
        await reading
    return caught.value


async def test_an_endless_line_on_the_live_stream_fails_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpx-sse buffered the line as long as it came: 1.8 GB of the hub in 10 s."""
    monkeypatch.setattr(meshery, "STREAM_MESSAGE_BYTES", 1 << 20)
    async with upstream(lambda w: endless(w, STREAM_HEAD, b": keepalive\n\ndata: ")) as url:
        error = await failure_of(read_stream(url))
    assert error.code == codes.MESHERY_BAD_ANSWER.code
    assert "more than 1,048,576 bytes" in error.message


async def test_a_live_stream_that_drips_but_never_ends_a_message_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each byte came within the read timeout, so the stream stayed "alive" for good."""
    monkeypatch.setattr(meshery, "STREAM_IDLE", 1.0)
    async with upstream(lambda w: dripping(w, STREAM_HEAD, b"data: ")) as url:
        error = await failure_of(read_stream(url))
    assert error.code == codes.MESHERY_UNREACHABLE.code
    assert "no whole message in 1 s" in error.message


async def test_keepalives_keep_a_quiet_stream_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound counts whole messages: comments every half second outlive STREAM_IDLE."""
    monkeypatch.setattr(meshery, "STREAM_IDLE", 1.0)

    async def keepalives(writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD)
        for _ in range(6):
            writer.write(b": keepalive\n\n")
            await writer.drain()
            await asyncio.sleep(0.5)
        writer.write(b'data: {"id": "one"}\r\n\r\n')
        await writer.drain()

    async with upstream(keepalives) as url:
        client = MesheryClient(url, None, None)
        try:
            async with asyncio.timeout(15), client.subscribe() as live:
                items = [item async for item in live]
        finally:
            await client.close()
    assert items == [{"id": "one"}]


async def stream_items(url: str, pause_after_first: float = 0.0) -> list[Any]:
    """The items of the live stream until it ends; the consumer may dawdle after one."""
    client = MesheryClient(url, None, None)
    items: list[Any] = []
    try:
        async with asyncio.timeout(15), client.subscribe() as live:
            async for item in live:
                items.append(item)
                if len(items) == 1:
                    await asyncio.sleep(pause_after_first)
    finally:
        await client.close()
    return items


async def test_crlf_keepalives_a_byte_at_a_time_keep_a_stream_alive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Message ends are found across chunk edges and in every line-break style."""
    monkeypatch.setattr(meshery, "STREAM_IDLE", 1.0)

    async def bytewise(writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD)
        for byte in b": keepalive\r\n\r\n" * 6 + b'data: {"id": "one"}\r\r':
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.02)

    async with upstream(bytewise) as url:
        assert await stream_items(url) == [{"id": "one"}]


async def test_a_stream_is_read_as_utf8_whatever_charset_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bound finds line breaks in bytes; under `charset=utf-16-le` the parser saw none
    (an endless line the bound missed: 1.2 GB in 6 s) and no event ever came."""
    head = STREAM_HEAD.replace(b"event-stream", b"event-stream; charset=utf-16-le")

    async def named(writer: asyncio.StreamWriter) -> None:
        writer.write(head + b'data: {"id": "one"}\n\n')
        await writer.drain()

    async with upstream(named) as url:
        assert await stream_items(url) == [{"id": "one"}]


async def test_the_hubs_own_delay_is_not_the_streams_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Storing an event took longer than STREAM_IDLE (a slow disk): the stream was called
    dead at its next read, torn down and read again from a resync."""
    monkeypatch.setattr(meshery, "STREAM_IDLE", 1.0)

    async def steady(writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD)
        for index in range(8):
            writer.write(b'data: {"id": %d}\n\n' % index)
            await writer.drain()
            await asyncio.sleep(0.2)

    async with upstream(steady) as url:
        items = await stream_items(url, pause_after_first=1.5)
    assert items == [{"id": index} for index in range(8)]


async def test_a_stream_never_accepted_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers dripping a byte at a time kept the source connecting for good."""
    monkeypatch.setattr(meshery, "ANSWER_SECONDS", 1.0)
    async with upstream(lambda w: dripping(w, b"", b"HTTP/1.1 200 OK\r\nX-Slow: ")) as url:
        error = await failure_of(read_stream(url))
    assert error.code == codes.MESHERY_UNREACHABLE.code
    assert "not accepted within 1 s" in error.message


async def test_a_compressed_live_stream_is_refused() -> None:
    """Its bytes could not be bounded before they unfold."""
    head = STREAM_HEAD.replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n")

    async def compressed(writer: asyncio.StreamWriter) -> None:
        writer.write(head + gzip.compress(b'data: {"id": "one"}\n\n'))
        await writer.drain()

    async with upstream(compressed) as url:
        error = await failure_of(read_stream(url))
    assert error.code == codes.MESHERY_BAD_ANSWER.code and "gzip" in error.message


async def test_a_page_without_end_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meshery, "ANSWER_BYTES", 1 << 20)
    async with upstream(lambda w: endless(w, PAGE_HEAD, b'{"events": ["')) as url:
        error = await failure_of(read_page(url))
    assert error.code == codes.MESHERY_BAD_ANSWER.code
    assert "more than 1,048,576 bytes" in error.message


async def test_a_page_that_drips_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resync waited for it as long as bytes kept coming."""
    monkeypatch.setattr(meshery, "ANSWER_SECONDS", 1.0)
    async with upstream(lambda w: dripping(w, PAGE_HEAD, b'{"events": [')) as url:
        error = await failure_of(read_page(url))
    assert error.code == codes.MESHERY_UNREACHABLE.code
    assert "no whole answer within 1 s" in error.message


class FailsOnceFollowing:
    """A source that reaches following and fails at once, as a stream closed on accept."""

    writeback_prefix = None

    def __init__(self) -> None:
        self.config = parse_source("meshery+http://127.0.0.1:1", {})
        self.runs = 0

    async def run(self, ctx: runner.SourceContext) -> None:
        self.runs += 1
        ctx.state(SourceState.FOLLOWING)
        raise codes.MESHERY_UNREACHABLE.error("the live stream ended")


async def test_a_source_that_fails_as_soon_as_it_follows_slows_down(tmp_path: Path) -> None:
    """Reaching following reset the backoff: such a source retried every 0.25-0.5 s, for
    good (a Meshery status write-back answering 500 did the same)."""
    source = FailsOnceFollowing()
    supervisor = SourceRunner([])
    status = runner.SourceStatus("s", source.config.url, "meshery")
    hub = SimpleNamespace(settings=HubSettings(data_dir=tmp_path))
    task = asyncio.create_task(supervisor._supervise(source, status, hub))  # type: ignore[arg-type]
    await asyncio.sleep(3.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # Pauses of at least 0.25, 0.5, 1 and 2 s: four runs at most in three seconds.
    assert 2 <= source.runs <= 4, source.runs
    assert status.state is SourceState.FAILING


async def test_a_source_that_followed_for_a_while_retries_at_once_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "STEADY_SECONDS", 0.0)
    source = FailsOnceFollowing()
    status = runner.SourceStatus("s", source.config.url, "meshery")
    hub = SimpleNamespace(settings=HubSettings(data_dir=tmp_path))
    task = asyncio.create_task(SourceRunner([])._supervise(source, status, hub))  # type: ignore[arg-type]
    await asyncio.sleep(3.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # A pause of 0.25-0.5 s each time: five runs by 2 s. Growing pauses allow four in 3 s.
    assert source.runs >= 5, source.runs
