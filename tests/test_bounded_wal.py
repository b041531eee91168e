"""The hub's write-ahead log stays bounded while events keep arriving."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from notifycenter.hub import sqlite_log
from notifycenter.hub.settings import DB_FILENAME
from tests import httpclient
from tests.conftest import HubFactory
from tests.waiting import wait_until

BATCH = "application/cloudevents-batch+json"
BOUND = 256 << 10


def _batch(start: int) -> list[dict[str, object]]:
    return [
        {
            "specversion": "1.0",
            "id": f"wal-{n}",
            "source": "urn:meshery:adapter:istio",
            "type": "io.meshery.provisioning",
            "severitytext": "ERROR",
            "data": {"summary": "Could not provision Istio", "details": "x" * 400},
        }
        for n in range(start, start + 100)
    ]


def _wal_size(data_dir: Path) -> int:
    wal = data_dir / f"{DB_FILENAME}-wal"
    return wal.stat().st_size if wal.exists() else 0


def test_the_wal_is_truncated_while_ingest_goes_on(
    hub_factory: HubFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3,000 events write ~4.5 MB of WAL; with a 256 KB bound the file never gets near that,
    and every event is still stored."""
    monkeypatch.setattr(sqlite_log, "WAL_TRUNCATE_BYTES", BOUND)
    monkeypatch.setattr(sqlite_log, "WAL_CHECK_SECONDS", 0.0)
    hub = hub_factory()
    largest = 0
    with httpclient.sync_client(base_url=hub.url, timeout=30) as client:
        for start in range(0, 3000, 100):
            answer = client.post(
                "/api/events",
                content=httpx.Request("POST", "/", json=_batch(start)).content,
                headers={"content-type": BATCH},
            )
            assert answer.status_code == 202, answer.text
            largest = max(largest, _wal_size(hub.data_dir))
        total = client.get("/api/summary").json()["buckets"]["errors"]["total"]
    assert total == 3000
    # One commit of 100 events writes ~150 KB of WAL after the last look at its size.
    assert largest < BOUND + (512 << 10), f"the WAL reached {largest} bytes"


def test_an_idle_hub_gives_the_wal_back(
    hub_factory: HubFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a burst below the running bound, the idle hub shrinks the WAL to its limit."""
    monkeypatch.setattr(sqlite_log, "WAL_TRUNCATE_BYTES", 1 << 40)
    monkeypatch.setattr(sqlite_log, "JOURNAL_SIZE_LIMIT", 64 << 10)
    monkeypatch.setattr(sqlite_log, "CHECKPOINT_SECONDS", 0.05)
    hub = hub_factory()
    with httpclient.sync_client(base_url=hub.url, timeout=30) as client:
        for start in range(0, 1000, 100):
            answer = client.post(
                "/api/events",
                content=httpx.Request("POST", "/", json=_batch(start)).content,
                headers={"content-type": BATCH},
            )
            assert answer.status_code == 202, answer.text
    wait_until(
        lambda: _wal_size(hub.data_dir) <= 64 << 10,
        timeout=10,
        what=f"the WAL to shrink (it has {_wal_size(hub.data_dir)} bytes)",
    )


def test_a_reader_holding_the_wal_puts_truncation_off_without_failing_ingest(
    hub_factory: HubFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long read keeps the WAL's pages in use: every post is still answered and the hub
    stays healthy; once the reader leaves, the next look truncates."""
    monkeypatch.setattr(sqlite_log, "WAL_TRUNCATE_BYTES", BOUND)
    monkeypatch.setattr(sqlite_log, "WAL_CHECK_SECONDS", 0.0)
    hub = hub_factory()
    reader = sqlite3.connect(hub.data_dir / DB_FILENAME, isolation_level=None)
    with httpclient.sync_client(base_url=hub.url, timeout=30) as client:
        _post(client, 0)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM log").fetchone()  # a snapshot held open
        for start in range(100, 1500, 100):
            _post(client, start)
        assert _wal_size(hub.data_dir) > BOUND  # put off while the reader stays
        assert client.get("/healthz").status_code == 200
        reader.execute("COMMIT")
        reader.close()
        start = 1500
        while _wal_size(hub.data_dir) > BOUND + (512 << 10) and start < 4000:
            _post(client, start)
            start += 100
    assert _wal_size(hub.data_dir) <= BOUND + (512 << 10)


def _post(client: httpx.Client, start: int) -> None:
    answer = client.post(
        "/api/events",
        content=httpx.Request("POST", "/", json=_batch(start)).content,
        headers={"content-type": BATCH},
    )
    assert answer.status_code == 202, answer.text
