"""NotifyHandler: log records become events with the right severity, details and data."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from notifycenter.catalogue.client import HUB_UNREACHABLE
from notifycenter.client import Emitter, HubClient, NotifyHandler
from notifycenter.client.loghandler import severity_of_level
from notifycenter.model.severity import Severity
from tests.hubprocess import Hub

SOURCE = "urn:meshery:server:logtest"


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (logging.DEBUG, Severity.DEBUG),
        (logging.INFO, Severity.INFO),
        (25, Severity.NOTICE),
        (logging.WARNING, Severity.WARNING),
        (logging.ERROR, Severity.ERROR),
        (logging.CRITICAL, Severity.CRITICAL),
    ],
)
def test_levels_map_to_severities(level: int, severity: Severity) -> None:
    assert severity_of_level(level) is severity


def test_records_become_events_on_the_hub(hub: Hub, tmp_path: Path) -> None:
    logger = logging.getLogger("meshery.provisioner")
    logger.setLevel(logging.DEBUG)
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as emitter:
        handler = NotifyHandler(emitter)
        logger.addHandler(handler)
        try:
            logger.warning(
                "disk %s almost full", "/var", extra={"cluster": "prod-eu", "free": 0.05}
            )
            try:
                raise HUB_UNREACHABLE.error("http://hub:9181: refused")
            except Exception:
                logger.exception("could not report")
        finally:
            logger.removeHandler(handler)
        assert emitter.drain(30)

    async def fetch() -> list[dict]:
        async with HubClient(hub.url) as client:
            return [r["event"] for r in reversed((await client.list(source=SOURCE)).items)]

    warning, error = asyncio.run(fetch())
    assert (warning["type"], warning["severitytext"]) == (
        "io.meshery.log.meshery.provisioner",
        "WARNING",
    )
    assert warning["data"]["summary"] == "disk /var almost full"
    assert (
        warning["data"]["metadata"]["cluster"] == "prod-eu"
        and warning["data"]["metadata"]["free"] == 0.05
    )
    assert error["severitytext"] == "ERROR" and error["data"]["summary"] == "could not report"
    assert (
        "Traceback" in error["data"]["details"] and "notifycenter-1207" in error["data"]["details"]
    )
    assert error["data"]["error"]["code"] == "notifycenter-1207"
    assert error["data"]["error"]["suggestedRemediation"] == list(HUB_UNREACHABLE.remedies)


def test_a_handler_on_the_root_logger_does_not_feed_on_its_own_requests(
    hub: Hub, tmp_path: Path
) -> None:
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)  # httpx logs every request at INFO, from the emitter's thread
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as emitter:
        handler = NotifyHandler(emitter)
        root.addHandler(handler)
        try:
            logging.getLogger("app").info("started")
            assert emitter.drain(30)
            emitter.emit(type="io.meshery.marker")  # a second request: would log again if fed back
            assert emitter.drain(30)
        finally:
            root.removeHandler(handler)
            root.setLevel(previous)

    async def fetch() -> list[str]:
        async with HubClient(hub.url) as client:
            return [r["event"]["type"] for r in reversed((await client.list(source=SOURCE)).items)]

    assert asyncio.run(fetch()) == ["io.meshery.log.app", "io.meshery.marker"]
