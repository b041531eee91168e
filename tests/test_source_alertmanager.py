"""Alertmanager → hub: the real Alertmanager fires, repeats and resolves an alert through
its webhook; an ack with an expiry becomes a silence there and an unack expires it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests import httpclient
from tests.alertmanagerprocess import AlertmanagerProcess, now_text, require_binary
from tests.conftest import HubFactory
from tests.hubprocess import HubProcess
from tests.waiting import wait_until

PRODUCER = "am-secret"
OPERATOR = "op-secret"
TOKENS = {PRODUCER: ("alertmanager", "producer"), OPERATOR: ("alice", "operator")}
LABELS = {"alertname": "DiskFull", "severity": "critical", "instance": "node-1", "job": "node"}
ANNOTATIONS = {
    "summary": "Disk almost full on node-1",
    "description": "/var has 2% left",
    "runbook_url": "https://runbooks.example/disk-full",
}


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    require_binary()
    process = AlertmanagerProcess(tmp_path / "alertmanager", PRODUCER)
    yield process
    process.stop()


def _alert(starts: str, ends: str | None = None) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": LABELS,
        "annotations": ANNOTATIONS,
        "startsAt": starts,
        "generatorURL": "http://prometheus.example/graph?g0.expr=disk",
    }
    if ends is not None:
        alert["endsAt"] = ends
    return alert


def _events(url: str, source: str) -> list[dict[str, Any]]:
    answer = httpclient.get(
        f"{url}/api/events",
        params={"source": source},
        headers={"authorization": f"Bearer {OPERATOR}"},
        timeout=5.0,
    )
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _one(url: str, ref: str) -> dict[str, Any]:
    answer = httpclient.get(
        f"{url}/api/events/{quote(ref, safe='')}",
        headers={"authorization": f"Bearer {OPERATOR}"},
        timeout=5.0,
    )
    answer.raise_for_status()
    record: dict[str, Any] = answer.json()
    return record


def _lifecycle(url: str, verb: str, body: dict[str, Any]) -> None:
    answer = httpclient.post(
        f"{url}/api/lifecycle/{verb}",
        json=body,
        headers={"authorization": f"Bearer {OPERATOR}"},
        timeout=5.0,
    )
    assert answer.status_code == 200, answer.text


def _silence_for(am: AlertmanagerProcess, state: str) -> dict[str, Any] | None:
    return next(
        (
            s
            for s in am.silences()
            if s["status"]["state"] == state and s["comment"] == "replacing the disk"
        ),
        None,
    )


def test_fire_repeat_ack_unack_resolve(
    hub_factory: HubFactory, alertmanager: AlertmanagerProcess
) -> None:
    hub = hub_factory(tokens=TOKENS, extra_args=["--alertmanager-url", alertmanager.url])
    alertmanager.start(f"{hub.url}/api/ingest/alertmanager")
    source = f"urn:alertmanager:127.0.0.1:{alertmanager.port}"
    starts = now_text()

    alertmanager.post_alerts([_alert(starts)])
    items = wait_until(lambda: _events(hub.url, source), 15, "the alert in the hub")
    event = items[0]["event"]
    assert event["severitytext"] == "CRITICAL"
    assert event["subject"] == "DiskFull"
    assert event["data"]["summary"] == ANNOTATIONS["summary"]
    assert event["data"]["details"] == ANNOTATIONS["description"]
    assert event["data"]["metadata"]["labels"] == LABELS
    assert "https://runbooks.example/disk-full" in event["data"]["error"]["suggestedRemediation"][0]
    assert items[0]["status"] == "unread"
    ref = f"{source}#{event['id']}"

    # Alertmanager repeats the firing alert (repeat_interval 2s): still one notification.
    sent = alertmanager.webhook_sends()
    wait_until(lambda: alertmanager.webhook_sends() > sent, 15, "a repeated notification")
    assert len(_events(hub.url, source)) == 1

    # Ack with an expiry: a silence appears in Alertmanager with the same comment and author.
    _lifecycle(hub.url, "ack", {"refs": [ref], "comment": "replacing the disk", "until": "2h"})
    silence = wait_until(lambda: _silence_for(alertmanager, "active"), 15, "the silence")
    assert silence is not None
    assert silence["createdBy"] == "alice"
    assert {(m["name"], m["value"]) for m in silence["matchers"]} == set(LABELS.items())
    assert silence["endsAt"][:16] == _one(hub.url, ref)["until"][:16]

    # Unack: the silence is expired.
    _lifecycle(hub.url, "unack", {"refs": [ref]})
    wait_until(lambda: _silence_for(alertmanager, "expired"), 15, "the silence expired")
    assert _silence_for(alertmanager, "active") is None

    # Resolved in Alertmanager: the hub's notification is resolved by the source.
    alertmanager.post_alerts([_alert(starts, ends=now_text())])
    record = wait_until(
        lambda: (r := _one(hub.url, ref))["status"] == "resolved" and r, 15, "the resolution"
    )
    assert record["resolved_by"] == source
    resolves = [h for h in record["history"] if h["type"].endswith(".resolve")]
    assert [h["data"]["actor"] for h in resolves] == [source]
    assert len(_events(hub.url, source)) == 1


def _webhook(*alerts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "hub",
        "externalURL": "http://alertmanager.example:9093",
        "groupKey": '{}:{alertname="DiskFull"}',
        "alerts": list(alerts),
        **extra,
    }


def _wire_alert(fingerprint: str = "f1", **changes: Any) -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": LABELS,
        "annotations": ANNOTATIONS,
        "startsAt": "2026-11-29T10:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    }
    alert.update(changes)
    return alert


BAD_BODIES = {
    "not json": b"{alerts: [",
    "not an object": b"[1, 2]",
    "version 5": _webhook(_wire_alert(), version="5"),
    "alerts not a list": _webhook() | {"alerts": {"a": 1}},
    "second alert lacks its fingerprint": _webhook(_wire_alert("f1"), _wire_alert("")),
    "second alert has an unknown status": _webhook(
        _wire_alert("f1"), _wire_alert("f2", status="x")
    ),
    "labels are not an object": _webhook(_wire_alert(labels=["a"])),
    "startsAt is not a time": _webhook(_wire_alert(startsAt="yesterday")),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_webhook_is_a_catalogued_400_storing_nothing(
    hub_factory: HubFactory, name: str
) -> None:
    hub = hub_factory(tokens=TOKENS)
    body = BAD_BODIES[name]
    answer = httpclient.post(
        f"{hub.url}/api/ingest/alertmanager",
        content=body if isinstance(body, bytes) else None,
        json=None if isinstance(body, bytes) else body,
        headers={"authorization": f"Bearer {PRODUCER}"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"].startswith("notifycenter-")
    assert answer.json()["suggestedRemediation"]
    assert _events(hub.url, "urn:alertmanager:") == []


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("nobody", 401), (OPERATOR, 403)])
def test_webhook_needs_a_producer_token(
    hub_factory: HubFactory, token: str | None, status: int
) -> None:
    hub = hub_factory(tokens=TOKENS)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpclient.post(
        f"{hub.url}/api/ingest/alertmanager", json=_webhook(_wire_alert()), headers=headers
    )
    assert answer.status_code == status, answer.text
    assert _events(hub.url, "urn:alertmanager:") == []


def test_one_webhook_is_one_event_per_alert_and_a_severity_map(hub_factory: HubFactory) -> None:
    hub = hub_factory(tokens=TOKENS)
    severities = {"page": "ALERT", "warning": "WARNING", "info": "INFO", "none": "INFO"}
    severities |= {"sev-unknown": "WARNING"}
    alerts = [
        _wire_alert(f"f-{label}", labels={**LABELS, "severity": label}) for label in severities
    ]
    answer = httpclient.post(
        f"{hub.url}/api/ingest/alertmanager",
        json=_webhook(*alerts),
        headers={"authorization": f"Bearer {PRODUCER}"},
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] == len(severities)
    got = {
        item["event"]["data"]["metadata"]["labels"]["severity"]: item["event"]["severitytext"]
        for item in _events(hub.url, "urn:alertmanager:alertmanager.example:9093")
    }
    assert got == severities


def test_an_ack_while_alertmanager_is_down_is_recorded_and_its_silence_follows(
    hub_factory: HubFactory, alertmanager: AlertmanagerProcess
) -> None:
    hub = hub_factory(tokens=TOKENS, extra_args=["--alertmanager-url", alertmanager.url])
    posted = httpclient.post(
        f"{hub.url}/api/ingest/alertmanager",
        json=_webhook(_wire_alert("down-1")),
        headers={"authorization": f"Bearer {PRODUCER}"},
    )
    assert posted.status_code == 202, posted.text
    ref = f"urn:alertmanager:alertmanager.example:9093#down-1@{_wire_alert()['startsAt']}"
    _lifecycle(hub.url, "ack", {"refs": [ref], "comment": "replacing the disk", "until": "1h"})
    assert _one(hub.url, ref)["status"] == "acknowledged"  # Alertmanager is not even running
    alertmanager.start(f"{hub.url}/api/ingest/alertmanager")
    silence = wait_until(lambda: _silence_for(alertmanager, "active"), 20, "the retried silence")
    assert silence is not None and silence["createdBy"] == "alice"


def test_a_silence_still_owed_when_the_hub_stops_is_made_after_its_restart(
    hub_factory: HubFactory, alertmanager: AlertmanagerProcess
) -> None:
    hub = hub_factory(
        tokens=TOKENS, extra_args=["--alertmanager-url", alertmanager.url], process=True
    )
    assert isinstance(hub, HubProcess)
    posted = httpclient.post(
        f"{hub.url}/api/ingest/alertmanager",
        json=_webhook(_wire_alert("owed-1")),
        headers={"authorization": f"Bearer {PRODUCER}"},
    )
    assert posted.status_code == 202, posted.text
    ref = f"urn:alertmanager:alertmanager.example:9093#owed-1@{_wire_alert()['startsAt']}"
    _lifecycle(hub.url, "ack", {"refs": [ref], "comment": "replacing the disk", "until": "1h"})
    hub.stop()  # Alertmanager never answered this hub process
    alertmanager.start(f"{hub.url}/api/ingest/alertmanager")
    hub.start()
    silence = wait_until(lambda: _silence_for(alertmanager, "active"), 20, "the owed silence")
    assert silence is not None and silence["createdBy"] == "alice"
    hub.stop()  # the silence's id is kept: an unack after a restart expires it
    hub.start()
    _lifecycle(hub.url, "unack", {"refs": [ref]})
    wait_until(lambda: _silence_for(alertmanager, "expired"), 20, "the silence expired")


def test_a_receiver_name_with_spaces_still_gives_an_event(hub_factory: HubFactory) -> None:
    """Without an externalURL the receiver names the source; its spaces are encoded, not refused."""
    hub = hub_factory()
    payload = {
        "version": "4",
        "receiver": "team pager é",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "severity": "critical"},
                "annotations": {"summary": "disk full"},
                "startsAt": "2026-11-29T10:00:00Z",
                "fingerprint": "abc123",
            }
        ],
    }
    answer = httpclient.post(f"{hub.url}/api/ingest/alertmanager", json=payload, timeout=10)
    assert answer.status_code == 202, answer.text
    items = httpclient.get(f"{hub.url}/api/events", timeout=10).json()["items"]
    assert [i["event"]["source"] for i in items] == [
        "urn:alertmanager:receiver:team%20pager%20%C3%A9"
    ]


def test_an_unexpected_failure_in_write_back_does_not_stop_later_silences() -> None:
    """An Alertmanager answer of an unforeseen shape fails that attempt only; the thread lives."""
    from notifycenter.hub import alertmanager_writeback as writeback
    from notifycenter.model.lifecycle import Verb

    answers = iter([httpx.Response(200, json=[{"status": "not an object"}])])

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # the first look-up gets a malformed silence list
            return next(answers, httpx.Response(200, json=[]))
        return httpx.Response(200, json={"silenceID": "s-1"})

    done: list[tuple[str, str | None]] = []
    writer = writeback.SilenceWriter(
        "http://alertmanager.invalid", client=httpx.Client(transport=httpx.MockTransport(handle))
    )
    writer.on_done = lambda _row, ref, silence: done.append((ref, silence))
    original = writeback.FIRST_DELAY
    writeback.FIRST_DELAY = 0.01
    try:
        writer.submit(writeback.SilenceJob(Verb.ACK, "a#1", {"alertname": "X"}, "alice"))
        writer.submit(writeback.SilenceJob(Verb.ACK, "a#2", {"alertname": "Y"}, "alice"))
        wait_until(lambda: len(done) == 2, timeout=10)
    finally:
        writeback.FIRST_DELAY = original
        writer.close()
    assert done == [("a#1", "s-1"), ("a#2", "s-1")]


def test_an_alert_name_with_tabs_and_line_breaks_keeps_its_webhook() -> None:
    """Prometheus allows them in label values; an attribute may not hold them, and one such
    alert got the whole webhook refused, which Alertmanager never sends again."""
    from notifycenter.model.event import validate_event
    from notifycenter.sources.alertmanager import map_payload

    alert = {
        "status": "firing",
        "labels": {"alertname": "Job\tfailed\non node", "severity": "critical"},
        "annotations": {},
        "startsAt": "2026-11-30T10:00:00Z",
        "fingerprint": "a1",
    }
    mapped = map_payload({"version": "4", "status": "firing", "receiver": "r", "alerts": [alert]})
    assert mapped[0].event["subject"] == "Job failed on node"
    validate_event(dict(mapped[0].event))  # refused with notifycenter-1013 before


@pytest.mark.parametrize("answered", [{"silenceID": {"x": 1}}, {"silenceID": ""}, {}])
def test_a_silence_id_that_is_no_text_is_an_error_not_a_stored_mapping(answered: Any) -> None:
    """A dict as id failed later inside SQLite, in a future nobody awaited: nothing logged,
    the outbox row kept, the silence created again at the next start."""
    from notifycenter.hub.alertmanager_writeback import SilenceJob, SilenceWriter
    from notifycenter.model.lifecycle import Verb

    def alertmanager(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answered)

    writer = SilenceWriter(
        "http://am.test", client=httpx.Client(transport=httpx.MockTransport(alertmanager))
    )
    job = SilenceJob(Verb.ACK, "urn:alertmanager:x#a1", {"alertname": "DiskFull"}, "alice")
    with pytest.raises(ValueError, match="no silence id"):
        writer._create(job)
    assert writer.silences == {}


class Endless(httpx.SyncByteStream):
    """An answer body that keeps coming, `pause` seconds between chunks; counts what was read."""

    def __init__(self, chunk: bytes, pause: float = 0.0, chunks: int = 1 << 40) -> None:
        self.chunk, self.pause, self.chunks, self.read = chunk, pause, chunks, 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"silenceID": "s-1", "x": "'
        for _ in range(self.chunks):
            time.sleep(self.pause)
            self.read += len(self.chunk)
            yield self.chunk
        yield b'"}'


def writer_answering(body: Endless) -> Any:
    from notifycenter.hub.alertmanager_writeback import SilenceWriter

    def alertmanager(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body)

    return SilenceWriter(
        "http://am.test", client=httpx.Client(transport=httpx.MockTransport(alertmanager))
    )


def test_an_alertmanager_answer_without_end_is_refused_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write-back read every answer whole: a hostile or broken Alertmanager could fill
    the hub's memory."""
    from notifycenter.hub import alertmanager_writeback as writeback
    from notifycenter.model.lifecycle import Verb

    monkeypatch.setattr(writeback, "ANSWER_BYTES", 1 << 20)
    body = Endless(b"x" * 65536, chunks=1024)  # 64 MiB, were it all read
    writer = writer_answering(body)
    job = writeback.SilenceJob(Verb.ACK, "urn:alertmanager:x#a1", {"alertname": "DiskFull"}, "al")
    with pytest.raises(ValueError, match="more than 1,048,576 bytes"):
        writer._create(job)
    assert body.read <= (1 << 20) + 65536 and writer.silences == {}


def test_an_alertmanager_answer_that_drips_is_given_up_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each byte within the read timeout held the write-back's one thread for as long."""
    from notifycenter.hub import alertmanager_writeback as writeback
    from notifycenter.model.lifecycle import Verb

    monkeypatch.setattr(writeback, "ANSWER_SECONDS", 0.5)
    writer = writer_answering(Endless(b"x", pause=0.1, chunks=30))  # 3 s, were it awaited
    job = writeback.SilenceJob(Verb.ACK, "urn:alertmanager:x#a1", {"alertname": "DiskFull"}, "al")
    with pytest.raises(ValueError, match=r"not whole within 0\.5 s"):
        writer._create(job)
    assert writer.silences == {}
