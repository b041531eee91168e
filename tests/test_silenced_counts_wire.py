"""The keys hubs before silences and ownership leave out are optional in the wire records,
so a client of a newer version still reads their answers."""

from __future__ import annotations

from typing import Any

from notifycenter.model import wire

RECORD: dict[str, Any] = {
    "cursor": "0000000000000001",
    "event": {"specversion": "1.0", "id": "a", "source": "s", "type": "t"},
    "bucket": "errors",
    "status": "unread",
    **dict.fromkeys(
        (
            "read",
            "acknowledged_by",
            "acknowledged_at",
            "comment",
            "until",
            "resolved_by",
            "resolved_at",
            "archived_by",
            "archived_at",
        )
    ),
}
COUNTS = {"total": 1, "unacknowledged": 1, "unread": 1, "open": 1}


def test_owner_and_silenced_are_optional_keys_of_a_record() -> None:
    for record in (wire.Record, wire.RecordWithHistory):
        assert {"owner", "silenced"} <= record.__optional_keys__
        assert not {"owner", "silenced"} & record.__required_keys__
    assert "silenced" in wire.BucketCounts.__optional_keys__


def test_answers_of_an_older_hub_are_read() -> None:
    page = wire.validate(wire.Page, {"items": [RECORD], "next": None})
    assert "silenced" not in page["items"][0]
    summary = {"buckets": {"errors": COUNTS}, "last_cursor": "0000000000000001"}
    assert wire.validate(wire.Summary, summary)["buckets"]["errors"] == COUNTS


def test_the_silenced_counts_are_read_when_given() -> None:
    counts = {**COUNTS, "silenced": 2}
    summary = {"buckets": {"errors": counts}, "last_cursor": "0000000000000001"}
    assert wire.validate(wire.Summary, summary)["buckets"]["errors"]["silenced"] == 2
    record = wire.validate(wire.Record, {**RECORD, "owner": "bob", "silenced": True})
    assert record["silenced"] is True and record["owner"] == "bob"
