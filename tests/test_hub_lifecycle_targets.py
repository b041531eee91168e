"""A lifecycle request by filter chooses its targets in a read, never in the writer.

A filter only Python can check may scan the whole log; done inside the write job it held
every producer's POST for seconds on a large log.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from notifycenter.hub import lifecycle
from tests import httpclient
from tests.conftest import HubFactory
from tests.hubprocess import make_event, post_batch


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every hub here keeps its log in SQLite, then in PostgreSQL."""
    return str(request.param)


def test_a_filtered_ack_selects_in_a_reader_and_acks_what_matched(
    hub_factory: HubFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = hub_factory()
    if getattr(hub, "process", None) is not None:
        pytest.skip("watches the hub's threads: needs the hub in this process")
    threads: list[str] = []
    real = lifecycle.select_rows

    def watched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "select_rows", watched)
    events = [{**make_event(i), "subject": f"disk-{i % 2}"} for i in range(6)]
    post_batch(hub.url, events)
    # `subject LIKE` with a function call is checked in Python, not pushed to SQL.
    body = {"filter": {"filter": "UPPER(subject) = 'DISK-1'"}, "comment": "on it"}
    answer = httpclient.post(f"{hub.url}/api/lifecycle/ack", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] == 3
    assert threads and all(name.startswith("nc-log-reader") for name in threads), threads
    listed = httpclient.get(f"{hub.url}/api/events", params={"status": "acknowledged"}).json()
    assert sorted(r["event"]["subject"] for r in listed["items"]) == ["disk-1"] * 3
