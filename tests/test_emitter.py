"""The Emitter against real hub processes: nothing is lost when the hub is down, restarts,
or the producer itself restarts with a non-empty spool."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifycenter.catalogue.client import HUB_UNREACHABLE
from notifycenter.catalogue.hub import RATE_LIMITED
from notifycenter.client import Emitter, HubClient
from notifycenter.client.spool import Spool, hub_folder, spool_name_for
from notifycenter.model.errors import NotifyError
from tests import httpclient
from tests.hubprocess import HubProcess, free_port
from tests.hubthread import HubThread

SOURCE = "urn:meshery:adapter:spooltest"


def stored_ids(url: str, source: str = SOURCE) -> list[str]:
    """Ids of the source's events in log order."""

    async def fetch() -> list[str]:
        async with HubClient(url) as hub:
            page = await hub.list(source=source, limit=1000)
        return [
            record["event"]["id"] for record in sorted(page.items, key=lambda r: int(r["cursor"]))
        ]

    return asyncio.run(fetch())


@pytest.fixture
def stopped_hub(tmp_path: Path) -> Iterator[HubThread]:
    """A hub not started yet, on a port known in advance: the producer starts first."""
    hub = HubThread(tmp_path / "hub", port=free_port())
    yield hub
    hub.stop()


@pytest.fixture
def stopped_process_hub(tmp_path: Path) -> Iterator[HubProcess]:
    """The same as a `notifycenter serve` process, stopped by SIGTERM as a service manager does."""
    hub = HubProcess(tmp_path / "hub")
    yield hub
    hub.stop()


def emit_numbered(emitter: Emitter, start: int, count: int) -> list[str]:
    return [
        emitter.emit(type="io.meshery.test", summary=f"event {n}", data={"n": n})["id"]
        for n in range(start, start + count)
    ]


def test_events_emitted_while_the_hub_is_down_arrive_once_in_order(
    stopped_hub: HubThread, tmp_path: Path
) -> None:
    with Emitter(
        stopped_hub.url,
        source=SOURCE,
        data_dir=tmp_path / "producer",
        batch_size=7,
        max_retry_interval=0.3,
    ) as emitter:
        ids = emit_numbered(emitter, 0, 40)
        assert emitter.flush(10)
        assert emitter.spooled == 40  # on disk, not only in memory
        stopped_hub.start()
        assert emitter.drain(30)
        assert emitter.pending == 0
    assert stored_ids(stopped_hub.url) == ids


def test_a_restarted_producer_replays_its_spool(stopped_hub: HubThread, tmp_path: Path) -> None:
    producer_dir = tmp_path / "producer"
    first = Emitter(stopped_hub.url, source=SOURCE, data_dir=producer_dir, max_retry_interval=0.3)
    ids = emit_numbered(first, 0, 25)
    first.close()  # the producer exits while the hub is down
    with Emitter(
        stopped_hub.url, source=SOURCE, data_dir=producer_dir, max_retry_interval=0.3
    ) as second:
        # Counted before the hub is back: once it is, the sender may replay at once.
        assert second.spooled == 25
        stopped_hub.start()
        ids += emit_numbered(second, 25, 5)
        assert second.drain(30)
    assert stored_ids(stopped_hub.url) == ids


def test_nothing_is_lost_across_a_hub_restart(
    stopped_process_hub: HubProcess, tmp_path: Path
) -> None:
    stopped_hub = stopped_process_hub
    stopped_hub.start()
    with Emitter(
        stopped_hub.url, source=SOURCE, data_dir=tmp_path / "producer", max_retry_interval=0.3
    ) as emitter:
        ids = emit_numbered(emitter, 0, 10)
        assert emitter.drain(10)
        stopped_hub.stop()
        ids += emit_numbered(emitter, 10, 10)
        assert emitter.flush(10)
        stopped_hub.start()
        ids += emit_numbered(emitter, 20, 10)
        assert emitter.drain(30)
    assert stored_ids(stopped_hub.url) == ids


def test_emit_never_waits_for_the_hub_and_refuses_after_close(
    stopped_hub: HubThread, tmp_path: Path
) -> None:
    emitter = Emitter(stopped_hub.url, source=SOURCE, data_dir=tmp_path / "producer")
    event = emitter.emit(type="io.meshery.test", severity="warning", summary="disk almost full")
    assert event["source"] == SOURCE and event["severitytext"] == "WARNING"
    emitter.close()
    with pytest.raises(NotifyError) as caught:
        emitter.emit(type="io.meshery.test")
    assert caught.value.code == "notifycenter-1213"


def test_invalid_events_fail_in_the_caller(tmp_path: Path, stopped_hub: HubThread) -> None:
    with Emitter(stopped_hub.url, source=SOURCE, data_dir=tmp_path / "producer") as emitter:
        with pytest.raises(NotifyError) as caught:
            emitter.emit(type="io.meshery.test", **{"trace-id": "x"})
        assert caught.value.code == "notifycenter-1003"


def test_a_full_buffer_drops_and_counts_instead_of_blocking(
    stopped_hub: HubThread, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A long flush interval and a large batch keep the sender asleep: the buffer fills up.
    emitter = Emitter(
        stopped_hub.url,
        source=SOURCE,
        data_dir=tmp_path / "producer",
        max_buffer=5,
        batch_size=1000,
        flush_interval=60,
    )
    emit_numbered(emitter, 0, 8)
    assert emitter.dropped == 3
    assert "notifycenter-1219" in caplog.text and "dropped" in caplog.text
    emitter.close()
    assert emitter.spooled == 5  # what was buffered is on disk for the next run


def test_a_refused_token_spools_until_a_producer_with_the_right_one_replays(
    hub_factory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub = hub_factory(
        tokens={"producer-secret": ("builder", "producer"), "viewer-secret": ("vera", "viewer")}
    )
    with Emitter(
        hub.url, source=SOURCE, token="wrong", data_dir=tmp_path, max_retry_interval=0.3
    ) as wrong:
        ids = emit_numbered(wrong, 0, 3)
        assert wrong.flush(10) and wrong.spooled == 3
    assert "notifycenter-1220" in caplog.text and "producer role" in caplog.text
    with Emitter(hub.url, source=SOURCE, token="producer-secret", data_dir=tmp_path) as right:
        assert right.drain(30)

    async def fetch() -> list[str]:
        async with HubClient(hub.url, token="viewer-secret") as client:
            page = await client.list(source=SOURCE)
        return [r["event"]["id"] for r in reversed(page.items)]

    assert asyncio.run(fetch()) == ids


def test_the_hub_comes_from_the_environment_when_not_given(
    hub: HubProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFYCENTER_SERVER", hub.url)
    with Emitter(source=SOURCE) as emitter:
        ids = emit_numbered(emitter, 0, 2)
        assert emitter.drain(30)
    assert stored_ids(hub.url) == ids


def test_error_events_keep_the_code_causes_and_remedies(hub: HubProcess, tmp_path: Path) -> None:
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as emitter:
        emitter.error(HUB_UNREACHABLE.error("http://mesh:9081: refused"), subject="mesh/prod")
        assert emitter.drain(30)

    async def fetch() -> dict:
        async with HubClient(hub.url) as client:
            return (await client.list(source=SOURCE)).items[0]["event"]

    event = asyncio.run(fetch())
    assert (event["type"], event["severitytext"], event["subject"]) == (
        "io.meshery.error",
        "ERROR",
        "mesh/prod",
    )
    assert event["data"]["error"]["code"] == "notifycenter-1207"
    assert event["data"]["error"]["suggestedRemediation"] == list(HUB_UNREACHABLE.remedies)


def test_a_rate_limited_producer_waits_and_loses_nothing(hub_factory, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        '[[token]]\ntoken = "producer-secret"\nuser = "fast"\nrole = "admin"\nrate = 100\nburst = 10\n'
    )
    hub = hub_factory(extra_args=["--token-file", str(tokens)])
    with Emitter(
        hub.url,
        source=SOURCE,
        token="producer-secret",
        data_dir=tmp_path / "producer",
        batch_size=10,
        flush_interval=0.01,
        max_retry_interval=0.5,
    ) as emitter:
        ids = emit_numbered(emitter, 0, 40)
        assert emitter.drain(60)

    async def fetch() -> list[str]:
        async with HubClient(hub.url, token="producer-secret") as client:
            page = await client.list(source=SOURCE, limit=1000)
        return [r["event"]["id"] for r in reversed(page.items)]

    assert asyncio.run(fetch()) == ids
    metrics = httpclient.get(hub.url + "/metrics", timeout=10).text
    rejected = [
        line
        for line in metrics.splitlines()
        if line.startswith("notifycenter_events_rejected_total")
    ]
    assert any(RATE_LIMITED.code in line for line in rejected)  # the limit did bite


def test_events_the_hub_refuses_or_cannot_read_are_skipped_not_the_rest(
    hub: HubProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A spool left by an older producer: one event the hub refuses, one damaged line.
    def event(name: str) -> bytes:
        return json.dumps(
            {"specversion": "1.0", "id": name, "source": SOURCE, "type": "io.meshery.test"}
        ).encode()

    refused = json.dumps({"specversion": "1.0", "id": "no-type", "source": SOURCE}).encode()
    spool = Spool.open(tmp_path / "spool" / hub_folder(hub.url), spool_name_for(SOURCE))
    spool.append([event("a"), refused, event("b"), b'{"damaged', event("c")])
    spool.close()
    with Emitter(hub.url, source=SOURCE, data_dir=tmp_path) as emitter:
        assert emitter.drain(30)
    assert stored_ids(hub.url) == ["a", "b", "c"]
    assert "notifycenter-1001" in caplog.text and "not a JSON event" in caplog.text


def test_close_delivers_the_spool_when_the_hub_is_back(
    stopped_hub: HubThread, tmp_path: Path
) -> None:
    emitter = Emitter(stopped_hub.url, source=SOURCE, data_dir=tmp_path, max_retry_interval=30)
    ids = emit_numbered(emitter, 0, 5)
    assert emitter.flush(10) and emitter.spooled == 5
    stopped_hub.start()
    assert emitter.close(10)  # does not sit out the 30 s backoff, and leaves nothing behind
    assert emitter.spooled == 0
    assert stored_ids(stopped_hub.url) == ids
