"""An operation whose total is the largest float is stored and read back, never a 500."""

from __future__ import annotations

from tests import httpclient
from tests.conftest import HubFactory

TRACE = "00-22222222222222222222222222222222-0000000000000007-01"


def _started(event_id: str, done: object, total: object) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "urn:meshery:adapter:fuzz",
        "type": "io.meshery.operation.started",
        "traceparent": TRACE,
        "data": {
            "operation": {"id": "0000000000000007", "name": "fuzz", "done": done, "total": total}
        },
    }


def test_an_operation_with_the_largest_total_is_stored_twice_and_listed(
    hub_factory: HubFactory,
) -> None:
    hub = hub_factory()
    headers = {"content-type": "application/cloudevents+json"}
    for n in (1, 2):  # the second report folds into the row the first one stored
        event = _started(f"op-{n}", "inf", 1.7976931348623157e308)
        answer = httpclient.post(f"{hub.url}/api/events", json=event, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text
    listed = httpclient.get(f"{hub.url}/api/operations", timeout=10)
    assert listed.status_code == 200, listed.text
    [operation] = listed.json()["items"]
    assert operation["name"] == "fuzz"
