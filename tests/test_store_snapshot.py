"""A store written as a snapshot and read back behaves as the store it was made from.

Behaviour is compared, not attributes: every row as the list shows it, its event, its
lifecycle and history, the counts, each view, and then the same later events applied to
both (a fold into an old row, an ack of an old event, a timed ack lapsing, a silence
ending). A snapshot written by another process (another string-hash salt) loads here
with its keys intact. A damaged or hostile file is refused, never loaded.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest

from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import EventStore, ViewQuery
from notifycenter.store.snapshot import MAGIC, SnapshotError, read_snapshot, write_snapshot
from tests.test_silenced_counts_store import quiet, silence
from tests.test_store import T0, Clock, event, lifecycle

UNTIL = (T0 + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
VIEWS = (
    ViewQuery(),
    ViewQuery(bucket=Bucket.ERRORS),
    ViewQuery(min_severity=Severity.CRITICAL),
    ViewQuery(status="acknowledged"),
    ViewQuery(status="archived"),
    ViewQuery(unacked_errors_only=True),
    ViewQuery(text="disk"),
    ViewQuery(text="quota"),
    ViewQuery(silenced=True),
    ViewQuery(owner="carol"),
    ViewQuery(operation="00f067aa0ba902b7"),
)


def record(cursor: int, status: str = "unread", **fields: Any) -> dict[str, Any]:
    extra = (
        {"acked_by": "dave", "acked_at": "2026-11-28T08:00:00Z"} if status == "acknowledged" else {}
    )
    return {"event": event(cursor, **fields), "status": status, **extra}


def busy_store(clock: Clock) -> EventStore:
    """Folds, older pages below the log, lifecycle of whole rows and of one occurrence,
    a timed ack, an owner, a silence, details, audit and operation events."""
    store = EventStore(clock=clock)
    store.add_records(
        [
            record(100, summary="disk full", data_details="volume /var at 100%"),
            record(101, summary="disk full", data_details="volume /var at 100%"),
            record(102, status="acknowledged", severity="CRITICAL", summary="quota exceeded"),
            record(103, severity="INFO", summary="deployed", category="audit"),
        ]
    )
    store.add_silences([])
    store.add(
        [
            event(110, summary="disk full"),
            silence(111),
            quiet(112, summary="noisy probe"),
            event(113, summary="pod \u202ecrashed", subject="pod/a"),
            event(
                114,
                summary="step",
                traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            lifecycle(115, event(101), "ack", actor="erin", until=UNTIL),
            lifecycle(116, event(113), "assign", actor="erin")
            | {"data": {**lifecycle(116, event(113), "assign")["data"], "to": "carol"}},
            lifecycle(117, event(114), "archive"),
            lifecycle(118, event(112), "ack", actor="erin", until=UNTIL),
        ]
    )
    store.add_records([record(cursor, summary=f"old {cursor % 3}") for cursor in range(50, 40, -1)])
    return store


def observed(store: EventStore) -> dict[str, Any]:
    """What an operator can see or act on, row by row."""
    rows = range(len(store))
    return {
        "rows": [store.row(row) for row in rows],
        "events": [store.event(row) for row in rows],
        "states": [store.state(row) for row in rows],
        "history": [store.history(row) for row in rows],
        "cursors": [store.cursors(row) for row in rows],
        "positions": [store.position(row) for row in rows],
        "silenced": [store.silenced(row) for row in rows],
        "counts": store.counts(),
        "views": [list(store.select(view)) + list(store.select_older(view, 0)) for view in VIEWS],
        "found": [store.find(cursor) for cursor in range(40, 120)],
        "targets": [store.find_event("urn:meshery:adapter:istio", f"e{c}") for c in range(40, 120)],
        "sizes": (len(store), store.event_count, store.log_length, store.older_length),
        "next_silence_end": store.next_silence_end,
    }


def later(store: EventStore, clock: Clock) -> None:
    """The same later life for both stores: a repeat of an old row, acks of old events,
    a lapse, a silence's end."""
    store.add(
        [
            event(120, summary="disk full"),
            quiet(121, summary="noisy probe"),
            lifecycle(122, event(44, summary="old 2"), "ack", actor="frank"),
            lifecycle(123, event(100), "resolve", actor="frank"),
            event(124, summary="new one", severity="WARNING"),
        ]
    )
    store.add_records([record(40, summary="old 1"), record(60, summary="between")])
    clock.now = T0 + timedelta(hours=2)
    store.tick()


def reloaded(store: EventStore, clock: Clock) -> EventStore:
    out = io.BytesIO()
    size = write_snapshot(store, out)
    assert size == len(out.getvalue())
    copy, through = read_snapshot(out.getvalue(), clock=clock)
    assert through == store.newest_cursor
    return copy


@pytest.mark.parametrize("chunk_bytes", [None, 64], ids=["one chunk", "many chunks"])
def test_a_reloaded_store_shows_and_acts_as_the_original(
    chunk_bytes: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if chunk_bytes is not None:  # texts in sealed chunks and an open one, searched across
        monkeypatch.setattr("notifycenter.store.text.CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr("notifycenter.store.details.CHUNK_BYTES", chunk_bytes)
    clock = Clock()
    original = busy_store(clock)
    copy = reloaded(original, clock)
    assert observed(copy) == observed(original)
    later(original, clock)
    later(copy, clock)
    assert observed(copy) == observed(original)


def test_the_position_read_through_comes_back() -> None:
    """A store whose log ended in lifecycle events is replayed after them, not before."""
    out = io.BytesIO()
    store = EventStore()
    store.add([event(5)])
    write_snapshot(store, out, through=9)
    assert read_snapshot(out.getvalue()).through == 9


def test_an_empty_store_round_trips() -> None:
    clock = Clock()
    copy = reloaded(EventStore(clock=clock), clock)
    assert len(copy) == 0 and copy.event_count == 0
    copy.add([event(1)])
    assert copy.row(0).summary == "Could not provision"


WRITER = """
import sys
from notifycenter.store import EventStore
from notifycenter.store.snapshot import write_snapshot
from tests.test_store import event
store = EventStore()
store.add([event(cursor, summary=f"s{cursor % 5}", subject=f"pod/{cursor % 7}") for cursor in range(1, 400)])
write_snapshot(store, sys.stdout.buffer)
"""


def test_keys_made_in_another_process_still_find_their_events() -> None:
    """str hashes are salted per process; the store's keys must not be."""
    made = subprocess.run(
        [sys.executable, "-c", WRITER],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    clock = Clock()
    store, _ = read_snapshot(made, clock=clock)
    rows = len(store)
    store.add([event(400, summary="s0", subject="pod/1")])  # a repeat of a row held: folds
    assert len(store) == rows
    store.add([lifecycle(401, event(7), "ack", actor="gina")])
    assert store.orphans == 0 and store.row(store.find(7) or 0).acked == 1  # of its 12


def snapshot_bytes() -> bytes:
    clock = Clock()
    out = io.BytesIO()
    write_snapshot(busy_store(clock), out)
    return out.getvalue()


def replace_section(data: bytes, name: str, new: bytes) -> bytes:
    """The snapshot with one section's bytes replaced (the header says its new length)."""
    import msgspec

    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    header = msgspec.json.decode(data[start : start + size])
    offset, body = start + size, {}
    for section, length in header["sections"]:
        body[section] = data[offset : offset + length]
        offset += length
    body[name] = new
    header["sections"] = [[section, len(body[section])] for section, _ in header["sections"]]
    encoded = msgspec.json.encode(header)
    return MAGIC + len(encoded).to_bytes(8, "little") + encoded + b"".join(body.values())


def section(data: bytes, name: str) -> bytes:
    import msgspec

    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    offset = start + size
    for section_name, length in msgspec.json.decode(data[start : start + size])["sections"]:
        if section_name == name:
            return data[offset : offset + length]
        offset += length
    raise KeyError(name)


def damaged() -> list[tuple[str, bytes]]:
    good = snapshot_bytes()
    summaries = section(good, "summaries")
    labels = bytearray(section(good, "_label"))
    labels[0:4] = (10_000).to_bytes(4, "little")
    severity = bytearray(section(good, "_severity"))
    severity[0] = 99
    return [
        ("empty", b""),
        ("another format", b"PK\x03\x04" + good[4:]),
        ("cut short", good[: len(good) // 2]),
        ("trailing bytes", good + b"\0"),
        ("a header that is not JSON", good[: len(MAGIC) + 8] + b"}" + good[len(MAGIC) + 9 :]),
        (
            "an escape in a summary",
            replace_section(good, "summaries", b"\x1b]52;c;aGk=\x07" + summaries),
        ),
        (
            "a bidi override in a summary",
            replace_section(good, "summaries", "\u202e".encode() + summaries),
        ),
        ("a summary too few", replace_section(good, "summaries", summaries.split(b"\n", 1)[1])),
        ("a label of no table entry", replace_section(good, "_label", bytes(labels))),
        ("a severity that does not exist", replace_section(good, "_severity", bytes(severity))),
        ("a column cut by a byte", replace_section(good, "_ev_row", section(good, "_ev_row")[:-1])),
        ("an index of more than is held", replace_section(good, "fold", b"\xff" * 4096)),
        ("a string table without the empty string", replace_section(good, "codes", b'["x"]\n')),
    ]


@pytest.mark.parametrize(("what", "data"), damaged(), ids=[what for what, _ in damaged()])
def test_a_damaged_or_hostile_snapshot_is_refused(what: str, data: bytes) -> None:
    with pytest.raises(SnapshotError):
        read_snapshot(data)


def test_display_strings_are_made_again_from_the_raw_ones() -> None:
    """A table's display forms are not read from the file: a hostile one cannot bring an
    escape sequence to the screen, whatever the raw string holds."""
    import msgspec

    good = snapshot_bytes()
    subjects = msgspec.json.decode(section(good, "subjects").split(b"\n")[0])
    subjects[1] = "\x1b[2J[@click=app.quit]"
    hostile = msgspec.json.encode(subjects) + b"\n"
    store, _ = read_snapshot(replace_section(good, "subjects", hostile))
    assert store.subjects.display[1] == "[2J[@click=app.quit]"
