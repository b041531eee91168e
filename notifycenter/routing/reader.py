"""What a subscription has to deliver next, read from the log by cursor.

Runs in a reader thread on a read connection: pages of the log after the cursor, each
event judged by the subscription's filter, lifecycle events by the notification they
change (so a resolve of a matching error matches), silenced events passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from notifycenter.hub.sqlconn import SqlConnection
from notifycenter.model.filters import Filter
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX, read_lifecycle_event
from notifycenter.routing.silencing import SilencePredicate
from notifycenter.routing.sink import Item

PAGE = 1000
# How far one read scans for a digest's count: a longer backlog takes several digests.
MAX_SCAN = 100_000


@dataclass
class Batch:
    """`items` to send (log order); `matched` how many matched up to `upto`, the last seq
    read; `at_head` when nothing after `upto` was in the log at the time of reading."""

    items: list[Item] = field(default_factory=list)
    matched: int = 0
    upto: int = 0
    at_head: bool = False


@dataclass(frozen=True)
class Selection:
    filter: Filter
    lifecycle: bool
    silenced: SilencePredicate


def read_batch(
    conn: SqlConnection, selection: Selection, after: int, keep: int, count_all: bool
) -> Batch:
    """Up to `keep` matching items after `after`. With `count_all`, read on to the head
    (at most MAX_SCAN entries) counting the matches beyond `keep` too."""
    batch = Batch(upto=after)
    scanned = 0
    while scanned < MAX_SCAN:
        rows = conn.execute(
            "SELECT seq, body FROM log WHERE seq > ? ORDER BY seq LIMIT ?", (batch.upto, PAGE)
        ).fetchall()
        if not rows:
            batch.at_head = True
            return batch
        for seq, body in rows:
            item = _match(conn, selection, seq, body)
            if item is not None:
                if len(batch.items) >= keep and not count_all:
                    return batch  # this one is left for the next batch
                if len(batch.items) < keep:
                    batch.items.append(item)
                batch.matched += 1
            batch.upto = seq
            scanned += 1
        if len(rows) < PAGE:
            batch.at_head = True
            return batch
    return batch


def _match(conn: SqlConnection, selection: Selection, seq: int, body: bytes) -> Item | None:
    event = orjson.loads(body)
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith(LIFECYCLE_TYPE_PREFIX):
        return _lifecycle_item(conn, selection, seq, event) if selection.lifecycle else None
    if not _matches(selection.filter, event) or selection.silenced(conn, seq, event):
        return None
    return Item(event.get("cursor") or str(seq), event)


def _lifecycle_item(
    conn: SqlConnection, selection: Selection, seq: int, event: dict[str, Any]
) -> Item | None:
    change = read_lifecycle_event(event)
    if change is None:
        return None
    row = conn.execute(
        "SELECT seq, body FROM log WHERE source = ? AND id = ?",
        (change.target_source, change.target_id),
    ).fetchone()
    if row is None:
        return None
    target = orjson.loads(row[1])
    if not _matches(selection.filter, target) or selection.silenced(conn, row[0], target):
        return None
    return Item(event.get("cursor") or str(seq), event, target)


def _matches(event_filter: Filter, event: Mapping[str, Any]) -> bool:
    try:
        return event_filter.matches(event)
    except Exception:  # a filter that errors on this event does not match it
        return False
