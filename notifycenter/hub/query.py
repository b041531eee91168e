"""List filters (GET /api/events, lifecycle bulk requests, the stream) and their SQL.

Simple filters become SQL on the `idx` projection. CESQL (`filter`) and Subscriptions API
filters (`filters`) are pushed down with `Filter.to_sql` where the columns allow; when
the push-down is inexact, rows are re-checked in Python with `Filter.matches`, so results
are the same with and without push-down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue.bounds import QUERY_CUT_OFF
from notifycenter.catalogue.filters import INVALID_SUBSCRIPTION_FILTER
from notifycenter.hub.params import parse_cursor, parse_int
from notifycenter.hub.silence_sql import silenced_clause
from notifycenter.hub.sqlconn import Dialect, SqlConnection, dialect_of
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import ErrorBody, NotifyError
from notifycenter.model.filters import (
    Filter,
    compile_cesql,
    compile_subscription_filters,
)
from notifycenter.model.filters.quick import STATUS_ALIASES, STATUSES
from notifycenter.model.lifecycle import STATUS_FILTERS, owner_wanted
from notifycenter.model.severity import Bucket, parse_severity

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_BUCKETS = {b.value for b in Bucket}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

# CESQL attributes with a column of their own; the others are checked in Python.
# `+i.source` keeps SQLite from driving a CESQL query by the source index: a LIKE that
# matches many sources would be sorted whole (107 ms at 100,000 events, against 2 ms for
# the newest-first walk; bench/hub_query.py).
PUSHDOWN_COLUMNS = {
    "id": "l.id",
    "source": "+i.source",
    "type": "i.type",
    "time": "i.time",
    "severitynumber": "i.severity",
    "severitytext": "json_extract(l.body, '$.severitytext')",
    "specversion": "json_extract(l.body, '$.specversion')",
}
# PostgreSQL: no `+` on text (its planner needs no such hint); the body is JSON in BYTEA.
PG_PUSHDOWN_COLUMNS = {
    **PUSHDOWN_COLUMNS,
    "source": "i.source",
    "severitytext": "(convert_from(l.body, 'UTF8')::json ->> 'severitytext')",
    "specversion": "(convert_from(l.body, 'UTF8')::json ->> 'specversion')",
}

STATUS_SQL = (
    "CASE WHEN i.archived_at IS NOT NULL THEN 'archived'"
    " WHEN i.resolved_at IS NOT NULL THEN 'resolved'"
    " WHEN i.acked_by IS NOT NULL AND (i.until IS NULL OR i.until = 'resolved' OR i.until > ?)"
    " THEN 'acknowledged'"
    " WHEN i.read THEN 'read' ELSE 'unread' END"
)
# PostgreSQL has no integer truth.
PG_STATUS_SQL = STATUS_SQL.replace("WHEN i.read THEN", "WHEN i.read <> 0 THEN")


def status_sql(dialect: Dialect) -> str:
    """The status of `idx i` (one parameter: now) in `dialect`."""
    return PG_STATUS_SQL if dialect == "postgresql" else STATUS_SQL


def no_limit(dialect: Dialect) -> int | None:
    """The `LIMIT ?` parameter meaning no limit: SQLite's -1, PostgreSQL's NULL."""
    return None if dialect == "postgresql" else -1


_STATUS_WANTED = {
    "unread": ("unread",),
    "read": ("read",),
    "acknowledged": ("acknowledged",),
    "unacked": ("read", "unread"),
    "resolved": ("resolved",),
    "archived": ("archived",),
    "open": ("read", "unread", "acknowledged"),
}
ROW_COLUMNS = (
    "i.seq, i.bucket, i.read, i.acked_by, i.acked_at, i.comment, i.until,"
    " i.resolved_by, i.resolved_at, i.archived_by, i.archived_at, i.owner, l.body"
)


@dataclass(frozen=True)
class EventQuery:
    buckets: tuple[str, ...] = ()
    min_severity: int | None = None
    status: str | None = None
    source: str | None = None
    type: str | None = None
    text: str | None = None
    operation: str | None = None
    operation_tree: bool = False
    filters: tuple[Filter, ...] = field(default=(), compare=False)
    before: int | None = None
    after: int | None = None
    limit: int = DEFAULT_LIMIT
    lifecycle: bool = False
    owner: str | None = None  # a user, `me` or `none` (docs/api.md)
    me: str | None = None  # the caller's user, what `owner=me` selects
    silenced: bool | None = None  # kept quiet by a silence in force now (or not)


Getter = Callable[[str], list[str]]


def parse_query(get: Getter, *, lifecycle_default: bool = False) -> EventQuery:
    """Build a query from parameters; `get(name)` returns every value given for `name`."""

    def one(name: str) -> str | None:
        values = get(name)
        return values[-1] if values else None  # the last value wins

    filters: list[Filter] = []
    cesql, dialects, severity = one("filter"), one("filters"), one("severity")
    if cesql:
        filters.append(_compile(lambda: compile_cesql(cesql, strict=True)))
    if dialects:
        filters.append(_compile(lambda: compile_subscription_filters(dialects)))
    lifecycle = one("lifecycle")
    return EventQuery(
        buckets=_buckets(get("bucket")),
        min_severity=int(_severity(severity)) if severity else None,
        status=_status(one("status")),
        source=one("source") or None,
        type=one("type") or None,
        text=(one("q") or "").lower() or None,
        operation=one("operation") or None,
        operation_tree=(one("operation_tree") or "").lower() in _TRUE,
        filters=tuple(filters),
        before=_cursor(one("before"), "before"),
        after=_cursor(one("after"), "after"),
        limit=_limit(one("limit")),
        lifecycle=lifecycle_default if lifecycle is None else lifecycle.lower() in _TRUE,
        owner=one("owner") or None,
        silenced=_boolean(one("silenced"), "silenced"),
    )


def query_from_object(obj: Mapping[str, Any], **overrides: Any) -> EventQuery:
    """The list's parameters as a JSON object (lifecycle bulk requests)."""

    def get(name: str) -> list[str]:
        value = obj.get(name)
        if value is None:
            return []
        if name == "filters" and not isinstance(value, str):
            try:
                return [orjson.dumps(value).decode()]
            except TypeError:  # orjson.JSONEncodeError: nested deeper than it writes
                raise INVALID_SUBSCRIPTION_FILTER.error("filters are nested too deep") from None
        values = value if isinstance(value, list) else [value]
        return ["1" if v is True else "0" if v is False else str(v) for v in values]

    unknown = set(obj) - {
        "bucket",
        "severity",
        "status",
        "source",
        "type",
        "q",
        "operation",
        "operation_tree",
        "filter",
        "filters",
        "owner",
        "silenced",
    }
    if unknown:
        raise codes.INVALID_LIFECYCLE_REQUEST.error(
            f"unknown filter keys: {', '.join(sorted(unknown))}"
        )
    return replace(parse_query(get), **overrides)


def _compile(build: Callable[[], Filter]) -> Filter:
    try:
        return build()
    except NotifyError:
        raise
    except Exception as exc:
        raise codes.INVALID_FILTER.error(str(exc)) from None


def _buckets(values: Iterable[str]) -> tuple[str, ...]:
    buckets = tuple(b.strip().lower() for v in values for b in v.split(",") if b.strip())
    for bucket in buckets:
        if bucket not in _BUCKETS:
            raise codes.INVALID_QUERY.error(
                f"bucket {bucket!r} is not errors, warnings, infos or audit"
            )
    return buckets


def _severity(text: str) -> int:
    try:
        return parse_severity(text)
    except NotifyError as error:
        raise codes.INVALID_QUERY.error(f"severity {text!r} is not a severity") from error


def _status(text: str | None) -> str | None:
    if not text:
        return None
    wanted = STATUS_ALIASES.get(text.lower(), text.lower())  # `acked` as the TUI takes it
    if wanted not in STATUS_FILTERS:
        raise codes.INVALID_QUERY.error(f"status {text!r} is not one of {' '.join(STATUSES)}")
    return wanted


def _boolean(text: str | None, name: str) -> bool | None:
    if not text:
        return None
    lowered = text.strip().lower()
    if lowered not in _TRUE | _FALSE:
        raise codes.INVALID_QUERY.error(f"{name} {text[:20]!r} is not true or false")
    return lowered in _TRUE


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    return parse_int(text, "limit", 1, MAX_LIMIT, codes.INVALID_QUERY)


def _cursor(text: str | None, name: str) -> int | None:
    return parse_cursor(text, name, codes.INVALID_QUERY) if text else None


def prefix_range(column: str, prefix: str) -> tuple[str, list[str]]:
    """`column` starts with `prefix`, as a range the column's index can serve."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if ord(prefix[-1]) < 0x10FFFF else None
    if upper is None or 0xD800 <= ord(upper[-1]) <= 0xDFFF:  # no surrogate reaches UTF-8
        return f"substr({column}, 1, {len(prefix)}) = ?", [prefix]
    return f"({column} >= ? AND {column} < ?)", [prefix, upper]


def where_clause(
    query: EventQuery,
    now: str,
    pushdown: bool = True,
    source_index: bool = True,
    dialect: Dialect = "sqlite",
) -> tuple[str, list[Any], bool]:
    """SQL condition over `idx i JOIN log l`, its parameters, and whether it is exact.

    `source_index=False` keeps SQLite off the source index (`+column`), see select_rows.
    """
    pg = dialect == "postgresql"
    clauses: list[str] = []
    params: list[Any] = []
    if not query.lifecycle:
        clauses.append("i.lifecycle = 0")
    if query.buckets:
        clauses.append(f"i.bucket IN ({','.join('?' * len(query.buckets))})")
        params += query.buckets
    if query.min_severity is not None:
        clauses.append("i.severity >= ?")
        params.append(query.min_severity)
    if query.status is not None:
        wanted = _STATUS_WANTED[query.status]
        status = status_sql(dialect)
        clauses.append(f"i.bucket != 'audit' AND ({status}) IN ({','.join('?' * len(wanted))})")
        params += [now, *wanted]
    else:
        clauses.append("i.archived_at IS NULL")  # archived only when asked for
    source_column = "i.source" if source_index or pg else "+i.source"
    for column, prefix in ((source_column, query.source), ("i.type", query.type)):
        if prefix:
            sql, values = prefix_range(column, prefix)
            clauses.append(sql)
            params += values
    if query.text:
        clauses.append("strpos(i.text, ?) > 0" if pg else "instr(i.text, ?) > 0")
        params.append(query.text)
    if query.owner is not None:
        owner = owner_wanted(query.owner, query.me)
        clauses.append(
            "i.bucket != 'audit' AND i.owner IS NULL" if owner is None else "i.owner = ?"
        )
        params += [] if owner is None else [owner]
    if query.silenced is not None:
        clauses.append(silenced_clause(query.silenced))
        params.append(now)
    if query.operation:
        clauses.append(_operation_sql(query.operation_tree, pg))
        params.append(query.operation)
    exact = True
    for compiled in query.filters:
        if not pushdown:
            exact = False
            continue
        pushed = (
            compiled.to_sql(PG_PUSHDOWN_COLUMNS, dialect=dialect)
            if pg
            else compiled.to_sql(PUSHDOWN_COLUMNS)
        )
        clauses.append(f"({pushed.where})")
        params += pushed.params
        exact = exact and pushed.exact
    return " AND ".join(clauses) or ("TRUE" if pg else "1"), params, exact


def _operation_sql(tree: bool, pg: bool = False) -> str:
    if not tree:
        return "i.span = ?"
    start = 'CAST(? AS TEXT) COLLATE "C"' if pg else "?"  # typed as the column
    return (
        f"i.span IN (WITH RECURSIVE ops(span) AS (SELECT {start} UNION"
        " SELECT o.span FROM idx o JOIN ops ON o.parent = ops.span WHERE o.span IS NOT NULL)"
        " SELECT span FROM ops)"
    )


def select_rows(
    conn: SqlConnection,
    query: EventQuery,
    now: str,
    *,
    limit: int | None = None,
    pushdown: bool = True,
) -> list[tuple[Any, ...]]:
    """Matching rows (ROW_COLUMNS), newest first. `limit=None` takes the query's limit,
    `limit=0` every match."""
    want = query.limit if limit is None else limit
    dialect = dialect_of(conn)
    few = _few_from_source(conn, query.source)
    where, params, exact = where_clause(query, now, pushdown, few, dialect)
    base = f"SELECT {ROW_COLUMNS} FROM idx i JOIN log l ON l.seq = i.seq WHERE {where}"
    if exact:
        bounds, bound_params = _bounds(query.before, query.after)
        sql = f"{base}{bounds} ORDER BY i.seq DESC LIMIT ?"
        return conn.execute(sql, [*params, *bound_params, want or no_limit(dialect)]).fetchall()
    return _select_checked(conn, base, params, query, want)


SOURCE_PROBE = 2000


def _few_from_source(conn: SqlConnection, prefix: str | None) -> bool:
    """Whether the source index should drive the query.

    SQLite always picks the index for a source prefix, then sorts every match by seq:
    490 ms for a source with 66,000 of 200,000 events (bench/hub_query.py), against
    ~2 ms walking the log newest first. A capped count through the index (< 1 ms) tells
    which of the two plans fits.
    """
    if not prefix:
        return True
    sql, params = prefix_range("source", prefix)
    probe = f"SELECT count(*) FROM (SELECT 1 FROM idx WHERE {sql} LIMIT {SOURCE_PROBE})"
    if dialect_of(conn) == "postgresql":
        probe += " AS probe"  # PostgreSQL before 16 names every subquery
    count: int = conn.execute(probe, params).fetchone()[0]
    return count < SOURCE_PROBE


def _bounds(before: int | None, after: int | None) -> tuple[str, list[int]]:
    sql, params = "", []
    if before is not None:
        sql += " AND i.seq < ?"
        params.append(before)
    if after is not None:
        sql += " AND i.seq > ?"
        params.append(after)
    return sql, params


def _select_checked(
    conn: SqlConnection, base: str, params: list[Any], query: EventQuery, want: int
) -> list[tuple[Any, ...]]:
    """Pages through a superset, keeping the rows every filter matches in Python."""
    found: list[tuple[Any, ...]] = []
    before = query.before
    page = max(want * 2, 500) if want else 5000
    while True:
        bounds, bound_params = _bounds(before, query.after)
        sql = f"{base}{bounds} ORDER BY i.seq DESC LIMIT ?"
        rows = conn.execute(sql, [*params, *bound_params, page]).fetchall()
        for row in rows:
            if matches_filters(query, orjson.loads(row[-1])):
                found.append(row)
                if want and len(found) == want:
                    return found
        if len(rows) < page:
            return found
        before = rows[-1][0]


def matches_filters(query: EventQuery, event: Mapping[str, Any]) -> bool:
    return all(f.matches(event) for f in query.filters)


# -- bounded pages (GET /api/events) ---------------------------------------------------

# The time one list request may scan for; the answer then says where it stopped.
SCAN_SECONDS = 0.08
# Positions per window, newest first; doubled after each window up to MAX_WINDOW, so that
# one SQL statement never runs long and the clock is looked at between windows.
FIRST_WINDOW = 2048
MAX_WINDOW = 1 << 14
_CLOCK_EVERY = 256  # rows checked in Python between two looks at the clock


@dataclass(frozen=True)
class Scanned:
    """A page's rows, newest first, and where the scan stopped when its time ran out
    (`cut_at`: continue with before=cut_at; None when the scan was complete)."""

    rows: list[tuple[Any, ...]]
    cut_at: int | None = None


def select_page(
    conn: SqlConnection,
    query: EventQuery,
    now: str,
    *,
    want: int,
    pushdown: bool = True,
    budget: float | None = None,
) -> Scanned:
    """Up to `want` matching rows, scanning newest first in windows of positions for at
    most `budget` (SCAN_SECONDS) seconds: a filter checked in Python, or a rare match the indexes cannot
    find, costs one request a bounded time instead of a scan of the whole log."""
    few = _few_from_source(conn, query.source)
    if query.source and few:  # the source index drives: fewer than SOURCE_PROBE rows to read
        return Scanned(select_rows(conn, query, now, limit=want, pushdown=pushdown))
    dialect = dialect_of(conn)
    where, params, exact = where_clause(query, now, pushdown, few, dialect)
    sql = (
        f"SELECT {ROW_COLUMNS} FROM idx i JOIN log l ON l.seq = i.seq WHERE {where}"
        " AND i.seq >= ? AND i.seq < ? ORDER BY i.seq DESC LIMIT ?"
    )
    # Two statements: SQLite reads one end of the key for min() or max() alone, not both.
    highest = conn.execute("SELECT max(seq) FROM idx").fetchone()[0]
    lowest = conn.execute("SELECT min(seq) FROM idx").fetchone()[0]
    if highest is None:
        return Scanned([])
    top = min(query.before, highest + 1) if query.before is not None else highest + 1
    floor = max(lowest, (query.after or 0) + 1)
    deadline = time.monotonic() + (SCAN_SECONDS if budget is None else budget)
    found: list[tuple[Any, ...]] = []
    window = max(FIRST_WINDOW, want * 4)
    while top > floor:
        bottom = max(floor, top - window)
        started = time.monotonic()
        limit = want - len(found) if exact else no_limit(dialect)
        rows = conn.execute(sql, [*params, bottom, top, limit])
        for n, row in enumerate(rows, 1):
            if exact or matches_filters(query, orjson.loads(row[-1])):
                found.append(row)
                if len(found) == want:
                    return Scanned(found)
            if n % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                return Scanned(found, row[0])
        top = bottom
        ended = time.monotonic()
        # A window cannot be stopped halfway: stop before one that would overrun the budget.
        if top > floor and ended + (ended - started) * 2 > deadline:
            return Scanned(found, top)
        window = min(window * 2, MAX_WINDOW)
    return Scanned(found)


def cut_off(cut_at: int) -> ErrorBody:
    """The notice a page carries when its scan stopped at `cut_at` (its `next`)."""
    return QUERY_CUT_OFF.error(
        f"examined the events newer than {format_cursor(cut_at)}; continue with"
        f" before={format_cursor(cut_at)}"
    ).to_dict()
