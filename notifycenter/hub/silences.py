"""Hub plug-in: silences (maintenance windows), `/api/silences`, and the silenced mark.

Why in the log: a silence is created and expired by events appended to the log (types
`io.meshery.notification.silence.*`), folded into the `silences` table by this
projection. Every stream subscriber hears of a new silence as it hears of an ack, the
audit trail is the log, and a replicated log backend carries silences without more code.

The mark: before an event is stored, `stamp` gives each notification that a silence in
force matches the `silence` extension attribute (the silence's id; a producer's own
value is dropped). The stored event, its stream frame and every list answer carry it, so
no client needs the silences to know what to keep quiet. `silence_marks` indexes the
marked notifications for `silenced=true|false` and the records' `silenced` flag.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifycenter.catalogue import silences as codes
from notifycenter.hub.auth import Permission
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.log import StoredEntry, Transaction
from notifycenter.hub.openapi import SECURED, _errors, _json, _param
from notifycenter.hub.params import parse_duration, parse_moment
from notifycenter.hub.responses import answer
from notifycenter.hub.silence_sql import SCHEMA
from notifycenter.hub.sqlconn import PgConnection, SqlConnection, create_tables
from notifycenter.model.cursor import format_cursor
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import bucket_of_event
from notifycenter.model.filters import Filter, compile_cesql
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX, format_time
from notifycenter.model.severity import Bucket
from notifycenter.model.silences import (
    SILENCE_ATTRIBUTE,
    SILENCE_TYPES,
    Silence,
    SilencePage,
    SilenceState,
    as_record,
    created_event,
    expired_event,
    parse_silence_request,
    read_silence_event,
    silence_of,
)

PATH = "/api/silences"
MAX_BODY = 64 << 10
MAX_LISTED = 1000
MIN_PREFIX = 4
RELOAD_SECONDS = 1.0  # the in-force set is re-read at least this often (see `stamp`)
_COLUMNS = "id, filter, starts, ends, author, comment, created_at, seq, expired_at, expired_by"
_MARK = "INSERT OR REPLACE INTO silence_marks (seq, silence) VALUES (?, ?)"
_PG_MARK = (
    "INSERT INTO silence_marks (seq, silence) VALUES (?, ?)"
    " ON CONFLICT (seq) DO UPDATE SET silence = excluded.silence"
)
_CREATE = f"INSERT OR IGNORE INTO silences ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,NULL,NULL)"
_PG_CREATE = (
    f"INSERT INTO silences ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,NULL,NULL)"
    " ON CONFLICT (id) DO NOTHING"
)
# What changes whenever any replica creates or expires a silence (PostgreSQL).
_VERSION = "SELECT count(*), coalesce(max(seq), 0), count(expired_at) FROM silences"
log = logging.getLogger("notifycenter.hub")


class SilencesProjection:
    """The `silences` table, the marks of silenced notifications, and the stamp."""

    def __init__(self) -> None:
        self._silences: list[tuple[Silence, Filter]] = []  # not yet ended
        self._compiled: dict[str, Filter] = {}
        self._loaded_at = float("-inf")
        self._version: tuple[int, ...] | None = None

    def create(self, conn: SqlConnection) -> None:
        create_tables(conn, SCHEMA)

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        marks: list[tuple[int, str]] = []
        for entry in entries:
            event = entry.event
            if event["type"] in SILENCE_TYPES:
                self._apply_change(conn, entry)
                continue
            silence_id = silence_of(event)
            if silence_id is not None:
                marks.append((entry.seq, silence_id))
        if marks:
            conn.executemany(_PG_MARK if isinstance(conn, PgConnection) else _MARK, marks)

    def _apply_change(self, conn: SqlConnection, entry: StoredEntry) -> None:
        change = read_silence_event(entry.event, entry.cursor)
        if change is None:
            return
        if change.silence is not None:
            s = change.silence
            conn.execute(
                _PG_CREATE if isinstance(conn, PgConnection) else _CREATE,
                (s.id, s.filter, s.starts, s.ends, s.author, s.comment, s.created_at, entry.seq),
            )
        elif change.expired_id is not None:
            conn.execute(
                "UPDATE silences SET expired_at = ?, expired_by = ?"
                " WHERE id = ? AND expired_at IS NULL",
                (change.at, change.actor, change.expired_id),
            )
        self._loaded_at = float("-inf")  # re-read before the next stamp

    # -- the stamp: called by the log writer before events are serialised ----------

    def stamp(self, conn: SqlConnection, events: Sequence[dict[str, Any]]) -> None:
        """Mark each notification a silence in force matches; drop any other `silence`.

        Runs in the writer's transaction, so a silence committed earlier in the same group
        is seen. A silence whose commit then fails stays known for at most RELOAD_SECONDS.
        """
        at = format_time(datetime.now(UTC))
        in_force = [(s, f) for s, f in self._current(conn) if s.in_force(at)]
        for event in events:
            if SILENCE_ATTRIBUTE in event:
                del event[SILENCE_ATTRIBUTE]  # only the hub says what is silenced
            if not in_force or event["type"].startswith(LIFECYCLE_TYPE_PREFIX):
                continue
            if bucket_of_event(event) is Bucket.AUDIT:
                continue  # audit events never pop up anyway
            found = _matching(in_force, event)
            if found is not None:
                event[SILENCE_ATTRIBUTE] = found.id

    def _current(self, conn: SqlConnection) -> list[tuple[Silence, Filter]]:
        if isinstance(conn, PgConnection):  # other replicas write silences too
            version = tuple(conn.execute(_VERSION).fetchone())
            if version != self._version:
                self._version, self._loaded_at = version, float("-inf")
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            at = format_time(datetime.now(UTC))
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM silences WHERE expired_at IS NULL AND ends > ?", (at,)
            ).fetchall()
            self._silences = [
                (silence, compiled)
                for silence in map(silence_from_row, rows)
                if (compiled := self._compile(silence)) is not None
            ]
            self._loaded_at = time.monotonic()
        return self._silences

    def _compile(self, silence: Silence) -> Filter | None:
        compiled = self._compiled.get(silence.id)
        if compiled is None:
            try:
                compiled = compile_cesql(silence.filter)
            except Exception:  # checked when created; a log of another version may differ
                log.warning("silence %s: its filter does not compile; ignored", silence.id)
                return None
            self._compiled[silence.id] = compiled
        return compiled


def _matching(in_force: list[tuple[Silence, Filter]], event: dict[str, Any]) -> Silence | None:
    """The matching silence that ends last: the one that keeps the event quiet longest."""
    best: Silence | None = None
    for silence, compiled in in_force:
        try:
            matched = compiled.matches(event)
        except Exception:  # a filter must never fail an ingest
            matched = False
        if matched and (best is None or silence.ends > best.ends):
            best = silence
    return best


def silence_from_row(row: Sequence[Any]) -> Silence:
    sid, text, starts, ends, author, comment, created_at, seq, expired_at, expired_by = row
    return Silence(
        id=sid,
        filter=text,
        starts=starts,
        ends=ends,
        author=author,
        comment=comment,
        created_at=created_at,
        cursor=format_cursor(seq),
        expired_at=expired_at,
        expired_by=expired_by,
    )


def find_silence(conn: SqlConnection, ref: str) -> Silence:
    """A silence by id, or by a prefix of at least MIN_PREFIX characters naming one."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM silences WHERE id = ?", (ref,)).fetchone()
    if row is None and len(ref) >= MIN_PREFIX:
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = "ILIKE" if isinstance(conn, PgConnection) else "LIKE"  # SQLite's ignores case
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM silences WHERE id {like} ? ESCAPE '\\' LIMIT 2",
            (escaped + "%",),
        ).fetchall()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise codes.SILENCE_NOT_FOUND.error(f"no silence {ref[:80]!r}")
    return silence_from_row(row)


def list_silences(conn: SqlConnection, states: frozenset[str], now: datetime) -> SilencePage:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM silences ORDER BY seq DESC").fetchall()
    items = []
    for silence in map(silence_from_row, rows):
        if silence.state(now).value in states:
            items.append(as_record(silence, now))
            if len(items) == MAX_LISTED:
                break
    return {"items": items}


def parse_states(text: str | None) -> frozenset[str]:
    every = frozenset(s.value for s in SilenceState)
    if not text:
        return frozenset({SilenceState.ACTIVE.value, SilenceState.PENDING.value})
    words = {w.strip().lower() for w in text.split(",") if w.strip()}
    unknown = words - every - {"all"}
    if unknown or not words:
        raise codes.INVALID_SILENCE_QUERY.error(
            f"state {text[:40]!r}: use active, pending, expired or all"
        )
    return every if "all" in words else frozenset(words)


# -- plug-in interface ---------------------------------------------------------------


def projection() -> SilencesProjection:
    return SilencesProjection()


def routes(hub: Hub) -> list[Route]:
    source = hub.settings.hub_source

    async def create(request: Request) -> Response:
        principal = hub.require(request, Permission.LIFECYCLE)
        from notifycenter.hub.api import _read_body

        body = await _read_body(request, MAX_BODY)
        now = datetime.now(UTC)
        try:
            obj = orjson.loads(body) if body.strip() else None
        except orjson.JSONDecodeError as exc:
            raise codes.INVALID_SILENCE.error(f"the body is not JSON: {exc}") from None
        parsed = parse_silence_request(obj, now, parse_moment, _duration)
        await run_in_threadpool(_check_filter, parsed.filter)
        silence = Silence(
            id=str(uuid.uuid4()),
            filter=parsed.filter,
            starts=format_time(parsed.starts),
            ends=format_time(parsed.ends),
            author=principal.user,
            comment=parsed.comment,
            created_at=format_time(now),
        )
        event = created_event(silence, hub_source=source, event_id=str(uuid.uuid4()))
        seq = await hub.log.write(lambda txn: txn.insert([event], principal.user)[0][0])
        return answer(as_record(replace(silence, cursor=format_cursor(seq)), now), 201)

    async def listed(request: Request) -> Response:
        hub.require(request, Permission.READ)
        states, now = parse_states(request.query_params.get("state")), datetime.now(UTC)
        return answer(await hub.log.read(lambda conn: list_silences(conn, states, now)))

    async def one(request: Request) -> Response:
        hub.require(request, Permission.READ)
        ref, now = request.path_params["id"], datetime.now(UTC)
        silence = await hub.log.read(lambda conn: find_silence(conn, ref))
        return answer(as_record(silence, now))

    async def expire(request: Request) -> Response:
        principal = hub.require(request, Permission.LIFECYCLE)
        ref = request.path_params["id"]

        def job(txn: Transaction) -> Silence:
            at = format_time(datetime.now(UTC))
            silence = find_silence(txn.conn, ref)
            if silence.expired_at is not None or silence.ends <= at:
                raise codes.SILENCE_ALREADY_EXPIRED.error(
                    f"silence {silence.id} ended at {silence.expired_at or silence.ends}"
                )
            event = expired_event(
                silence.id,
                actor=principal.user,
                at=at,
                hub_source=source,
                event_id=str(uuid.uuid4()),
            )
            txn.insert([event], principal.user)
            return silence.expire(principal.user, at)

        expired = await hub.log.write(job)
        return answer(as_record(expired, datetime.now(UTC)))

    return [
        Route(PATH, create, methods=["POST"]),
        Route(PATH, listed, methods=["GET"]),
        Route(PATH + "/{id}", one, methods=["GET"]),
        Route(PATH + "/{id}", expire, methods=["DELETE"]),
        Route(PATH + "/{id}/expire", expire, methods=["POST"]),
    ]


def _duration(text: str) -> Any:
    return parse_duration(text, "duration", codes.INVALID_SILENCE_TIME)


def _check_filter(text: str) -> None:
    try:
        compile_cesql(text, strict=True)
    except NotifyError as error:
        raise codes.INVALID_SILENCE_FILTER.error(f"{error.code}: {error.message}") from None
    except Exception as exc:
        raise codes.INVALID_SILENCE_FILTER.error(str(exc)) from None


# -- OpenAPI ---------------------------------------------------------------------------

_NULLABLE = {"type": ["string", "null"]}
SILENCE_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "filter",
        "starts",
        "ends",
        "author",
        "comment",
        "created_at",
        "state",
        "expired_at",
        "expired_by",
        "cursor",
    ],
    "properties": {
        "id": {"type": "string"},
        "filter": {"type": "string", "description": "CESQL over the event's attributes"},
        "starts": {"type": "string"},
        "ends": {"type": "string"},
        "author": {"type": "string", "description": "the user of the token that created it"},
        "comment": _NULLABLE,
        "created_at": {"type": "string"},
        "state": {"type": "string", "enum": [s.value for s in SilenceState]},
        "expired_at": _NULLABLE,
        "expired_by": _NULLABLE,
        "cursor": _NULLABLE,
    },
}
_ID = _param(
    "id", "the silence's id, or a prefix of 4 characters or more", where="path", required=True
)


def openapi_paths() -> dict[str, Any]:
    one = _json(SILENCE_SCHEMA, "the silence")
    expire = {
        "summary": "End a silence now",
        "security": SECURED,
        "parameters": [_ID],
        "responses": {"200": one, **_errors(401, 403, 404, 409)},
    }
    request = {
        "type": "object",
        "required": ["filter"],
        "properties": {
            "filter": {"type": "string"},
            "starts": {"type": "string", "description": "RFC 3339; default now"},
            "ends": {"type": "string", "description": "RFC 3339 (or give duration)"},
            "duration": {"type": "string", "examples": ["2h"]},
            "comment": {"type": "string"},
        },
    }
    return {
        PATH: {
            "post": {
                "summary": "Create a silence (maintenance window)",
                "description": "Notifications the filter matches while it is in force are stored and listed, marked with the `silence` attribute, and raise no notification.",
                "operationId": "createSilence",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": request}},
                },
                "responses": {"201": one, **_errors(400, 401, 403, 413)},
            },
            "get": {
                "summary": "List silences",
                "operationId": "listSilences",
                "security": SECURED,
                "parameters": [
                    _param(
                        "state",
                        "active, pending, expired or all (comma-separated); default active,pending",
                    )
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": SILENCE_SCHEMA}},
                        },
                        "the silences, newest first",
                    ),
                    **_errors(400, 401, 403),
                },
            },
        },
        PATH + "/{id}": {
            "get": {
                "summary": "One silence",
                "operationId": "getSilence",
                "security": SECURED,
                "parameters": [_ID],
                "responses": {"200": one, **_errors(401, 403, 404)},
            },
            "delete": {**expire, "operationId": "deleteSilence"},
        },
        PATH + "/{id}/expire": {"post": {**expire, "operationId": "expireSilence"}},
    }


# -- delivery: subscriptions skip what arrived silenced --------------------------------


def arrived_silenced(conn: SqlConnection, seq: int, event: Mapping[str, Any]) -> bool:
    """The delivery engine's question: this event arrived while a silence matched it."""
    return silence_of(event) is not None


async def start(hub: Hub) -> None:
    try:
        from notifycenter.routing.silencing import register_silence_predicate
    except ImportError:  # a hub without outbound delivery
        return
    register_silence_predicate(hub, arrived_silenced)


async def stop(hub: Hub) -> None:
    try:
        from notifycenter.routing.silencing import register_silence_predicate
    except ImportError:
        return
    register_silence_predicate(hub, None)
