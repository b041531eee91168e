"""State a replica keeps in memory follows what the other replicas write to the database:
a silence created on one replica quiets the next event posted to another, and an ack
with an expiry written elsewhere wakes this replica's expiry task."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from notifycenter.hub import silences
from notifycenter.hub.expiry import AckExpiry, ExpiryWatch
from notifycenter.hub.health import HealthBoard
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.sqlconn import PgConnection, create_tables
from notifycenter.hub.sqlite_log import LOG_SCHEMA
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import Verb, format_time, lifecycle_event
from notifycenter.model.silences import SILENCE_ATTRIBUTE, Silence, created_event
from tests.waiting import async_wait_until

psycopg = pytest.importorskip("psycopg")

NOW = datetime.now(UTC)


def _entry(seq: int, event: dict[str, Any]) -> StoredEntry:
    return StoredEntry(seq, format_cursor(seq), event, orjson.dumps(event), "alice")


@pytest.fixture
def replicas(pg_database: str) -> Iterator[tuple[PgConnection, PgConnection]]:
    """Two replicas' connections to one database."""
    first, second = psycopg.connect(pg_database), psycopg.connect(pg_database)
    try:
        yield PgConnection(first), PgConnection(second)
    finally:
        first.close()
        second.close()


def test_a_silence_made_on_one_replica_quiets_the_next_event_on_another(
    replicas: tuple[PgConnection, PgConnection], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(silences, "RELOAD_SECONDS", 3600.0)  # only a change may reload
    a, b = replicas
    on_a, on_b = silences.SilencesProjection(), silences.SilencesProjection()
    create_tables(a, LOG_SCHEMA)
    on_a.create(a)
    a.commit()
    event: dict[str, Any] = {"specversion": "1.0", "id": "e1", "source": "urn:x", "type": "io.x"}
    event["severitynumber"] = 17
    on_b.stamp(b, [dict(event)])  # B has read the silences: none yet
    b.commit()
    silence = Silence(
        id="s-1",
        filter="source = 'urn:x'",
        starts=format_time(NOW - timedelta(minutes=1)),
        ends=format_time(NOW + timedelta(hours=1)),
        author="carol",
        comment=None,
        created_at=format_time(NOW),
    )
    on_a.apply(a, [_entry(1, created_event(silence, hub_source="urn:hub", event_id="s"))])
    a.commit()
    posted = [dict(event, id="e2")]
    on_b.stamp(b, posted)
    assert posted[0].get(SILENCE_ATTRIBUTE) == "s-1"


class _QuietLog:
    """A log with nothing due: the expiry task then sleeps until woken."""

    def __init__(self) -> None:
        self.rounds = 0
        self.on_commit: Callable[[list[StoredEntry]], None] | None = None

    async def write(self, job: object) -> tuple[list[str], str | None]:
        self.rounds += 1
        return [], None


async def test_an_ack_with_an_expiry_committed_elsewhere_wakes_the_expiry_task() -> None:
    quiet = _QuietLog()
    delivered: list[int] = []
    quiet.on_commit = lambda entries: delivered.append(len(entries))
    expiry = AckExpiry(quiet, "urn:hub", HealthBoard(), ExpiryWatch())  # type: ignore[arg-type]
    expiry.start()
    try:
        await async_wait_until(lambda: quiet.rounds == 1, 5, "the first round")
        until = format_time(NOW + timedelta(seconds=1))
        ack = lifecycle_event(
            Verb.ACK, "urn:x", "e1", actor="bob", hub_source="urn:hub", event_id="c1",
            at=format_time(NOW), until=until,
        )  # fmt: skip
        assert quiet.on_commit is not None
        quiet.on_commit([_entry(2, ack)])  # as another replica's commit is handed on
        await async_wait_until(lambda: quiet.rounds == 2, 5, "a round for the new ack")
        assert delivered == [1]  # whoever listened before still hears every commit
    finally:
        await expiry.stop()
    assert quiet.on_commit is not None and quiet.on_commit([]) is None
    assert delivered == [1, 0]
