"""The wire contract: every answer of a real hub is the typed record of notifycenter.model.wire,
key for key, and the OpenAPI document describes each record with exactly its keys."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any, NotRequired, Union, get_args, get_origin, get_type_hints

import httpx
import pytest
from typing_extensions import is_typeddict

from notifycenter.catalogue.client import HUB_BAD_ANSWER
from notifycenter.catalogue.runtime import HUB_DEGRADED, WRITER_FAILED
from notifycenter.client.emitter import Emitter
from notifycenter.client.hub import HubClient
from notifycenter.hub.app import create_app, load_plugins
from notifycenter.hub.openapi import openapi_document
from notifycenter.hub.settings import HubSettings
from notifycenter.model import wire
from notifycenter.model.errors import NotifyError
from notifycenter.model.silences import SilencePage, SilenceRecord
from notifycenter.model.subscription_wire import (
    Deleted,
    SinkTestOutcome,
    Subscriptions,
    SubscriptionView,
)
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import Hub, free_port, make_event, post_batch
from tests.waiting import wait_until

TIMEOUT = 10


def exact(record: Any, value: Any, where: str = "answer") -> None:
    """`value` holds every required key of `record` and no key the record lacks, all the way
    down (pydantic drops unknown keys silently, so it would not notice a key too many)."""
    if is_typeddict(record):
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        allowed, required = wire.keys(record), required_keys(record)
        assert required <= value.keys() <= allowed, (
            f"{where}: missing {sorted(required - value.keys())},"
            f" not in {record.__name__} {sorted(value.keys() - allowed)}"
        )
        hints = get_type_hints(record)
        for key, item in value.items():
            exact(hints[key], item, f"{where}.{key}")
        return
    origin, args = get_origin(record), get_args(record)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if value is not None and len(inner) == 1:
            exact(inner[0], value, where)
    elif origin is list and isinstance(value, list):
        for number, item in enumerate(value):
            exact(args[0], item, f"{where}[{number}]")
    elif origin is dict and isinstance(value, dict):
        for key, item in value.items():
            exact(args[1], item, f"{where}.{key}")


def required_keys(record: Any) -> frozenset[str]:
    """The keys a record requires. `__required_keys__` also lists the `NotRequired[...]`
    ones of a module with postponed annotations (Python 3.11), so read the hints."""
    hints = get_type_hints(record, include_extras=True)
    optional = {key for key, hint in hints.items() if get_origin(hint) is NotRequired}
    return frozenset(record.__required_keys__ - optional)


def conforms(record: type[Any], answer: httpx.Response, status: int = 200) -> Any:
    """The answer's body, checked against `record` by pydantic (types) and `exact` (keys)."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    wire.validate(record, body)
    exact(record, body)
    return body


def test_every_answer_is_its_wire_record(hub: Hub, tmp_path: Any) -> None:
    url = hub.url
    with Emitter(url, source="urn:test:wire", data_dir=tmp_path / "emitter") as emitter:
        with emitter.operation("Deploy design") as root, root.child("Provision Istio"):
            assert emitter.flush(TIMEOUT)
        assert emitter.flush(TIMEOUT)
    audit = make_event("audit", severitytext="DEBUG")  # audit: a record without lifecycle
    accepted = conforms(wire.Accepted, post_batch(url, [make_event(1), audit]), 202)
    first = accepted["cursors"][0]

    outcome = conforms(
        wire.LifecycleOutcome,
        httpclient.post(
            f"{url}/api/lifecycle/ack",
            json={"refs": [first], "comment": "on it", "until": "2h"},
            timeout=TIMEOUT,
        ),
    )
    assert outcome["changed"] == 1

    page = conforms(
        wire.Page, httpclient.get(f"{url}/api/events", params={"limit": 2}, timeout=TIMEOUT)
    )
    assert page["items"] and page["next"] is not None  # the emitter's events are older
    everything = conforms(
        wire.Page, httpclient.get(f"{url}/api/events", params={"lifecycle": 1}, timeout=TIMEOUT)
    )
    assert {item["bucket"] for item in everything["items"]} >= {"errors", "audit"}

    one = conforms(
        wire.RecordWithHistory, httpclient.get(f"{url}/api/events/{first}", timeout=TIMEOUT)
    )
    assert one["status"] == "acknowledged" and len(one["history"]) == 1

    counts = conforms(wire.Summary, httpclient.get(f"{url}/api/summary", timeout=TIMEOUT))
    assert set(counts["buckets"]) == {"errors", "warnings", "infos", "audit"}

    operations = conforms(
        wire.OperationPage, httpclient.get(f"{url}/api/operations", timeout=TIMEOUT)
    )
    assert len(operations["items"]) == 2
    tree = conforms(
        wire.OperationTree, httpclient.get(f"{url}/api/operations/{root.id}", timeout=TIMEOUT)
    )
    assert tree["children"][0]["name"] == "Provision Istio"
    child = conforms(
        wire.OperationTree,
        httpclient.get(f"{url}/api/operations/{tree['children'][0]['id']}", timeout=TIMEOUT),
    )
    assert child["path"] == [{"id": root.id, "name": "Deploy design"}]

    caller = conforms(wire.Identity, httpclient.get(f"{url}/api/whoami", timeout=TIMEOUT))
    assert caller == {"user": "anonymous", "role": "admin"}  # an open hub
    health = conforms(wire.Health, httpclient.get(f"{url}/healthz", timeout=TIMEOUT))
    assert health["last_cursor"] == outcome["cursors"][-1]  # the ack came last


def test_the_sources_answer_is_its_wire_record(hub_factory: HubFactory) -> None:
    # A source that cannot be reached: /api/sources shows it failing with its error.
    hub = hub_factory(extra_args=["--source", f"meshery+http://127.0.0.1:{free_port()}"])
    url = hub.url

    def failing() -> Any:
        body = httpclient.get(f"{url}/api/sources", timeout=TIMEOUT).json()
        return body if body["sources"] and body["sources"][0]["error"] else None

    wait_until(failing, what="the unreachable source to fail")
    sources = conforms(wire.Sources, httpclient.get(f"{url}/api/sources", timeout=TIMEOUT))
    assert sources["sources"][0]["state"] == "failing"


def test_the_silences_and_subscriptions_answer_their_records(hub: Hub) -> None:
    with httpclient.sync_client(base_url=hub.url, timeout=TIMEOUT) as client:
        made = conforms(
            SilenceRecord,
            client.post("/api/silences", json={"filter": "source = 'urn:a'", "duration": "1h"}),
            201,
        )
        assert made["state"] == "active"
        conforms(SilencePage, client.get("/api/silences"))
        conforms(SilenceRecord, client.get(f"/api/silences/{made['id']}"))
        over = conforms(SilenceRecord, client.post(f"/api/silences/{made['id']}/expire"))
        assert over["state"] == "expired"

        # A sink nobody listens on, without the webhook handshake: nothing is delivered.
        quiet = {"sink": "http://127.0.0.1:9/hook", "protocol": "HTTP"}
        quiet["protocolsettings"] = {"handshake": False}  # type: ignore[assignment]
        view = conforms(SubscriptionView, client.post("/api/subscriptions", json=quiet), 201)
        path = f"/api/subscriptions/{view['id']}"
        conforms(Subscriptions, client.get("/api/subscriptions"))
        conforms(SubscriptionView, client.get(path))
        conforms(SubscriptionView, client.put(path, json={**quiet, "types": ["io.x"]}))
        tried = client.post(f"{path}/test")
        if tried.status_code == 200:  # a refused delivery may be an error body instead
            conforms(SinkTestOutcome, tried)
        else:
            conforms(wire.ErrorBody, tried, tried.status_code)
        assert conforms(Deleted, client.delete(path))["deleted"] == view["id"]


def test_the_ingest_routes_answer_their_wire_records(hub: Hub) -> None:
    alert = {
        "status": "resolved",
        "labels": {"alertname": "DiskFull", "severity": "critical", "instance": "node-1"},
        "annotations": {"summary": "Disk almost full on node-1"},
        "startsAt": "2026-11-29T10:00:00Z",
        "endsAt": "2026-11-29T10:05:00Z",
        "fingerprint": "f1",
    }
    webhook = {
        "version": "4",
        "status": "resolved",
        "receiver": "hub",
        "groupKey": "{}",
        "alerts": [alert],
    }
    answered = httpclient.post(f"{hub.url}/api/ingest/alertmanager", json=webhook, timeout=TIMEOUT)
    assert conforms(wire.AlertsAccepted, answered, 202)["accepted"] == 1
    plain = httpclient.post(
        f"{hub.url}/api/ingest/cloudevents-json", json=make_event("plain"), timeout=TIMEOUT
    )
    assert conforms(wire.Accepted, plain, 202)["accepted"] == 1


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/events/no-such-event", 404),
        ("GET", "/api/events?status=sleeping", 400),
        ("POST", "/api/lifecycle/forget", 404),
        ("GET", "/api/operations/0000000000000000", 404),
        ("GET", "/api/operations?state=asleep", 400),
        ("DELETE", "/api/summary", 405),
    ],
)
def test_every_error_is_an_error_body(hub: Hub, method: str, path: str, status: int) -> None:
    answer = httpclient.client().request(method, hub.url + path, json={}, timeout=TIMEOUT)
    body = conforms(wire.ErrorBody, answer, status)
    assert body["code"].startswith("notifycenter-")


# Documented operations that no request of the sweep below can make fail.
CANNOT_FAIL = {
    ("get", "/api/summary"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/api/sources"),
    ("get", "/api/whoami"),
    ("get", "/api/subscriptions"),
    ("get", "/api/silences"),
}


def test_every_route_refuses_with_an_error_body(hub: Hub) -> None:
    """Each documented operation, asked for what does not exist with a body that is not
    JSON and a limit of 0, answers a catalogued error with exactly the declared keys; every
    path asked with a method it lacks answers one too."""
    refused = []
    with httpclient.sync_client(base_url=hub.url, timeout=TIMEOUT) as client:
        for path, item in DOCUMENT["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "no-such-thing", path)
            answer = client.request("PATCH", concrete)
            conforms(wire.ErrorBody, answer, answer.status_code)
            assert answer.status_code in (404, 405), f"PATCH {path}: {answer.status_code}"
            for method in sorted(set(item) & {"get", "post", "put", "delete"}):
                if (method, path) in CANNOT_FAIL:
                    continue
                answer = client.request(
                    method,
                    concrete,
                    params={"limit": "0"},
                    content=b"{not json",
                    headers={"Content-Type": "application/json"},
                )
                assert answer.status_code >= 400, f"{method} {path}: {answer.status_code}"
                refused.append(conforms(wire.ErrorBody, answer, answer.status_code)["code"])
    assert len(refused) >= 10 and all(code.startswith("notifycenter-") for code in refused)


def test_a_refused_token_is_an_error_body(hub_factory: HubFactory) -> None:
    hub = hub_factory(tokens={"viewer-secret": ("vera", "viewer")})
    conforms(wire.ErrorBody, httpclient.get(f"{hub.url}/api/events", timeout=TIMEOUT), 401)
    viewer = {"Authorization": "Bearer viewer-secret"}
    refs = {"refs": ["0000000000000001"]}
    answer = httpclient.post(
        f"{hub.url}/api/lifecycle/ack", json=refs, headers=viewer, timeout=TIMEOUT
    )
    conforms(wire.ErrorBody, answer, 403)


def test_a_refused_batch_names_the_failing_event(hub: Hub) -> None:
    answer = post_batch(hub.url, [make_event(1), {"id": "no source"}])
    body = conforms(wire.ErrorBody, answer, 400)
    assert body["index"] == 1


def test_a_filter_that_does_not_parse_says_where(hub: Hub) -> None:
    params = {"filter": "severity = = 'ERROR'"}
    body = conforms(
        wire.ErrorBody, httpclient.get(f"{hub.url}/api/events", params=params, timeout=TIMEOUT), 400
    )
    assert body["column"] >= 1 and body["expression"] == params["filter"]


async def test_a_degraded_hub_answers_its_degraded_record(tmp_path: Path) -> None:
    # Without plug-ins no start-up commit runs, so nothing marks the writer recovered
    # between the failure below and the health request.
    app = create_app(HubSettings(data_dir=tmp_path / "hub"), plugins=())
    async with app.router.lifespan_context(app):
        app.state.hub.health.stopped("writer", WRITER_FAILED, "disk gone")
        transport = httpx.ASGITransport(app=app)
        async with httpclient.async_client(
            transport=transport, base_url="http://hub", timeout=TIMEOUT
        ) as client:
            body = conforms(wire.Degraded, await client.get("/healthz"), 503)
    assert body["status"] == "degraded" and body["code"] == HUB_DEGRADED.code
    assert [(part["part"], part["code"]) for part in body["failing"]] == [
        ("writer", WRITER_FAILED.code)
    ]


# -- the OpenAPI document describes the same records --------------------------------

DOCUMENT = openapi_document(load_plugins())  # as /openapi.json serves it
SCHEMAS = DOCUMENT["components"]["schemas"]


def properties(schema: dict[str, Any]) -> set[str]:
    """The keys a schema names, following $ref and allOf."""
    if "$ref" in schema:
        return properties(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]])
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= properties(part)
    return names


def answer_schema(path: str, method: str, status: str) -> dict[str, Any]:
    content = DOCUMENT["paths"][path][method]["responses"][status]
    if "$ref" in content:
        content = DOCUMENT["components"]["responses"][content["$ref"].rsplit("/", 1)[-1]]
    schema: dict[str, Any] = content["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize(
    ("path", "method", "status", "record"),
    [
        ("/api/events", "post", "202", wire.Accepted),
        ("/api/events", "get", "200", wire.Page),
        ("/api/events/{ref}", "get", "200", wire.RecordWithHistory),
        ("/api/summary", "get", "200", wire.Summary),
        ("/api/lifecycle/{verb}", "post", "200", wire.LifecycleOutcome),
        ("/api/events", "get", "400", wire.ErrorBody),
        ("/healthz", "get", "200", wire.Health),
        ("/healthz", "get", "503", wire.Degraded),
        ("/api/operations", "get", "200", wire.OperationPage),
        ("/api/operations/{id}", "get", "200", wire.OperationTree),
        ("/api/sources", "get", "200", wire.Sources),
        ("/api/whoami", "get", "200", wire.Identity),
        ("/api/ingest/alertmanager", "post", "202", wire.AlertsAccepted),
        ("/api/ingest/cloudevents-json", "post", "202", wire.Accepted),
    ],
)
def test_the_openapi_answer_names_the_record_keys(
    path: str, method: str, status: str, record: type[Any]
) -> None:
    assert properties(answer_schema(path, method, status)) == wire.keys(record)


def test_the_openapi_nested_records_name_their_keys() -> None:
    page = answer_schema("/api/events", "get", "200")
    assert properties(properties_of(page)["items"]["items"]) == wire.keys(wire.Record)
    summary = properties_of(answer_schema("/api/summary", "get", "200"))
    for bucket in summary["buckets"]["properties"].values():
        assert properties(bucket) == wire.keys(wire.BucketCounts)
    operations = properties_of(answer_schema("/api/operations", "get", "200"))
    assert properties(operations["items"]["items"]) == wire.keys(wire.Operation)
    tree = SCHEMAS["OperationTree"]["allOf"][1]["properties"]
    assert properties(tree["path"]["items"]) == wire.keys(wire.PathStep)
    degraded = answer_schema("/healthz", "get", "503")["allOf"][1]["properties"]
    assert properties(degraded["failing"]["items"]) == wire.keys(wire.FailingPart)
    sources = properties_of(answer_schema("/api/sources", "get", "200"))
    assert properties(sources["sources"]["items"]) == wire.keys(wire.SourceView)


def properties_of(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return properties_of(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]])
    found: dict[str, Any] = schema["properties"]
    return found


def test_the_components_that_are_records_name_their_keys() -> None:
    for name, record in wire.WIRE.items():
        assert properties(SCHEMAS[name]) == wire.keys(record), name


@pytest.mark.parametrize(
    "body",
    [
        {"accepted": "1", "duplicates": 0, "cursors": []},  # no "1" for 1
        {"accepted": 1, "duplicates": 0, "cursors": ["abc"]},  # not a cursor
        {"accepted": 1, "duplicates": 0, "cursors": ["1" * 20]},  # beyond a 64-bit position
        {"accepted": 1, "cursors": []},  # a count missing
    ],
)
def test_a_record_refuses_what_its_readers_cannot_use(body: dict[str, Any]) -> None:
    with pytest.raises(wire.ValidationError):
        wire.validate(wire.Accepted, body)


RECORD = {
    "cursor": "0000000000000001",
    "event": {"specversion": "1.0", "id": "1", "source": "urn:s", "type": "t"},
    "bucket": "errors",
    **dict.fromkeys(("status", "read", "acknowledged_by", "acknowledged_at", "comment")),
    **dict.fromkeys(("until", "resolved_by", "resolved_at", "archived_by", "archived_at")),
}


@pytest.mark.parametrize(
    "item",
    [
        {**RECORD, "cursor": "abc"},  # a position the client would resume from
        {key: value for key, value in RECORD.items() if key != "bucket"},
        {**RECORD, "read": "yes"},
    ],
)
async def test_the_client_refuses_a_record_that_is_not_one(item: dict[str, Any]) -> None:
    body = {"items": [item], "next": None}
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=body))
    async with HubClient("http://hub.test", transport=transport) as client:
        with pytest.raises(NotifyError) as caught:
            await client.list()
    assert caught.value.code == HUB_BAD_ANSWER.code


async def test_the_client_returns_the_record_it_checked() -> None:
    body = {"items": [RECORD], "next": None}
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=body))
    async with HubClient("http://hub.test", transport=transport) as client:
        page = await client.list()
    assert page.items == [RECORD] and page.next is None
