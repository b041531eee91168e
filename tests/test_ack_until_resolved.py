"""An ack until resolved: never lapses on time, ends with the resolve (a reopen finds it
unacknowledged), the same on the hub, in the client store and from the command line."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from notifycenter.hub.alertmanager_writeback import SilenceJob, WriteBackProjection
from notifycenter.hub.expiry import next_due
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlite_log import SqliteLog
from notifycenter.model.lifecycle import LifecycleState, Status, Verb, format_time
from notifycenter.sources.alertmanager import SOURCE_PREFIX
from notifycenter.store import EventStore
from notifycenter.tui.commandline import split_ack_argument
from tests import httpclient
from tests.clirun import notifycenter
from tests.hubprocess import Hub, make_event, post_batch

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
YEARS_LATER = NOW + timedelta(days=3650)


def _record(hub: Hub, ref: str) -> dict[str, Any]:
    answer = httpclient.get(f"{hub.url}/api/events/{ref}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _change(hub: Hub, verb: str, **body: Any) -> httpx.Response:
    return httpclient.post(f"{hub.url}/api/lifecycle/{verb}", json=body)


def test_the_state_holds_the_ack_until_the_resolve_and_a_reopen_ends_it() -> None:
    state = LifecycleState()
    state.apply(Verb.ACK, "alice", format_time(NOW), until="resolved")
    assert state.status(YEARS_LATER) is Status.ACKNOWLEDGED and not state.expired(YEARS_LATER)
    state.apply(Verb.RESOLVE, "alice", format_time(NOW))
    assert state.status(NOW) is Status.RESOLVED and state.acked_by == "alice"
    state.apply(Verb.REOPEN, "bob", format_time(NOW))
    assert state.status(NOW) is Status.READ and state.acked_by is None
    # A plain ack survives a reopen, as before.
    state.apply(Verb.ACK, "alice", format_time(NOW))
    state.apply(Verb.RESOLVE, "alice", format_time(NOW))
    state.apply(Verb.REOPEN, "bob", format_time(NOW))
    assert state.status(NOW) is Status.ACKNOWLEDGED


def test_the_hub_and_a_client_store_agree_through_ack_resolve_and_reopen(hub: Hub) -> None:
    (cursor,) = post_batch(hub.url, [make_event(1)]).json()["cursors"]
    acked = _change(hub, "ack", refs=[cursor], until="Resolved", comment="until it is fixed")
    assert acked.status_code == 200, acked.text
    record = _record(hub, cursor)
    assert (record["status"], record["until"]) == ("acknowledged", "resolved")
    assert record["history"][0]["data"]["until"] == "resolved"
    listed = httpclient.get(f"{hub.url}/api/events", params={"status": "acknowledged"}).json()
    assert [item["cursor"] for item in listed["items"]] == [cursor]

    # A client store years later: the ack has not lapsed, from the record nor the stream.
    from_record = EventStore(clock=lambda: YEARS_LATER)
    from_record.add_records([record])
    from_stream = EventStore(clock=lambda: YEARS_LATER)
    from_stream.add([record["event"], *record["history"]])
    for store in (from_record, from_stream):
        row = store.find(cursor)
        assert row is not None and store.row(row).status is Status.ACKNOWLEDGED
        assert store.tick().empty

    _change(hub, "resolve", refs=[cursor])
    _change(hub, "reopen", refs=[cursor])
    record = _record(hub, cursor)
    assert (record["status"], record["acknowledged_by"]) == ("read", None)
    from_stream.add(record["history"][1:])
    row = from_stream.find(cursor)
    assert row is not None and from_stream.row(row).status is Status.READ
    # The hub's expiry has nothing to wait for.
    with sqlite3.connect(hub.data_dir / "hub.sqlite3") as conn:
        assert next_due(conn) is None
    conn.close()


def test_the_command_line_acks_and_takes_until_resolved(hub: Hub) -> None:
    post_batch(hub.url, [make_event(1), make_event(2)])
    acked = notifycenter("--server", hub.url, "events", "ack", "evt-1", "--until", "resolved")
    assert acked.returncode == 0, acked.stderr
    assert acked.stdout == "acknowledged 1 notification\n"
    shown = notifycenter("--server", hub.url, "events", "show", "evt-1").stdout
    assert "ack until:    resolved" in shown
    assert "acknowledged by anonymous until resolved" in shown
    taken = notifycenter("--server", hub.url, "events", "take", "evt-2", "--until", "resolved")
    assert taken.returncode == 0, taken.stderr
    assert _record(hub, "evt-2")["until"] == "resolved"
    wrong = notifycenter("--server", hub.url, "events", "ack", "evt-2", "--until", "fixed")
    assert wrong.returncode != 0 and "notifycenter-1212" in wrong.stderr


async def test_an_ack_until_resolved_makes_no_alertmanager_silence(tmp_path: Path) -> None:
    writeback = WriteBackProjection()
    jobs: list[SilenceJob] = []
    writeback.writer = type("Writer", (), {"submit": staticmethod(jobs.append)})()
    log = SqliteLog(tmp_path / "hub.sqlite3", [EventIndex(), writeback])
    await log.open()
    try:
        alert = make_event(
            1,
            source=f"{SOURCE_PREFIX}am.example:9093",
            time=format_time(datetime.now(UTC)),
            data={"summary": "Disk full", "metadata": {"labels": {"alertname": "DiskFull"}}},
        )
        await log.append([alert])
        in_an_hour = format_time(datetime.now(UTC) + timedelta(hours=1))
        for until in ("resolved", in_an_hour):
            request = LifecycleRequest(Verb.ACK, "alice", refs=("1",), until=until)
            await log.write(partial(apply_request, request=request, hub_source="urn:hub"))
    finally:
        await log.close()
    # Only the ack with an end time became a silence.
    assert [(job.verb, job.until) for job in jobs] == [(Verb.ACK, in_an_hour)]


_unack = LifecycleRequest(Verb.UNACK, "alice", refs=("1",))


def test_the_tui_ack_prompt_takes_until_resolved() -> None:
    assert split_ack_argument("on it until resolved") == ("on it", "resolved")
    assert split_ack_argument("until Resolved") == (None, "resolved")
    assert split_ack_argument("on it for 2h") == ("on it", "2h")
    assert split_ack_argument("wait until it is resolved") == ("wait until it is resolved", None)
