"""The operation center in the hub: a projection of operation events into one row per
operation, and `GET /api/operations[/{id}]` (docs/operations.md).

The projection folds with the same `OperationIndex` as every client, loading rows on
demand, so that the hub and the clients agree. Only the stall rule depends on the clock;
it is applied when answering, never stored, so a restart or a changed `--stall-after`
needs no rebuild.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from notifycenter.catalogue import operations as codes
from notifycenter.catalogue.bounds import QUERY_CUT_OFF
from notifycenter.hub.log import StoredEntry
from notifycenter.hub.params import parse_cursor, parse_duration, parse_int, parse_moment, shift
from notifycenter.hub.query import SCAN_SECONDS
from notifycenter.hub.sqlconn import Dialect, SqlConnection, create_tables, dialect_of
from notifycenter.model.cursor import format_cursor
from notifycenter.model.lifecycle import parse_time
from notifycenter.model.operations import (
    STATE_FILTERS,
    OperationIndex,
    OperationRecord,
    Phase,
    operation_view,
)
from notifycenter.model.wire import (
    CloudEvent,
    Operation,
    OperationNode,
    OperationPage,
    OperationTree,
    PathStep,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    trace_id TEXT, parent TEXT, name TEXT NOT NULL, source TEXT NOT NULL,
    started_by TEXT NOT NULL, subject TEXT, phase TEXT, done REAL, total REAL, message TEXT,
    started_at TEXT, ended_at TEXT, last_heard TEXT, error TEXT,
    children INTEGER NOT NULL, finished_children INTEGER NOT NULL, events INTEGER NOT NULL,
    cursor TEXT,
    first_seq INTEGER NOT NULL,   -- when the hub first heard of it: the list's order
    seq INTEGER NOT NULL,         -- the last entry that changed it: since=<cursor>
    ended INTEGER NOT NULL,       -- 1 once succeeded, failed or cancelled
    heard REAL                    -- last_heard as Unix seconds: the stall rule in SQL
);
CREATE INDEX IF NOT EXISTS operations_listed ON operations(ended, first_seq DESC);
CREATE INDEX IF NOT EXISTS operations_roots_listed ON operations(ended, first_seq DESC) WHERE parent IS NULL;
CREATE INDEX IF NOT EXISTS operations_parent ON operations(parent) WHERE parent IS NOT NULL;
CREATE INDEX IF NOT EXISTS operations_seq ON operations(seq);
CREATE INDEX IF NOT EXISTS operations_heard ON operations(ended, heard);
"""
RECORD_FIELDS = tuple(f.name for f in fields(OperationRecord))
_COLUMNS = (*RECORD_FIELDS, "first_seq", "seq", "ended", "heard")
_UPSERT = (
    f"INSERT INTO operations ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("id", "first_seq"))
)
_SELECT = f"SELECT {', '.join(RECORD_FIELDS)} FROM operations"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
DEFAULT_EVENTS, MAX_EVENTS = 50, 500
MAX_TREE = 2000
MAX_TREE_EVENTS = 10_000  # in one tree's answer: 2,000 descendants × 500 were ~160 MB


# -- the projection -------------------------------------------------------------


class OperationsProjection:
    """One row per operation, folded from the log in the hub's write transaction."""

    def create(self, conn: SqlConnection) -> None:
        create_tables(conn, SCHEMA)

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        index = OperationIndex(load=lambda op_id: load_record(conn, op_id))
        last_seq: dict[str, int] = {}
        first_seq: dict[str, int] = {}
        for entry in entries:
            touched = index.apply(entry.event, cursor=entry.cursor, actor=_actor(entry))
            for op_id in touched:
                last_seq[op_id] = entry.seq
                first_seq.setdefault(op_id, entry.seq)
        if last_seq:
            conn.executemany(
                _UPSERT, [_row(index.records[i], first_seq[i], s) for i, s in last_seq.items()]
            )


def _actor(entry: StoredEntry) -> str | None:
    """The posting token's user, when the hub records one (anonymous does not count)."""
    actor = getattr(entry, "actor", None)
    return actor if isinstance(actor, str) and actor and actor != "anonymous" else None


def _row(record: OperationRecord, first_seq: int, seq: int) -> tuple[Any, ...]:
    values = [getattr(record, name) for name in RECORD_FIELDS]
    values[RECORD_FIELDS.index("phase")] = record.phase.value if record.phase else None
    error = record.error
    values[RECORD_FIELDS.index("error")] = (
        orjson.dumps(error).decode() if error is not None else None
    )
    heard = parse_time(record.last_heard).timestamp() if record.last_heard else None
    return (*values, first_seq, seq, int(record.ended), heard)


def load_record(conn: SqlConnection, op_id: str) -> OperationRecord | None:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (op_id,)).fetchone()
    return record_from_row(row) if row else None


def record_from_row(row: Sequence[Any]) -> OperationRecord:
    record = OperationRecord(**dict(zip(RECORD_FIELDS, row, strict=False)))
    record.phase = Phase(record.phase) if record.phase else None
    stored: Any = record.error  # the row holds it as JSON text
    record.error = orjson.loads(stored) if stored else None
    record.done, record.total = _whole(record.done), _whole(record.total)
    return record


WHOLE_LIMIT = 2**53  # beyond it a float is no exact count, and SQLite's INTEGER overflows


def _whole(value: float | None) -> float | None:
    """A count stored as REAL reads back as the integer it was, when it is one."""
    if isinstance(value, float) and value.is_integer() and abs(value) < WHOLE_LIMIT:
        return int(value)
    return value


# -- queries --------------------------------------------------------------------


@dataclass(frozen=True)
class OperationQuery:
    """`GET /api/operations` parameters, checked."""

    state: str | None = None
    root: bool = False
    source: str | None = None
    since_seq: int | None = None
    since_time: float | None = None
    parent: str | None = None
    trace: str | None = None
    filter: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def parse(cls, params: Any, now: datetime) -> OperationQuery:
        state = params.get("state") or None
        if state is not None and state not in STATE_FILTERS:
            raise codes.INVALID_OPERATION_QUERY.error(
                f"state {state!r} is not one of {', '.join(STATE_FILTERS)}"
            )
        since_seq, since_time = _since(params.get("since"), now)
        return cls(
            state=state,
            root=_flag(params.get("root")),
            source=params.get("source") or None,
            since_seq=since_seq,
            since_time=since_time,
            parent=params.get("parent") or None,
            trace=params.get("trace") or None,
            filter=params.get("filter") or None,
            limit=_int(params.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            offset=_int(params.get("offset"), "offset", 0, 0, 1 << 40),
        )


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    return parse_int(value, name, low, high, codes.INVALID_OPERATION_QUERY)


def _since(value: str | None, now: datetime) -> tuple[int | None, float | None]:
    """A cursor (digits), an RFC 3339 time, or a duration back from now (`2h`)."""
    if not value:
        return None, None
    invalid = codes.INVALID_OPERATION_QUERY
    if value.isdigit():
        return parse_cursor(value, "since", invalid), None
    duration = parse_duration(value, "since", invalid)
    moment = shift(now, -duration) if duration is not None else parse_moment(value)
    if moment is None:
        raise invalid.error(
            f"since {value[:40]!r} is neither a cursor, an RFC 3339 time with a zone"
            " nor a duration such as 2h"
        )
    return None, moment.timestamp()


def _state_clause(state: str, cutoff: float) -> tuple[str, list[Any]]:
    """SQL for a state filter; `cutoff` is now - stall_after in Unix seconds."""
    alive = "(heard IS NULL OR heard > ?)"
    clauses = {
        "running": (f"ended = 0 AND phase IS NOT NULL AND {alive}", [cutoff]),
        "pending": (f"ended = 0 AND phase IS NULL AND {alive}", [cutoff]),
        "stalled": ("ended = 0 AND heard <= ?", [cutoff]),
        "active": ("ended = 0", []),
        "finished": ("ended = 1", []),
    }
    return clauses.get(state, ("phase = ?", [state]))


def _where(query: OperationQuery, cutoff: float) -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    if query.state:
        clause, values = _state_clause(query.state, cutoff)
        parts.append(clause)
        args += values
    if query.root:
        parts.append("parent IS NULL")
    for column, value in (("parent", query.parent), ("trace_id", query.trace)):
        if value:
            parts.append(f"{column} = ?")
            args.append(value)
    if query.source:
        parts.append("substr(source, 1, ?) = ?")
        args += [len(query.source), query.source]
    if query.since_seq is not None:
        parts.append("seq > ?")
        args.append(query.since_seq)
    if query.since_time is not None:
        parts.append("heard >= ?")
        args.append(query.since_time)
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def list_operations(
    conn: SqlConnection, query: OperationQuery, now: datetime, stall_after: timedelta
) -> OperationPage:
    """Active operations first, then ended ones; newest first within each (docs/operations.md)."""
    cutoff = (now - stall_after).timestamp()
    where, args = _where(query, cutoff)
    matches = None
    if query.filter:
        where, args, matches = _push_down(query.filter, where, args, cutoff, dialect_of(conn))
    sql = f"{_SELECT}{where} ORDER BY ended, first_seq DESC LIMIT ? OFFSET ?"
    items: list[Operation] = []
    offset = query.offset
    page = query.limit if matches is None else 500
    # A filter checked here (not in SQL) that matches rarely would read every operation
    # while a reader thread waits: it stops at the events list's budget and says where.
    deadline = time.monotonic() + SCAN_SECONDS
    cut = False
    for row, position in _rows(conn, sql, args, offset, page):
        offset = position + 1
        view = operation_view(record_from_row(row), now, stall_after)
        if matches is None or matches(cesql_attributes(view)):
            items.append(view)
            if len(items) == query.limit:
                break
        elif matches is not None and position % 64 == 0 and time.monotonic() > deadline:
            cut = True
            break
    more = cut or (len(items) == query.limit and _exists(conn, sql, args, offset))
    answer: OperationPage = {
        "items": items,
        "next": str(offset) if more else None,
        "stall_after": stall_after.total_seconds(),
        "last_cursor": _last_cursor(conn),
    }
    if cut:
        answer["cut_off"] = QUERY_CUT_OFF.error(
            f"examined the operations before offset {offset}; continue with offset={offset}"
        ).to_dict()
    return answer


def _rows(
    conn: SqlConnection, sql: str, args: list[Any], offset: int, page: int
) -> Iterator[tuple[Sequence[Any], int]]:
    while True:
        rows = conn.execute(sql, (*args, page, offset)).fetchall()
        for number, row in enumerate(rows):
            yield row, offset + number
        if len(rows) < page:
            return
        offset += page


def _exists(conn: SqlConnection, sql: str, args: list[Any], offset: int) -> bool:
    return conn.execute(sql, (*args, 1, offset)).fetchone() is not None


def _cesql(expression: str) -> Any:
    from notifycenter.model.filters import compile_cesql

    return compile_cesql(expression, strict=True)


def _push_down(
    expression: str, where: str, args: list[Any], cutoff: float, dialect: Dialect = "sqlite"
) -> tuple[str, list[Any], Any]:
    """The CESQL filter as SQL where the columns decide it; else also a matcher for each row."""
    compiled = _cesql(expression)
    state = (
        f"(CASE WHEN ended = 1 THEN phase WHEN heard <= {float(cutoff)!r} THEN 'stalled'"
        " WHEN phase IS NULL THEN 'pending' ELSE 'running' END)"
    )
    sql = compiled.to_sql({**PUSHDOWN_COLUMNS, "state": state}, {}, dialect)
    where = f"{where} AND ({sql.where})" if where else f" WHERE ({sql.where})"
    return where, [*args, *sql.params], None if sql.exact else compiled.matches


# CESQL names of the columns that hold an attribute's value as is (NULL when absent).
PUSHDOWN_COLUMNS = {
    "id": "id",
    "traceid": "trace_id",
    "parent": "parent",
    "name": "name",
    "source": "source",
    "startedby": "started_by",
    "subject": "subject",
    "message": "message",
    "startedat": "started_at",
    "endedat": "ended_at",
}


def cesql_attributes(view: Operation) -> dict[str, Any]:
    """What `filter=` sees: CESQL names (a-z0-9); progress as a whole percentage."""
    progress = view["progress"]
    attributes = {
        "id": view["id"],
        "traceid": view["trace_id"],
        "parent": view["parent"],
        "name": view["name"],
        "state": view["state"],
        "source": view["source"],
        "startedby": view["started_by"],
        "subject": view["subject"],
        "message": view["message"],
        "startedat": view["started_at"],
        "endedat": view["ended_at"],
        "progress": _integer(None if progress is None else progress * 100),
        "done": _integer(view["done"]),
        "total": _integer(view["total"]),
        "children": view["children"],
    }
    return {name: value for name, value in attributes.items() if value is not None}


def _integer(value: float | None) -> int | None:
    """Whole numbers for CESQL; a producer's "inf" (done/total are free text) is absent."""
    return None if value is None or not math.isfinite(value) else int(value)


def _last_cursor(conn: SqlConnection) -> str:
    return format_cursor(conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0])


def operation_tree(
    conn: SqlConnection,
    op_id: str,
    now: datetime,
    stall_after: timedelta,
    events_per_operation: int = DEFAULT_EVENTS,
) -> OperationTree:
    """The operation, its descendants (nested `children`), each with its latest events."""
    root = load_record(conn, op_id.lower())
    if root is None:
        raise codes.OPERATION_NOT_FOUND.error(f"no operation {op_id!r}")
    records = {root.id: root}
    for row in conn.execute(_DESCENDANTS, (root.id, MAX_TREE)):
        records.setdefault(row[0], record_from_row(row))
    views: dict[str, OperationNode] = {}
    # The root keeps all it asked for; its descendants share what one answer holds.
    shared = max(MAX_TREE_EVENTS - events_per_operation, 0) // max(len(records) - 1, 1)
    for span, record in records.items():
        wanted = events_per_operation if span == root.id else min(events_per_operation, shared)
        count, events = _events(conn, span, wanted)
        view = operation_view(record, now, stall_after)
        views[span] = {**view, "children": [], "event_count": count, "events": events}
    for node in sorted(views.values(), key=lambda v: (v["started_at"] or "", v["id"])):
        parent = node["parent"]
        if node["id"] != root.id and parent is not None and parent in views:
            views[parent]["children"].append(node)
    return {
        **views[root.id],
        "path": _path(conn, root),
        "stall_after": stall_after.total_seconds(),
        "last_cursor": _last_cursor(conn),
    }


_DESCENDANTS = f"""
WITH RECURSIVE tree(id, depth) AS (
    SELECT id, 0 FROM operations WHERE parent = ?
    UNION SELECT o.id, depth + 1 FROM operations o JOIN tree t ON o.parent = t.id WHERE depth < 64
)
{_SELECT} WHERE id IN (SELECT id FROM tree LIMIT ?)
"""


def _events(conn: SqlConnection, span: str, limit: int) -> tuple[int, list[CloudEvent]]:
    """The operation's latest events in log order (from the hub's span index)."""
    total = conn.execute("SELECT count(*) FROM idx WHERE span = ?", (span,)).fetchone()[0]
    rows = conn.execute(
        "SELECT l.body FROM log l WHERE l.seq IN "
        "(SELECT seq FROM idx WHERE span = ? ORDER BY seq DESC LIMIT ?) ORDER BY l.seq",
        (span, limit),
    ).fetchall()
    return total, [orjson.loads(body) for (body,) in rows]


def _path(conn: SqlConnection, record: OperationRecord) -> list[PathStep]:
    """Root-first ancestors, so that a view can link up the tree."""
    path: list[PathStep] = []
    parent, seen = record.parent, {record.id}
    while parent and parent not in seen and len(path) < 64:
        seen.add(parent)
        found = conn.execute(
            "SELECT id, name, parent FROM operations WHERE id = ?", (parent,)
        ).fetchone()
        if found is None:
            path.append({"id": parent, "name": ""})
            break
        path.append({"id": found[0], "name": found[1]})
        parent = found[2]
    return path[::-1]


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- the plug-in ----------------------------------------------------------------


def projection() -> OperationsProjection:
    return OperationsProjection()


def routes(hub: Any) -> list[Any]:
    """`GET /api/operations` and `GET /api/operations/{id}`, readable with a viewer token."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.routing import Route

    from notifycenter.hub.auth import Permission, authorize
    from notifycenter.hub.responses import answer

    async def get_operations(request: Request) -> Any:
        authorize(hub, request, Permission.READ)
        now = utc_now()
        query = OperationQuery.parse(request.query_params, now)
        if query.filter:  # a bad expression is a 400 before any reading; compiled off the loop
            await run_in_threadpool(_cesql, query.filter)
        stall = hub.settings.stall_after
        return answer(await hub.log.read(lambda conn: list_operations(conn, query, now, stall)))

    async def get_operation(request: Request) -> Any:
        authorize(hub, request, Permission.READ)
        op_id = request.path_params["id"]
        events = _int(request.query_params.get("events"), "events", DEFAULT_EVENTS, 0, MAX_EVENTS)
        now, stall = utc_now(), hub.settings.stall_after
        return answer(
            await hub.log.read(lambda conn: operation_tree(conn, op_id, now, stall, events))
        )

    return [
        Route("/api/operations", get_operations, methods=["GET"]),
        Route("/api/operations/{id}", get_operation, methods=["GET"]),
    ]
