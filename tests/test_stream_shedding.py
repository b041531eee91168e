"""A hub whose log keeps failing closes its streams with 1013 and the failing part's code,
so clients go to another server of their context instead of sitting on a stream that
can deliver nothing new."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # Starlette's notice about httpx2, at import: not our concern
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from notifycenter.catalogue import database as database_codes
from notifycenter.catalogue import runtime as runtime_codes
from notifycenter.hub.app import create_app
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.settings import HubSettings
from notifycenter.hub.shedding import StreamShedder
from notifycenter.hub.stream import Broadcaster


def test_streams_are_shed_only_after_a_log_part_fails_for_a_while() -> None:
    health, broadcaster = HealthBoard(), Broadcaster()
    subscribers = [broadcaster.subscriber(None, 10) for _ in range(3)]
    for subscriber in subscribers:
        broadcaster.register(subscriber, 0)
    shedder = StreamShedder(health, broadcaster, after=5.0)
    health.failed("publisher", runtime_codes.ON_COMMIT_FAILED, ValueError("a filter"))
    assert shedder.check(100.0) == 0 and shedder.check(200.0) == 0  # not the log itself
    health.failed("doorbell", database_codes.DOORBELL_LOST, OSError("connection lost"))
    assert shedder.check(300.0) == 0  # a blip is ridden out
    health.recovered("doorbell")
    assert shedder.check(304.0) == 0
    health.failed("doorbell", database_codes.DOORBELL_LOST, OSError("connection lost"))
    assert shedder.check(306.0) == 0  # the clock starts again after a recovery
    assert shedder.check(311.0) == 3
    for subscriber in subscribers:
        assert subscriber.failure is not None
        assert subscriber.failure.close_code == 1013
        assert subscriber.failure.spec is database_codes.DOORBELL_LOST
    assert shedder.check(312.0) == 0  # each is closed once


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(HubSettings(data_dir=tmp_path))) as client:
        yield client


def test_a_subscriber_is_closed_with_1013_and_the_code_when_the_log_keeps_failing(
    hub: TestClient,
) -> None:
    state = hub.app.state.hub  # type: ignore[attr-defined]
    state.shedder.after = 0.0
    with hub.websocket_connect("/api/stream?since=0") as subscriber:
        # The doorbell, not the writer: a commit of the hub's own (at start) marks the
        # writer healthy again, and nothing clears the doorbell of a hub on SQLite.
        lost = OSError("connection lost")
        state.health.failed("doorbell", database_codes.DOORBELL_LOST, lost)
        with pytest.raises(WebSocketDisconnect) as closed:
            subscriber.receive_text()
    assert closed.value.code == 1013
    assert database_codes.DOORBELL_LOST.code in closed.value.reason
