"""Read side of the API: records, one event with its history, the summary, refs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

import orjson

from notifycenter.catalogue import hub as codes
from notifycenter.hub.params import cursor_or_none
from notifycenter.hub.projection import state_from_row
from notifycenter.hub.query import ROW_COLUMNS, EventQuery, cut_off, select_page, status_sql
from notifycenter.hub.silence_sql import silences_in_force
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, dialect_of, has_table
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import Status, format_time
from notifycenter.model.severity import Bucket
from notifycenter.model.silences import silence_of
from notifycenter.model.wire import BucketCounts, Page, Record, RecordWithHistory, Summary


def record(row: Sequence[Any], now: datetime) -> Record:
    """A stored event as docs/api.md's record; a lapsed ack is no longer shown as one."""
    seq, bucket, *state_values, body = row
    state = state_from_row(state_values)
    managed = bucket != Bucket.AUDIT.value
    acked = managed and state.acknowledged(now)
    return {
        "cursor": format_cursor(seq),
        "event": orjson.loads(body),
        "bucket": bucket,
        "status": state.status(now).value if managed else None,
        "read": state.read if managed else None,
        "acknowledged_by": state.acked_by if acked else None,
        "acknowledged_at": state.acked_at if acked else None,
        "comment": state.ack_comment if acked else None,
        "until": state.ack_until if acked else None,
        "resolved_by": state.resolved_by,
        "resolved_at": state.resolved_at,
        "archived_by": state.archived_by,
        "archived_at": state.archived_at,
        "owner": state.owner if managed else None,
    }


def list_events(
    conn: SqlConnection, query: EventQuery, now: datetime, pushdown: bool = True
) -> Page:
    """A page, newest first; `next` is set when older matches exist, or when the scan
    stopped at its time budget (`cut_off`, see query.select_page)."""
    scanned = select_page(conn, query, format_time(now), want=query.limit + 1, pushdown=pushdown)
    rows = scanned.rows
    items = [record(row, now) for row in rows[: query.limit]]
    mark_silenced(conn, items, now)
    if scanned.cut_at is not None:
        return {
            "items": items,
            "next": format_cursor(scanned.cut_at),
            "cut_off": cut_off(scanned.cut_at),
        }
    more = len(rows) > query.limit
    return {"items": items, "next": items[-1]["cursor"] if more else None}


def resolve_ref(conn: SqlConnection, ref: str) -> int:
    """A cursor, `source#id`, or a bare id (409 when several sources used it).

    Digits beyond a 64-bit cursor cannot be a position: they are looked up as an id.
    """
    seq = cursor_or_none(ref)
    if seq is not None:
        found = conn.execute("SELECT seq FROM log WHERE seq = ?", (seq,)).fetchone()
    elif "#" in ref:
        source, _, event_id = ref.rpartition("#")
        found = conn.execute(
            "SELECT seq FROM log WHERE source = ? AND id = ?", (source, event_id)
        ).fetchone()
    else:
        rows = conn.execute("SELECT seq FROM log WHERE id = ? LIMIT 2", (ref,)).fetchall()
        if len(rows) > 1:
            raise codes.AMBIGUOUS_REF.error(f"id {ref!r} is used by several sources", ref=ref)
        found = rows[0] if rows else None
    if found is None:
        raise codes.EVENT_NOT_FOUND.error(f"no event {ref!r}", ref=ref)
    position: int = found[0]
    return position


def get_event(conn: SqlConnection, ref: str, now: datetime) -> RecordWithHistory:
    seq = resolve_ref(conn, ref)
    row = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM idx i JOIN log l ON l.seq = i.seq WHERE i.seq = ?", (seq,)
    ).fetchone()
    history = conn.execute(
        "SELECT l.body FROM idx i JOIN log l ON l.seq = i.seq WHERE i.target = ? ORDER BY i.seq",
        (seq,),
    ).fetchall()
    found = record(row, now)
    mark_silenced(conn, [found], now)
    return {**found, "history": [orjson.loads(body) for (body,) in history]}


def mark_silenced(conn: SqlConnection, items: Sequence[Record], now: datetime) -> None:
    """`silenced`: the silence the event arrived under is still in force."""
    in_force = silences_in_force(conn, format_time(now)) if items else frozenset()
    for item in items:
        item["silenced"] = silence_of(item["event"]) in in_force


def summary(conn: SqlConnection, now: datetime, last_seq: int) -> Summary:
    """Counts per bucket; archived notifications and lifecycle events are not counted."""
    rows = conn.execute(
        f"SELECT i.bucket, ({status_sql(dialect_of(conn))}) AS status, count(*) FROM idx i"
        " WHERE i.lifecycle = 0 AND i.archived_at IS NULL GROUP BY i.bucket, status",
        (format_time(now),),
    ).fetchall()
    return summarise(rows, silenced_counts(conn, now), last_seq)


def silenced_counts(conn: SqlConnection, now: datetime) -> list[tuple[str, str, int]]:
    """(bucket, status, count) of the notifications a silence in force keeps quiet now,
    archived ones aside. Only their marks are read, so it costs what they silenced: CROSS
    JOIN keeps SQLite from scanning the index instead (it may, on tables without stats)."""
    at = format_time(now)
    if isinstance(conn, PgConnection) and not has_table(conn, "silences"):
        return []  # an error would abort the reader's transaction
    try:
        rows = conn.execute(
            f"SELECT i.bucket, ({status_sql(dialect_of(conn))}) AS status, count(*)"
            " FROM silences s"
            " CROSS JOIN silence_marks m CROSS JOIN idx i"
            " WHERE s.expired_at IS NULL AND s.ends > ? AND m.silence = s.id AND i.seq = m.seq"
            " AND i.lifecycle = 0 AND i.archived_at IS NULL GROUP BY i.bucket, status",
            (at, at),
        ).fetchall()
    except sqlite3.OperationalError:  # the silences plug-in is not loaded
        return []
    return [(bucket, status, count) for bucket, status, count in rows]


# What a managed notification of each status adds to, besides `total`.
_OPEN_KEYS: dict[str, tuple[Literal["unacknowledged", "unread", "open"], ...]] = {
    Status.UNREAD.value: ("unacknowledged", "unread", "open"),
    Status.READ.value: ("unacknowledged", "open"),
    Status.ACKNOWLEDGED.value: ("open",),
}


def summarise(
    rows: Iterable[tuple[str, str, int]],
    silenced: Iterable[tuple[str, str, int]],
    last_seq: int,
) -> Summary:
    """The summary from (bucket, status, count) of every notification not archived, and
    of those among them a silence in force keeps quiet (`silenced_counts`).

    The one definition of open: unread, read or acknowledged, and not silenced. An open
    notification a silence keeps quiet counts in `silenced` instead of `unacknowledged`,
    `unread` and `open` (it is still in `total`), until the silence ends.
    """
    buckets: dict[str, BucketCounts] = {
        b.value: {"total": 0, "unacknowledged": 0, "unread": 0, "open": 0, "silenced": 0}
        for b in Bucket
    }
    for sign, counted in ((1, rows), (-1, silenced)):
        for bucket, status, count in counted:
            counts = buckets.get(bucket)
            if counts is None or status == Status.ARCHIVED.value:
                continue
            if sign > 0:
                counts["total"] += count
            keys = () if bucket == Bucket.AUDIT.value else _OPEN_KEYS.get(status, ())
            for key in keys:
                counts[key] += sign * count
            if keys and sign < 0:
                counts["silenced"] += count
    return {"buckets": buckets, "last_cursor": format_cursor(last_seq)}
