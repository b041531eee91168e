"""The command line against a hub that answers what no hub of this version would: pages
that never end, operation trees a thousand deep or listing an id twice, errors of the
wrong shape, payloads nested past what a writer goes, stream upgrades sent elsewhere and
text that would act on a terminal. Each gives output or a catalogued error, never a
traceback, a hang or all memory.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest
import yaml  # type: ignore[import-untyped]

from notifycenter.client import HubClient
from notifycenter.client.stream import ConnectionState
from notifycenter.commands.events import EMPTY_PAGES, fetch_records, operation_lines
from notifycenter.commands.ops import _row, tree_order
from notifycenter.commands.subscriptions import _error_text
from notifycenter.commands.yaml_output import yaml_text
from notifycenter.model import wire
from tests.test_hardening_tui import OSC52, operation


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> HubClient:
    return HubClient("http://hub.test", transport=httpx.MockTransport(handler))


def record(cursor: str, event: dict[str, Any]) -> dict[str, Any]:
    """A record as `GET /api/events` lists it, unread."""
    fields = ("acknowledged_by", "acknowledged_at", "comment", "until", "resolved_by")
    unset = dict.fromkeys((*fields, "resolved_at", "archived_by", "archived_at"))
    return {
        "cursor": cursor,
        "event": event,
        "bucket": "errors",
        "status": "unread",
        "read": False,
        **unset,
    }


async def test_events_list_stops_after_pages_that_keep_coming_empty() -> None:
    """Each page moves back by one: the hub's own checks pass, the end never comes."""
    asked: list[int] = []

    def creeping(request: httpx.Request) -> httpx.Response:
        before = int(request.url.params.get("before") or 10**18)
        asked.append(before)
        return httpx.Response(200, json={"items": [], "next": str(before - 1)})

    async with client_answering(creeping) as hub:
        records, more = await asyncio.wait_for(fetch_records(hub, 100), 60)
    assert records == [] and more and len(asked) == EMPTY_PAGES


async def test_events_below_the_asked_after_end_the_pages() -> None:
    """`events tail --since 5` asks for what came after 5: a hub that goes on below it is
    not followed down the whole log."""
    event = {"specversion": "1.0", "id": "x", "source": "s", "type": "t"}

    def ignoring_after(request: httpx.Request) -> httpx.Response:
        before = int(request.url.params["before"])
        items = [record(str(before - 1 - n), event) for n in range(10)]
        return httpx.Response(200, content=orjson.dumps({"items": items, "next": str(before - 10)}))

    async with client_answering(ignoring_after) as hub:
        records, more = await fetch_records(hub, 10**9, before="100", after="5")
    assert not more and len(records) <= 100


def test_a_traceparent_that_is_no_text_belongs_to_no_operation() -> None:
    assert operation_lines({"traceparent": 5, "data": {}}) == []


def test_an_operation_tree_a_thousand_deep_or_listing_an_id_twice_is_listed() -> None:
    chain = [operation(id="0" * 16, parent=None)]
    chain += [operation(id=f"{n:016x}", parent=f"{n - 1:016x}") for n in range(1, 1000)]
    ordered = tree_order([wire.validate(wire.Operation, item) for item in chain])
    assert [depth for _, depth in ordered] == list(range(1000))
    twice = [operation(id="r" * 16), operation(id="c" * 16, parent="r" * 16)] * 300
    assert len(tree_order([wire.validate(wire.Operation, item) for item in twice])) == 2


def test_an_operation_state_of_another_version_is_listed_as_it_came() -> None:
    row = _row(wire.validate(wire.Operation, operation(state="skipped")))
    assert row[0] == "? skipped"


@pytest.mark.parametrize(
    "error",
    [{"shortDescription": 5}, {"shortDescription": None, "longDescription": [[1]]}, {"code": 7}],
)
def test_a_delivery_error_of_the_wrong_shape_is_shown_from_what_reads(error: Any) -> None:
    assert isinstance(_error_text(error), str)


def test_payloads_nested_past_the_yaml_writer_are_written_as_json_yaml_reads() -> None:
    deep: Any = "bottom"
    for _ in range(400):
        deep = {"x": deep}
    text = yaml_text({"data": deep, "text": f"a{OSC52}"})
    assert "\x1b" not in text and yaml.safe_load(text)["data"] == deep


class _Redirects(BaseHTTPRequestHandler):
    """Sends the stream's upgrade elsewhere: to a scheme or an address no stream has."""

    location = "ftp://example/"

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("location", ["ftp://example/", "http://[::1"])
async def test_a_stream_upgrade_sent_elsewhere_is_a_failed_connection(location: str) -> None:
    handler = type("Handler", (_Redirects,), {"location": location})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    states: list[ConnectionState] = []
    try:
        async with HubClient(f"http://127.0.0.1:{server.server_address[1]}") as hub:
            subscription = hub.subscribe(since="0", on_state=states.append)
            with pytest.raises(TimeoutError):  # it goes on trying; nothing raised meanwhile
                await asyncio.wait_for(anext(aiter(subscription)), 2)
    finally:
        server.shutdown()
    assert any(state.last_error and "notifycenter-1207" in state.last_error for state in states)


def test_an_emitters_log_carries_no_terminal_command(caplog: pytest.LogCaptureFixture) -> None:
    from notifycenter.client.emitter import Emitter

    caplog.set_level(logging.ERROR, logger="notifycenter")
    body = {"code": f"notifycenter-9999{OSC52}", "shortDescription": ["\x1b[2J\x9b31m boom"]}
    answer = httpx.Response(400, content=orjson.dumps(body))
    with pytest.raises(Exception) as caught:
        Emitter._read_answer(None, "http://hub.test", answer, [b"{}"])  # type: ignore[arg-type]
    assert "\x1b" not in str(caught.value) and "\x9b" not in str(caught.value)
    assert "boom" in str(caught.value)
