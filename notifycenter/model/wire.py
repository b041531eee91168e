"""The JSON answers of the hub's API as typed records, written once for hub, client and TUI.

TypedDicts, not classes: the hub keeps building plain dicts that orjson serialises on its
fast path, while mypy checks every builder and reader against one shape. `WIRE` names the
OpenAPI schema of each record; the client validates an answer with `validate` (msgspec),
or reads it straight from its bytes with `decode`. Pure: no I/O; a refused answer raises
`ValidationError` (or `DecodeError`: not JSON) for the caller to turn into its own
catalogued error.

msgspec, not pydantic: the notification center validates its first answers before it can
show a row, and pydantic cost that path ~0.1 s to import plus ~30 ms to build the first
two validators (docs/performance.md); msgspec imports in under 10 ms beside Textual and
checks a page of records several times faster.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from msgspec import DecodeError as DecodeError  # what `decode` raises for what is not JSON
from msgspec import Meta, convert
from msgspec import ValidationError as ValidationError  # what `validate` raises
from msgspec.json import decode as _decode_json
from typing_extensions import TypedDict

# The error body lives with the error that writes it; it is a record of the contract too.
from notifycenter.model.errors import ErrorBody as ErrorBody
from notifycenter.model.errors import ErrorDetails as ErrorDetails

# A log position: what a reader resumes from, so a client refuses anything else.
Cursor = Annotated[str, Meta(pattern=r"^[0-9]{1,19}$")]

# A CloudEvent in structured JSON form: attributes plus `data`, as the producer sent it.
CloudEvent = dict[str, Any]


# `GET /api/stream` frames. Under the subprotocol `cloudevents.json` (the CloudEvents
# WebSockets binding) a text frame holds one event; under `notifycenter.batch.json`, which a
# client offers first, a JSON array of one or more events in log order, as the batched
# content mode of the HTTP binding. Every streamed event carries its `cursor`.
STREAM_BATCH_SUBPROTOCOL = "notifycenter.batch.json"


class _RecordAdded(TypedDict, total=False):
    """Keys older hubs leave out. A base of its own: `NotRequired[...]` under postponed
    annotations stays among `__required_keys__` on Python 3.11."""

    owner: str | None  # who it is assigned to
    silenced: bool  # a silence in force keeps it quiet


class Record(_RecordAdded):
    """A stored event with its lifecycle state; audit events have None for the state."""

    cursor: Cursor
    event: CloudEvent
    bucket: str  # errors, warnings, infos, audit
    status: str | None  # unread, read, acknowledged, resolved, archived
    read: bool | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    comment: str | None
    until: str | None
    resolved_by: str | None
    resolved_at: str | None
    archived_by: str | None
    archived_at: str | None


class RecordWithHistory(Record):
    """`GET /api/events/{ref}`: the record and its lifecycle events, oldest first."""

    history: list[CloudEvent]


class _PageAdded(TypedDict, total=False):
    cut_off: ErrorBody  # notifycenter-2110: the scan stopped at its time budget, at `next`


class Page(_PageAdded):
    """`GET /api/events`: records newest first; `next` is the `before=` of the next page."""

    items: list[Record]
    next: Cursor | None


class _BucketCountsAdded(TypedDict, total=False):
    silenced: int  # open ones a silence in force keeps quiet; older hubs leave it out


class BucketCounts(_BucketCountsAdded):
    """Notifications not archived (`total`) and the open ones; those a silence in force
    keeps quiet count in `silenced`, not in `unacknowledged`, `unread` or `open`."""

    total: int
    unacknowledged: int
    unread: int
    open: int


class Summary(TypedDict):
    """`GET /api/summary`: counts per bucket name and the cursor they were counted at."""

    buckets: dict[str, BucketCounts]
    last_cursor: Cursor


class Accepted(TypedDict):
    """`POST /api/events` (202): how many were stored, how many were already there."""

    accepted: int
    duplicates: int
    cursors: list[Cursor]


class AlertsAccepted(Accepted):
    """`POST /api/ingest/alertmanager` (202): also the events its resolved alerts resolved."""

    resolved: int


class LifecycleOutcome(TypedDict):
    """`POST /api/lifecycle/{verb}`: the lifecycle events appended and the targets left as is."""

    changed: int
    cursors: list[Cursor]
    unchanged: int


class _OperationFields(TypedDict):
    id: str
    trace_id: str | None
    parent: str | None
    name: str
    state: str  # pending, running, stalled, succeeded, failed, cancelled
    progress: float | None
    done: float | None
    total: float | None
    message: str | None
    source: str
    started_by: str
    subject: str | None
    started_at: str | None
    ended_at: str | None
    last_heard: str | None
    duration: float | None
    eta: float | None
    finished_children: int
    event_count: int
    error: dict[str, Any] | None
    cursor: str | None


class Operation(_OperationFields):
    """One operation as `GET /api/operations` lists it; `children` is a count."""

    children: int


class OperationNode(_OperationFields):
    """An operation in a tree: its sub-operations nested, its latest events in log order."""

    children: list[OperationNode]
    events: list[CloudEvent]


class PathStep(TypedDict):
    id: str
    name: str


class OperationTree(OperationNode):
    """`GET /api/operations/{id}`: the tree, its ancestors root first, and where it stands."""

    path: list[PathStep]
    stall_after: float
    last_cursor: Cursor


class _OperationPageAdded(TypedDict, total=False):
    cut_off: ErrorBody  # notifycenter-2110: the filter's scan stopped at its time budget


class OperationPage(_OperationPageAdded):
    """`GET /api/operations`: `next` is the `offset=` of the next page."""

    items: list[Operation]
    next: str | None
    stall_after: float
    last_cursor: Cursor


class _SourceViewAdded(TypedDict, total=False):
    """Keys older hubs (and statuses older replicas recorded) leave out."""

    dropped: int  # messages lost before the hub read them (a slow consumer)


class SourceView(_SourceViewAdded):
    name: str
    url: str
    kind: str
    state: str  # connecting, resyncing, following, failing
    since: str
    last_contact: str | None
    events_taken: int
    skipped: int  # messages of the origin that were not valid events
    error: ErrorBody | None


class Sources(TypedDict):
    """`GET /api/sources`."""

    sources: list[SourceView]


class Identity(TypedDict):
    """`GET /api/whoami`: the user the caller's token belongs to, and its role."""

    user: str  # anonymous on an open hub
    role: str  # viewer, producer, operator, admin


class Health(TypedDict):
    """`GET /healthz` while every part works (a degraded hub answers `Degraded`)."""

    status: str
    last_cursor: Cursor


class FailingPart(TypedDict):
    """A part of the hub that fails (or is stuck) now, as a degraded `/healthz` names it."""

    part: str  # writer, checkpoint, publisher, ...
    code: str
    shortDescription: str
    detail: str
    since: str
    failures: int


class Degraded(ErrorBody):
    """`GET /healthz` (503): the catalogued "degraded" error and each failing part."""

    status: str  # degraded
    last_cursor: Cursor
    failing: list[FailingPart]


# The record type of each OpenAPI component schema that describes one.
WIRE: dict[str, type[Any]] = {
    "Error": ErrorBody,
    "Record": Record,
    "RecordWithHistory": RecordWithHistory,
    "Page": Page,
    "Summary": Summary,
    "Accepted": Accepted,
    "LifecycleResult": LifecycleOutcome,
    "Operation": Operation,
    "OperationNode": OperationNode,
    "OperationTree": OperationTree,
    "OperationPage": OperationPage,
}

T = TypeVar("T")


def validate(record: type[T], value: object) -> T:
    """`value` checked against `record` (strict: no "1" for 1), unknown keys dropped.

    Raises `ValidationError`, whose text says what was wrong and where (`$.items[0].cursor`).
    Unknown keys are dropped, not refused, so that a client keeps working against a newer
    hub that says more.
    """
    return convert(value, type=record, strict=True)


def decode(record: type[T], data: bytes) -> T:
    """JSON bytes read straight into `record`, checked as `validate` checks: one pass over
    the bytes instead of a parse and then a check, ~13 µs a record of a page of
    `GET /api/events` instead of ~22 (the backlog's million records pass here).

    Raises `ValidationError` for JSON of another shape, `DecodeError` (of which
    `ValidationError` is a kind) for bytes that are not JSON, `RecursionError` for JSON
    nested too deep to read.
    """
    return _decode_json(data, type=record, strict=True)


def keys(record: type[Any]) -> frozenset[str]:
    """Every key a record may hold."""
    required: frozenset[str] = record.__required_keys__
    optional: frozenset[str] = record.__optional_keys__
    return required | optional
