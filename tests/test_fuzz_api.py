"""The fuzz stage: schemathesis against the hub's own /openapi.json, and hostile parameters.

Every generated request, valid by the document or not (schemathesis' positive and
negative modes), and every stateful scenario the document's links allow, must get an
answer that is not a 5xx, within a timeout, and a refused (4xx) request must leave the
log as it was: same newest cursor, same summary. Bounded: a modest number of examples
per operation, no per-example deadline, a few seconds in all.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from notifycenter.catalogue import by_code
from notifycenter.hub.server import EmbeddedHub, start_embedded
from notifycenter.hub.settings import HubSettings
from tests import httpclient
from tests.hypothesis_profiles import examples

if TYPE_CHECKING:  # schemathesis and requests are imported where used: ~0.2 s of start-up
    import requests

TIMEOUT = 10.0  # seconds per request: a hang fails, it does not stall CI
EXAMPLES = examples(20)  # per operation
SKIPPED = {"stream"}  # a WebSocket: its handshake parameters are fuzzed below
CASES: Counter[str] = Counter()  # what ran, for the report at the end of the module
CODE = re.compile(r"notifycenter-[0-9]{4}")


class HubInThread:
    """A real uvicorn hub with a loop of its own, so that synchronous clients can call it."""

    def __init__(self, data_dir: Path) -> None:
        self._settings = HubSettings(data_dir=data_dir, bind="127.0.0.1:0")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.hub: EmbeddedHub | None = None

    def __enter__(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(start_embedded(self._settings), self._loop)
        self.hub = future.result(timeout=30)
        return self.hub.url

    def __exit__(self, *exc: object) -> None:
        if self.hub is not None:
            asyncio.run_coroutine_threadsafe(self.hub.stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with HubInThread(tmp_path_factory.mktemp("fuzz")) as url:
        seed(url)
        yield url
    print(f"\nfuzz cases run: {sum(CASES.values())} {dict(CASES)}")


def seed(url: str) -> None:
    """Events and an operation, so that links and refs find something."""
    events = [
        {
            "specversion": "1.0",
            "id": f"seed-{n}",
            "source": "urn:meshery:adapter:fuzz",
            "type": "io.meshery.operation.started" if n == 0 else "io.meshery.fuzz",
            "severitytext": ["error", "warning", "info"][n % 3],
            "traceparent": f"00-{'1' * 32}-{'a' * 16}-01",
            "data": {"operation": {"id": "a" * 16, "name": "fuzz"}} if n == 0 else {"n": n},
        }
        for n in range(5)
    ]
    posted = httpclient.post(
        url + "/api/events",
        json=events,
        headers={"content-type": "application/cloudevents-batch+json"},
        timeout=TIMEOUT,
    )
    assert posted.status_code == 202, posted.text


@pytest.fixture(scope="module")
def observer(hub_url: str) -> Iterator[httpx.Client]:
    """One client for the before/after looks (a new client costs ~50 ms: its TLS context)."""
    with httpclient.sync_client(base_url=hub_url, timeout=TIMEOUT) as client:
        yield client


def log_state(client: httpx.Client) -> tuple[Any, Any]:
    """What a refused request must not change."""
    return client.get("/healthz").json()["last_cursor"], client.get("/api/summary").json()


def check_answer(client: httpx.Client, status: int, body: bytes, before: tuple[Any, Any]) -> None:
    assert status < 500, body[:500]
    if 400 <= status < 500:
        code = CODE.search(body.decode(errors="replace"))
        assert code and by_code(code.group()) is not None, body[:500]
        assert log_state(client) == before, "a refused request changed the log"


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """schemathesis' requests share one session: a new one per case costs ~50 ms."""
    import requests

    with requests.Session() as shared:
        yield shared


@pytest.fixture(scope="module")
def schema(hub_url: str) -> Any:
    import schemathesis

    loaded = schemathesis.openapi.from_url(hub_url + "/openapi.json")
    loaded.config.update(base_url=hub_url)
    return loaded


SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI results are reproducible
    suppress_health_check=list(HealthCheck),
    database=None,
)


def operations(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if op.definition.raw.get("operationId") not in SKIPPED]


def test_every_operation_survives_generated_requests(
    schema: Any, observer: httpx.Client, session: requests.Session
) -> None:
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    ran = 0
    for operation in operations(schema):
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @SETTINGS
        def fuzz(case: Any) -> None:
            before = log_state(observer)
            response = case.call(session=session, timeout=TIMEOUT)
            CASES[case.operation.label] += 1
            check_answer(observer, response.status_code, response.content, before)
            case.validate_response(response, checks=checks)

        fuzz()
        ran += 1
    assert ran >= 9


def test_stateful_scenarios_follow_the_documents_links(
    schema: Any, observer: httpx.Client, session: requests.Session
) -> None:
    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Any, **kwargs: Any) -> Any:
            self._before = log_state(observer)
            return case.call(session=session, timeout=TIMEOUT, **kwargs)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            CASES["stateful"] += 1
            check_answer(observer, response.status_code, response.content, self._before)

    Machine.run(
        settings=hypothesis.settings(
            max_examples=examples(12),
            stateful_step_count=5,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )


# -- hostile parameter values, beyond what the document's schemas suggest ----------

INT64 = 1 << 63
hostile_numbers = st.one_of(
    st.integers(min_value=INT64 - 2, max_value=INT64 + 2).map(str),
    st.integers(min_value=10**18, max_value=10**40).map(str),
    st.integers(min_value=-(10**20), max_value=-1).map(str),
    st.sampled_from(["²", "³", "١٢", "¹⁰", "0x10", "1e3", "1_000", " 1", "1 ", "", "+1", "0" * 30]),
)
hostile_durations = st.builds(
    lambda n, unit: f"{n}{unit}",
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(["s", "m", "h", "d", "w", "W", "y"]),
)
hostile_times = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00+14:00",
            "2026-12-31T23:59:60Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00+99:00",
            "2026-01-01T00:00:00.1234567890123Z",
        ]
    ),
)
hostile_text = st.text(st.characters(codec="utf-8"), max_size=60)
hostile_values = st.one_of(hostile_numbers, hostile_durations, hostile_times, hostile_text)
EVENT_PARAMS = ["before", "after", "limit", "severity", "bucket", "status", "lifecycle", "filter"]
OPERATION_PARAMS = ["since", "limit", "offset", "state", "root", "parent", "trace", "filter"]
PROBES = st.one_of(
    st.tuples(st.just("/api/events"), st.sampled_from(EVENT_PARAMS)),
    st.tuples(st.just("/api/operations"), st.sampled_from(OPERATION_PARAMS)),
    st.tuples(st.just("/api/operations/" + "a" * 16), st.just("events")),
)


STREAM_PARAMS = ["since", "filter", "filters", "bucket", "severity", "lifecycle", "access_token"]


def test_hostile_stream_handshakes_are_answered_without_server_errors(
    observer: httpx.Client, hub_url: str
) -> None:
    base = hub_url.replace("http", "ws", 1) + "/api/stream"

    @given(name=st.sampled_from(STREAM_PARAMS), value=hostile_values)
    @hypothesis.settings(SETTINGS, max_examples=examples(60))
    def fuzz(name: str, value: str) -> None:
        before = log_state(observer)
        url = f"{base}?{urlencode({name: value})}"
        CASES["hostile stream handshakes"] += 1
        try:
            with ws_connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT):
                return  # accepted: the value was valid
        except InvalidStatus as refused:
            response = refused.response
            check_answer(observer, response.status_code, bytes(response.body or b""), before)

    fuzz()


def test_hostile_query_parameters_are_answered_without_server_errors(
    observer: httpx.Client,
) -> None:
    @given(probe=PROBES, value=hostile_values)
    @hypothesis.settings(SETTINGS, max_examples=examples(100))
    def fuzz(probe: tuple[str, str], value: str) -> None:
        path, name = probe
        before = log_state(observer)
        response = observer.get(path, params={name: value})
        CASES["hostile parameters"] += 1
        check_answer(observer, response.status_code, response.content, before)

    fuzz()


lifecycle_bodies = st.fixed_dictionaries(
    {"refs": st.lists(st.one_of(hostile_numbers, hostile_text), min_size=1, max_size=3)},
    optional={"until": st.one_of(hostile_durations, hostile_times), "comment": hostile_text},
)


def test_hostile_lifecycle_bodies_are_answered_without_server_errors(
    observer: httpx.Client,
) -> None:
    @given(verb=st.sampled_from(["ack", "read", "resolve"]), body=lifecycle_bodies)
    @hypothesis.settings(SETTINGS, max_examples=examples(60))
    def fuzz(verb: str, body: dict[str, Any]) -> None:
        before = log_state(observer)
        response = observer.post(f"/api/lifecycle/{verb}", json=body)
        CASES["hostile lifecycle bodies"] += 1
        if response.status_code < 400:  # a ref that exists: the change is allowed
            return
        check_answer(observer, response.status_code, response.content, before)

    fuzz()


# -- events posted, then every read path ------------------------------------------

numbers_as_text = st.one_of(
    st.sampled_from(["inf", "-inf", "nan", "1e308", "-1", "0", "1e-320"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),
)
operation_events = st.builds(
    lambda n, state, done, total: {
        "specversion": "1.0",
        "id": f"op-{n}",
        "source": "urn:meshery:adapter:fuzz",
        "type": f"io.meshery.operation.{state}",
        "traceparent": f"00-{'2' * 32}-{n:016x}-01",
        "data": {"operation": {"id": f"{n:016x}", "name": "fuzz", "done": done, "total": total}},
    },
    st.integers(min_value=1, max_value=2**40),
    st.sampled_from(["started", "progress", "succeeded", "failed"]),
    numbers_as_text,
    numbers_as_text,
)
READS = [
    ("/api/events", {"limit": "5"}),
    ("/api/events", {"filter": "severitynumber > 0 OR subject = 1"}),
    ("/api/summary", {}),
    ("/api/operations", {"filter": "progress >= 0 OR done > 1 OR total > 1"}),
]


def test_whatever_is_accepted_can_be_read_back(observer: httpx.Client) -> None:
    from tests.strategies import any_events

    @given(posted=st.one_of(any_events().map(lambda pair: pair[1]), operation_events))
    @hypothesis.settings(SETTINGS, max_examples=examples(60))
    def fuzz(posted: dict[str, Any]) -> None:
        before = log_state(observer)
        response = observer.post(
            "/api/events", json=posted, headers={"content-type": "application/cloudevents+json"}
        )
        CASES["events posted and read back"] += 1
        if response.status_code != 202:
            check_answer(observer, response.status_code, response.content, before)
            return
        cursor = response.json()["cursors"][0]
        for path, params in [*READS, (f"/api/events/{cursor}", {})]:
            read = observer.get(path, params=params)
            assert read.status_code == 200, (path, params, read.text[:300])

    fuzz()
