"""A hub started with --retain prunes at once; a reader resuming from a pruned position is
told where the log starts (410 notifycenter-2071), and the client's stream resumes there."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from notifycenter.client.hub import HubClient
from notifycenter.client.stream import ConnectionState
from notifycenter.model.lifecycle import format_time
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import make_event, post_batch
from tests.waiting import wait_until

OLD = format_time(datetime.now(UTC) - timedelta(days=3))


def metric(url: str, name: str) -> float:
    for line in httpclient.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_pruned_cursor_is_answered_with_where_the_log_starts(hub_factory: HubFactory) -> None:
    first = hub_factory()
    old = [make_event(n, severitytext="INFO", time=OLD) for n in range(50)]
    kept_error = make_event("open-error", time=OLD)  # an unhandled error is never pruned
    cursors = post_batch(first.url, [*old, kept_error]).json()["cursors"]
    fresh = post_batch(first.url, [make_event("fresh", severitytext="INFO")]).json()["cursors"]
    first.stop()

    hub = hub_factory(data_dir=first.data_dir, extra_args=["--retain", "1d"])
    wait_until(lambda: metric(hub.url, "notifycenter_retention_rounds_total") >= 1, 20)
    assert metric(hub.url, 'notifycenter_retention_pruned_total{kind="event"}') == 50

    refused = httpclient.get(hub.url + "/api/events", params={"after": cursors[0]}, timeout=10)
    assert refused.status_code == 410
    body = refused.json()
    assert body["code"] == "notifycenter-2071" and body["log_start"] == cursors[49]
    resumed = httpclient.get(
        hub.url + "/api/events", params={"after": body["log_start"]}, timeout=10
    )
    assert [r["event"]["id"] for r in resumed.json()["items"]] == ["evt-fresh", "evt-open-error"]
    everything = httpclient.get(hub.url + "/api/events", timeout=10).json()["items"]
    assert [r["cursor"] for r in everything] == [fresh[0], cursors[50]]

    states: list[ConnectionState] = []

    async def first_event() -> dict[str, object]:
        async with HubClient(hub.url) as client:
            subscription = client.subscribe(since=cursors[0], on_state=states.append)
            async with asyncio.timeout(15):
                async for event in subscription:
                    return event
        raise AssertionError("the stream ended")

    event = asyncio.run(first_event())
    assert event["id"] == "evt-open-error"  # the first kept event after log_start
    assert any("notifycenter-2071" in (state.last_error or "") for state in states)
