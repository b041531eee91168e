"""kubewatch and other plain-JSON CloudEvents: `/api/ingest/cloudevents-json`, and
`/api/events` under the hub's accept-json setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests import httpclient
from tests.conftest import HubFactory

KUBEWATCH = "https://github.com/aantn/kubewatch"


def kubewatch_event(counter: int, operation: str, kind: str = "Pod") -> dict[str, Any]:
    """What kubewatch's cloudevent handler marshals (its CloudEventMessage struct)."""
    return {
        "specversion": "1.0",
        "type": "KUBERNETES_TOPOLOGY_CHANGE",
        "source": KUBEWATCH,
        "subject": "",
        "id": f"1764430000-{counter}",
        "time": "2026-11-29T16:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "operation": operation,
            "kind": kind,
            "clusterUid": "TODO",
            "description": f"A `{kind.lower()}` in namespace `prod` has been `{operation}d`:\n`prod/web-1`",
            "apiVersion": "v1",
            "obj": {"kind": kind, "metadata": {"name": "web-1", "namespace": "prod"}},
            "oldObj": None,
        },
    }


def _post(url: str, body: Any, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return httpclient.post(url, content=content, headers={"content-type": content_type})


def _stored(url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpclient.get(f"{url}/api/events").json()["items"]
    return [item["event"] for item in items]


def test_kubewatch_changes_get_summaries_and_severities(hub_factory: HubFactory) -> None:
    hub = hub_factory()
    batch = [kubewatch_event(1, "create"), kubewatch_event(2, "update")]
    answer = _post(f"{hub.url}/api/ingest/cloudevents-json", batch)
    assert answer.status_code == 202, answer.text
    answer = _post(f"{hub.url}/api/ingest/cloudevents-json", kubewatch_event(3, "delete"))
    assert answer.status_code == 202, answer.text
    by_id = {e["id"].rsplit("-", 1)[1]: e for e in _stored(hub.url)}
    assert by_id["1"]["data"]["summary"] == "Pod prod/web-1 created"
    assert by_id["2"]["data"]["summary"] == "Pod prod/web-1 updated"
    assert by_id["3"]["data"]["summary"] == "Pod prod/web-1 deleted"
    assert [by_id[n]["severitytext"] for n in "123"] == ["INFO", "INFO", "WARNING"]
    assert by_id["3"]["subject"] == "Pod/prod/web-1"
    assert "has been" in by_id["3"]["data"]["details"]


def test_a_plain_cloudevent_is_stored_as_sent(hub_factory: HubFactory) -> None:
    hub = hub_factory()
    event = {"specversion": "1.0", "id": "x1", "source": "urn:x", "type": "com.example.thing"}
    event["severitytext"] = "ERROR"
    answer = _post(f"{hub.url}/api/ingest/cloudevents-json", event)
    assert answer.status_code == 202, answer.text
    (stored,) = _stored(hub.url)
    assert (stored["id"], stored["severitytext"]) == ("x1", "ERROR")
    assert "summary" not in (stored.get("data") or {})


BAD = {
    "text/plain": (b'{"specversion": "1.0"}', "text/plain", 415),
    "a JSON string": (b'"event"', "application/json", 415),
    "not JSON": (b"{specversion", "application/json", 400),
    "second event lacks its id": (
        [kubewatch_event(1, "create"), {**kubewatch_event(2, "delete"), "id": ""}],
        "application/json",
        400,
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_bodies_are_catalogued_and_store_nothing(hub_factory: HubFactory, name: str) -> None:
    hub = hub_factory()
    body, content_type, status = BAD[name]
    answer = _post(f"{hub.url}/api/ingest/cloudevents-json", body, content_type)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"].startswith("notifycenter-")
    assert _stored(hub.url) == []


def test_events_endpoint_refuses_plain_json_unless_the_hub_accepts_it(
    hub_factory: HubFactory, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = hub_factory()
    refused = _post(f"{plain.url}/api/events", kubewatch_event(1, "delete"))
    assert refused.status_code == 415
    config = isolated_environment / "accept-json.toml"
    config.write_text("[hub]\naccept-json = true\n", encoding="utf-8")
    monkeypatch.setenv("NOTIFYCENTER_CONFIG", str(config))
    accepting = hub_factory()
    answer = _post(f"{accepting.url}/api/events", [kubewatch_event(1, "delete")])
    assert answer.status_code == 202, answer.text
    (stored,) = _stored(accepting.url)
    assert stored["severitytext"] == "WARNING"
    # Binary mode keeps its meaning: ce- headers with a JSON body are one event's data.
    binary = httpclient.post(
        f"{accepting.url}/api/events",
        content=b'{"summary": "hello"}',
        headers={
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": "b1",
            "ce-source": "urn:b",
            "ce-type": "com.example.b",
        },
    )
    assert binary.status_code == 202, binary.text
    assert any(
        e["id"] == "b1" and e["data"] == {"summary": "hello"} for e in _stored(accepting.url)
    )
