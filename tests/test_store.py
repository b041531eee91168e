"""The client-side store: buckets, counts, lifecycle, folding, queries, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifycenter.model.lifecycle import Status
from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import BucketCount, EventStore, ViewQuery

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SPAN = "00f067aa0ba902b7"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def event(
    cursor: int,
    *,
    severity: str = "ERROR",
    source: str = "urn:meshery:adapter:istio",
    type_: str = "io.meshery.provision",
    subject: str | None = None,
    summary: str = "Could not provision",
    code: str | None = None,
    category: str | None = None,
    traceparent: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"summary": summary}
    if code:
        data["error"] = {"code": code}
    out = {
        "specversion": "1.0",
        "id": f"e{cursor}",
        "source": source,
        "type": type_,
        "cursor": f"{cursor:016d}",
        "time": f"2026-11-28T08:{cursor % 60:02d}:00.000Z",
        "severitytext": severity,
        "data": data,
        **extra,
    }
    for key, value in (("subject", subject), ("category", category), ("traceparent", traceparent)):
        if value is not None:
            out[key] = value
    return out


def lifecycle(
    cursor: int,
    target: dict[str, Any],
    verb: str,
    actor: str = "bob",
    comment: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"l{cursor}",
        "source": "urn:notifycenter:hub",
        "type": f"io.meshery.notification.{verb}",
        "cursor": f"{cursor:016d}",
        "time": "2026-11-28T09:00:00.000Z",
        "category": "audit",
        "severitytext": "DEBUG",
        "data": {
            "target": {"source": target["source"], "id": target["id"]},
            "actor": actor,
            "comment": comment,
            "until": until,
        },
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> EventStore:
    return EventStore(clock=clock)


def test_buckets_and_counts(store: EventStore) -> None:
    store.add(
        [
            event(1, severity="CRITICAL", subject="a"),
            event(2, severity="WARNING"),
            event(3, severity="INFO", type_="t.info"),
            event(4, severity="SUCCESS", type_="t.ok"),
            event(5, severity="DEBUG", type_="t.debug"),
            event(6, severity="INFO", category="audit", type_="t.a"),
        ]
    )
    assert store.counts() == {
        Bucket.ERRORS: BucketCount(1, 1),
        Bucket.WARNINGS: BucketCount(1, 1),
        Bucket.INFOS: BucketCount(2, 2),
        Bucket.AUDIT: BucketCount(2, 0),
    }
    audit = store.row(store.find("0000000000000005"))
    assert audit.bucket is Bucket.AUDIT and audit.status is None


def test_ack_by_another_client_updates_row_counts_and_history(store: EventStore) -> None:
    first = event(1)
    store.add([first])
    row = store.find(1)
    assert store.row(row).status is Status.UNREAD
    change = store.add([lifecycle(2, first, "ack", actor="alice", comment="on it")])
    view = store.row(row)
    assert (view.status, view.acked_by) == (Status.ACKNOWLEDGED, "alice")
    assert row in change.changed_rows and change.counts_changed and change.lifecycle == 1
    assert change.status_rows == {row}
    assert store.counts()[Bucket.ERRORS] == BucketCount(1, 0)
    [entry] = store.history(row)
    assert (entry.verb.value, entry.actor, entry.comment) == ("ack", "alice", "on it")
    store.add([lifecycle(3, first, "resolve"), lifecycle(4, first, "archive")])
    assert store.row(row).status is Status.ARCHIVED
    assert store.counts()[Bucket.ERRORS] == BucketCount(0, 0)  # archived is not counted
    assert [h.verb.value for h in store.history(row)] == ["ack", "resolve", "archive"]


def test_ack_lapses_when_until_passes(store: EventStore, clock: Clock) -> None:
    first = event(1)
    until = (T0 + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    store.add([first, lifecycle(2, first, "ack", until=until)])
    row = store.find(1)
    assert store.row(row).status is Status.ACKNOWLEDGED
    assert store.tick().empty
    clock.now = T0 + timedelta(minutes=6)
    change = store.tick()
    assert row in change.changed_rows and change.counts_changed
    assert store.row(row).status is Status.READ  # an ack reads it; the read stays
    assert store.counts()[Bucket.ERRORS] == BucketCount(1, 1)
    assert list(store.select(ViewQuery(status="unacked"))) == [row]


def test_ack_whose_until_already_passed_does_not_count(store: EventStore) -> None:
    first = event(1)
    store.add([first, lifecycle(2, first, "ack", until="2026-11-28T08:00:00.000Z")])
    assert store.row(store.find(1)).status is Status.READ


def test_audit_events_have_no_lifecycle(store: EventStore) -> None:
    debug = event(1, severity="DEBUG")
    store.add([debug, lifecycle(2, debug, "ack")])
    assert store.row(store.find(1)).status is None and store.history(store.find(1)) == []


def test_lifecycle_for_an_unknown_target_is_counted_not_fatal(store: EventStore) -> None:
    store.add([lifecycle(5, {"source": "urn:x", "id": "nope"}, "ack")])
    assert store.orphans == 1 and len(store) == 0


def test_repeats_fold_into_one_row_showing_the_newest(store: EventStore) -> None:
    store.add([event(1, subject="mesh-a"), event(2, subject="mesh-b")])
    change = store.add([event(3, subject="mesh-a")])
    assert len(store) == 2 and store.event_count == 3
    row = store.find(1)
    assert store.find(3) == row and change.moved_rows == [row] and not change.new_rows
    assert change.changed_rows == {row} and not change.status_rows  # its count, not its status
    view = store.row(row)
    assert (view.count, view.cursor) == (2, "0000000000000003") and store.occurrences(row) == 2
    assert store.event(row)["id"] == "e3"
    assert list(store.select(ViewQuery())) == [row, store.find(2)]  # moved to the top
    assert store.cursors(row) == ["0000000000000001", "0000000000000003"]
    assert store.counts()[Bucket.ERRORS] == BucketCount(3, 3)


def test_different_code_or_severity_does_not_fold(store: EventStore) -> None:
    store.add(
        [event(1, code="x-1"), event(2, code="x-2"), event(3, code="x-1", severity="WARNING")]
    )
    assert len(store) == 3


def test_only_true_repeats_fold_not_other_notifications_of_one_kind(store: EventStore) -> None:
    """Two policies violated by one design, or two runs, are two notifications."""
    design = {"subject": "bookinfo", "type_": "io.meshery.policy.violation", "severity": "WARNING"}
    store.add(
        [
            event(1, summary="Design 'bookinfo' violates policy require-resource-limits", **design),
            event(
                2,
                summary="Design 'bookinfo' violates policy relationship-hierarchical-parent",
                **design,
            ),
        ]
    )
    assert len(store) == 2
    run = {"type_": "io.meshery.operation.failed", "summary": "run failed"}
    spans = [f"00-{'a' * 32}-{span:016x}-01" for span in (1, 2, 1)]
    store.add([event(n, traceparent=tp, **run) for n, tp in zip((3, 4, 5), spans, strict=True)])
    assert store.find(3) == store.find(5) != store.find(4)  # one operation's repeat folds
    assert [store.occurrences(store.find(n)) for n in (1, 2, 3, 4)] == [1, 1, 2, 1]
    assert store.cursors(store.find(5)) == ["0000000000000003", "0000000000000005"]
    untraced = store.add([event(6, **run)])
    assert untraced.new_rows == [store.find(6)]  # no operation is another operation


def test_every_occurrence_of_a_row_matches_the_same_filters(store: EventStore) -> None:
    """Text, operation and source filters read fold-key fields: a row's count is exact."""
    spans = [f"00-{'b' * 32}-{span:016x}-01" for span in (7, 7, 8, 7)]
    store.add([event(n, traceparent=tp, summary="deploy failed") for n, tp in enumerate(spans, 1)])
    [row] = store.select(ViewQuery(operation=f"{7:016x}"))
    assert store.occurrences(row) == 3 and store.cursors(row)[-1] == "0000000000000004"
    [other] = store.select(ViewQuery(operation=f"{8:016x}", text="DEPLOY"))
    assert store.occurrences(other) == 1


def test_a_new_occurrence_after_an_ack_is_a_new_row(store: EventStore) -> None:
    first = event(1)
    store.add([first, lifecycle(2, first, "ack"), event(3)])
    assert len(store) == 2
    assert store.row(store.find(3)).status is Status.UNREAD
    assert store.row(store.find(1)).status is Status.ACKNOWLEDGED


def test_a_new_occurrence_makes_a_read_row_unread(store: EventStore) -> None:
    first = event(1)
    store.add([first, lifecycle(2, first, "read")])
    assert store.row(store.find(1)).status is Status.READ
    store.add([event(3)])
    assert store.row(store.find(1)).status is Status.UNREAD and store.row(store.find(1)).count == 2


def test_duplicates_by_cursor_are_ignored(store: EventStore) -> None:
    first = event(1)
    store.add([first, event(2, subject="x")])
    change = store.add([first, event(2, subject="x"), lifecycle(3, first, "ack")])
    assert change.duplicates == 2 and len(store) == 2 and store.row(store.find(1)).count == 1
    again = store.add([lifecycle(3, first, "ack")])
    assert again.duplicates == 1 and len(store.history(store.find(1))) == 1


def test_events_without_a_cursor_are_skipped(store: EventStore) -> None:
    bad = event(1)
    del bad["cursor"]
    assert store.add([bad]).skipped == 1 and len(store) == 0


def _mixed(store: EventStore) -> dict[str, int]:
    store.add(
        [
            event(1, severity="ERROR", summary="Istio is DOWN", subject="1"),
            event(
                2,
                severity="WARNING",
                summary="slow",
                subject="2",
                source="urn:meshery:adapter:linkerd",
            ),
            event(
                3,
                severity="INFO",
                summary="deployed",
                subject="3",
                traceparent=f"00-{'a' * 32}-{SPAN}-01",
            ),
            event(4, severity="CRITICAL", summary="disk", subject="4", code="meshery-server-1044"),
            event(5, severity="DEBUG", summary="audit line", subject="5"),
        ]
    )
    return {
        name: store.find(n)
        for n, name in enumerate(("error", "warning", "info", "critical", "debug"), 1)
    }


def test_select_is_newest_first_and_filters_simple_fields(store: EventStore) -> None:
    rows = _mixed(store)
    order = [rows[k] for k in ("debug", "critical", "info", "warning", "error")]
    assert list(store.select(ViewQuery())) == order
    assert list(store.select(ViewQuery(bucket=Bucket.ERRORS))) == [rows["critical"], rows["error"]]
    assert list(store.select(ViewQuery(bucket="warnings"))) == [rows["warning"]]
    assert list(store.select(ViewQuery(min_severity=Severity.CRITICAL))) == [rows["critical"]]
    assert list(store.select(ViewQuery(min_severity="warn"))) == [
        rows["critical"],
        rows["warning"],
        rows["error"],
    ]
    assert list(store.select(ViewQuery(operation=SPAN))) == [rows["info"]]
    assert list(store.select(ViewQuery(source="urn:meshery:adapter:link"))) == [rows["warning"]]


def test_select_text_is_case_insensitive_over_summary_source_type_and_code(
    store: EventStore,
) -> None:
    rows = _mixed(store)
    assert list(store.select(ViewQuery(text="istio is down"))) == [rows["error"]]
    assert list(store.select(ViewQuery(text="LINKERD"))) == [rows["warning"]]
    assert list(store.select(ViewQuery(text="SERVER-1044"))) == [rows["critical"]]
    assert len(store.select(ViewQuery(text="io.meshery.provision"))) == 5


def test_select_by_status_and_unacked_errors(store: EventStore) -> None:
    rows = _mixed(store)
    store.add(
        [
            lifecycle(10, store.event(rows["error"]), "ack"),
            lifecycle(11, store.event(rows["warning"]), "read"),
            lifecycle(12, store.event(rows["info"]), "archive"),
        ]
    )
    assert list(store.select(ViewQuery(unacked_errors_only=True))) == [rows["critical"]]
    assert list(store.select(ViewQuery(status="acknowledged"))) == [rows["error"]]
    assert list(store.select(ViewQuery(status="read"))) == [rows["warning"]]
    assert list(store.select(ViewQuery(status="unread"))) == [rows["critical"]]
    assert list(store.select(ViewQuery(status="open"))) == [
        rows["critical"],
        rows["warning"],
        rows["error"],
    ]
    assert list(store.select(ViewQuery(status="archived"))) == [rows["info"]]
    assert rows["info"] not in store.select(ViewQuery())  # archived is hidden unless asked for


def test_select_with_a_predicate_sees_the_full_event(store: EventStore) -> None:
    rows = _mixed(store)

    def subject_is_two(event: dict[str, Any]) -> bool:
        return event["subject"] == "2"

    def broken(event: dict[str, Any]) -> bool:
        raise KeyError("nope")

    assert list(store.select(ViewQuery(predicate=subject_is_two))) == [rows["warning"]]
    assert list(store.select(ViewQuery(predicate=broken))) == []


def test_select_from_a_log_position_takes_only_what_arrived(store: EventStore) -> None:
    _mixed(store)
    change = store.add([event(20, subject="new", severity="ERROR"), event(21, subject="1")])
    fresh = store.select(ViewQuery(bucket="errors"), start=change.log_start)
    assert list(fresh) == [store.find(21), store.find(20)]  # the moved row and the new one


def test_records_carry_their_status(store: EventStore) -> None:
    records = [
        {
            "cursor": "0000000000000002",
            "event": event(2, subject="b"),
            "status": "acknowledged",
            "read": True,
            "acknowledged_by": "carol",
            "acknowledged_at": "2026-11-28T08:00:00.000Z",
        },
        {
            "cursor": "0000000000000001",
            "event": event(1, subject="a"),
            "status": "read",
            "read": True,
        },
    ]
    store.add_records(records)  # newest first, as GET /api/events answers
    assert list(store.select(ViewQuery())) == [store.find(2), store.find(1)]
    assert store.row(store.find(2)).acked_by == "carol"
    assert store.row(store.find(1)).status is Status.READ
    store.add_records(
        [{**records[1], "status": "resolved", "resolved_at": "2026-11-28T09:00:00.000Z"}]
    )
    assert store.row(store.find(1)).status is Status.RESOLVED


def test_records_older_than_what_is_held_are_still_listed_in_order(store: EventStore) -> None:
    store.add([event(10, subject="new")])
    change = store.add_records(
        [{"cursor": "0000000000000003", "event": event(3, subject="old"), "status": "unread"}]
    )
    # Older than everything held: placed below, so no view has to select again.
    assert not change.reordered
    assert list(store.select_older(ViewQuery(), change.older_start)) == [store.find(3)]
    assert list(store.select(ViewQuery())) == [store.find(10), store.find(3)]


def test_records_between_held_ones_reorder_the_list(store: EventStore) -> None:
    store.add([event(10, subject="new")])
    store.add_records([{"cursor": "0000000000000003", "event": event(3), "status": "unread"}])
    change = store.add_records(
        [{"cursor": "0000000000000005", "event": event(5, subject="mid"), "status": "unread"}]
    )
    assert change.reordered
    assert list(store.select(ViewQuery())) == [store.find(10), store.find(5), store.find(3)]


def test_row_text_is_sanitised_once(store: EventStore) -> None:
    store.add(
        [event(1, summary="evil \x1b]52;c;aGVsbG8=\x07 \u202eabc\nnext", source="urn:x\x1b[31m")]
    )
    view = store.row(store.find(1))
    assert "\x1b" not in view.summary and "\u202e" not in view.summary and "\n" not in view.summary
    assert view.source == "urn:x[31m"
    assert store.event(store.find(1))["data"]["summary"].startswith(
        "evil \x1b"
    )  # raw kept for JSON


def test_marks_show_on_rows(store: EventStore) -> None:
    store.add([event(1)])
    store.marks.add(store.find(1))
    assert store.row(store.find(1)).marked


def test_many_events_survive_index_growth_and_block_sealing(store: EventStore) -> None:
    store.add(event(n, subject=str(n)) for n in range(1, 3001))
    assert len(store) == 3000
    assert store.find(2999) is not None and store.event(store.find(17))["id"] == "e17"
    assert store.find(9999) is None


def test_text_search_follows_the_newest_summary_across_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from notifycenter.store import text

    monkeypatch.setattr(text, "CHUNK_BYTES", 256)  # many small chunks
    store = EventStore(clock=lambda: T0)
    store.add(
        event(n, subject=str(n), summary=f"Ünïcode row {n} {'many' if n % 2 else 'few'}")
        for n in range(1, 201)
    )
    store.add(
        [
            event(201, subject="7", summary="changed its mind"),
            event(202, subject="9", summary="Ünïcode row 9 many"),
        ]
    )
    assert len(store._summaries._sealed) > 10
    assert len(store.select(ViewQuery(text="MANY"))) == 100  # another summary is another row
    assert len(store.select(ViewQuery(text="few"))) == 100
    assert list(store.select(ViewQuery(text="ÜNÏCODE ROW 13 "))) == [store.find(13)]
    assert list(store.select(ViewQuery(text="its mind"))) == [store.find(201)]
    assert store.find(202) == store.find(9) and store.row(store.find(9)).count == 2
