"""Sources inside the hub: configuration, the `Source` protocol, and the runner.

A source follows a system that already emits events (a Meshery server...) and feeds
the hub's log. The URL's scheme names its kind (`meshery+http://host:9081`); kinds
register a factory in `KINDS`, so others (NATS) plug in the same way. Credentials never
sit in the URL: they come from a token file, an environment variable, or a kind's own
file (mesheryctl's `auth.json`).

Each source runs as one task of the hub's event loop, restarted with a growing pause
when it fails; its state (connecting, resyncing, following, failing with a catalogued
error), last contact and the events it took are what `GET /api/sources` lists. Events
and the source's checkpoint are written in one transaction of the log, so a restart
resumes where the last commit left off.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from notifycenter.catalogue import meshery as codes
from notifycenter.catalogue import sources_runner as runner_codes
from notifycenter.client.backoff import Backoff
from notifycenter.hub.binding import Limits, check_event_size
from notifycenter.hub.leases import LeaseGuard, leases_of
from notifycenter.hub.lifecycle import LifecycleRequest, apply_request
from notifycenter.hub.log import Transaction
from notifycenter.hub.projection import load_state
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from notifycenter.model.lifecycle import Verb, format_time
from notifycenter.model.wire import ErrorBody, SourceView
from notifycenter.sources import checkpoints

log = logging.getLogger("notifycenter.sources")

LEASE_PREFIX = "source:"  # one lease per source: it runs on one replica
STATUS_SECONDS = 1.0  # how often a changed status is recorded for the other replicas
# Following this long before a failure makes the next retry a first one again; a source
# that fails sooner (a stream closed at once, a write-back refused every time) slows down.
STEADY_SECONDS = 30.0
SETTING_KEYS = frozenset(
    {"url", "name", "token-file", "token-env", "auth-json", "provider", "resync", "creds-file"}
)


class SourceState(StrEnum):
    CONNECTING = "connecting"
    RESYNCING = "resyncing"
    FOLLOWING = "following"
    FAILING = "failing"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: its URL (no credentials) and where its credentials are."""

    url: str
    kind: str
    name: str
    token_file: Path | None = None
    token_env: str | None = None
    auth_json: Path | None = None
    provider: str | None = None
    resync_seconds: float = 60.0
    creds_file: Path | None = None

    @property
    def target(self) -> str:
        """The origin's plain URL: the kind's prefix removed (`meshery+http://h` -> `http://h`)."""
        return self.url.split("+", 1)[1] if "+" in self.url.split("://", 1)[0] else self.url

    def credentials(self) -> tuple[str | None, str | None]:
        """(token, provider), read now so that a rotated token file is picked up."""
        invalid = codes.INVALID_SOURCE_SETTINGS.error
        token, provider = None, self.provider
        if self.auth_json is not None:
            try:
                document = orjson.loads(self.auth_json.expanduser().read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise invalid(f"source {self.name}: auth-json {self.auth_json}: {exc}") from None
            if not isinstance(document, dict) or not isinstance(document.get("token"), str):
                raise invalid(f"source {self.name}: {self.auth_json} holds no token")
            token = document["token"]
            found = document.get("meshery-provider") or document.get("provider")
            provider = provider or (found if isinstance(found, str) else None)
        if self.token_file is not None:
            try:
                token = self.token_file.expanduser().read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise invalid(f"source {self.name}: token-file {self.token_file}: {exc}") from None
        if self.token_env is not None:
            token = os.environ.get(self.token_env)
            if not token:
                raise invalid(f"source {self.name}: ${self.token_env} is not set")
        return token, provider


class SourceContext(Protocol):
    """What a running source may do with the hub."""

    config: SourceConfig

    def state(self, state: SourceState) -> None: ...

    def contact(self) -> None: ...

    def skip(self, count: int = 1) -> None:
        """Count messages of the origin that could not be made into events."""
        ...

    def drop(self, count: int = 1) -> None:
        """Count messages the origin dropped before the hub read them (a slow consumer)."""
        ...

    async def checkpoint(self) -> dict[str, Any] | None: ...

    async def take(
        self,
        events: Sequence[dict[str, Any]],
        *,
        extra: Sequence[dict[str, Any]] = (),
        statuses: Mapping[tuple[str, str], bool] | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> int: ...

    async def pending_writebacks(self, prefix: str, limit: int) -> list[tuple[str, str]]: ...

    async def writebacks_done(self, done: Sequence[tuple[str, str]]) -> None: ...


class Source(Protocol):
    """A kind of source: `run` follows the origin until cancelled; it raises on failure."""

    config: SourceConfig

    @property
    def writeback_prefix(self) -> str | None:
        """Sources whose events are marked read at the origin (None: no write-back)."""
        ...

    async def run(self, ctx: SourceContext) -> None: ...


KINDS: dict[str, Callable[[SourceConfig], Source]] = {}


def register_kind(scheme: str, factory: Callable[[SourceConfig], Source]) -> None:
    KINDS[scheme] = factory


def _load_kinds() -> None:
    from notifycenter.sources import meshery, nats  # noqa: F401  (register their schemes)


def parse_source(url: str, settings: Mapping[str, Any] | None = None) -> SourceConfig:
    """A source URL and its settings (`[[hub.sources]]` keys), checked; catalogued errors."""
    _load_kinds()
    settings = dict(settings or {})
    invalid = codes.INVALID_SOURCE_URL.error
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise invalid(f"{text!r}: {exc}") from None
    if parts.username is not None or parts.password is not None:
        shown = text.replace(parts.netloc, parts.netloc.rpartition("@")[2])
        raise codes.SOURCE_URL_CREDENTIALS.error(
            f"{shown} (credentials removed) has user:password@"
        )
    scheme = parts.scheme.lower()
    if scheme not in KINDS:
        known = ", ".join(f"{k}://" for k in sorted(KINDS))
        raise invalid(f"{text!r}: the scheme {scheme or '(none)'!r} is not one of {known}")
    if not parts.hostname:
        raise invalid(f"{text!r} has no host")
    unknown = set(settings) - SETTING_KEYS
    if unknown:
        raise codes.INVALID_SOURCE_SETTINGS.error(
            f"source {text}: unknown setting(s) {', '.join(sorted(unknown))};"
            f" allowed: {', '.join(sorted(SETTING_KEYS - {'url'}))}"
        )
    host = parts.hostname + (f":{port}" if port else "")
    query = f"?{parts.query}" if parts.query else ""  # a kind's options (nats://h?subject=s)
    config = SourceConfig(
        url=f"{scheme}://{host}{parts.path.rstrip('/')}{query}",
        kind=scheme.split("+", 1)[0],
        name=str(settings.get("name") or f"{scheme}://{host}{parts.path.rstrip('/')}{query}"),
        token_file=_path(settings.get("token-file")),
        token_env=settings.get("token-env"),
        auth_json=_path(settings.get("auth-json")),
        provider=settings.get("provider"),
        resync_seconds=float(settings.get("resync", 60.0)),
        creds_file=_path(settings.get("creds-file")),
    )
    config.credentials()  # a missing file or variable fails at start, not later
    KINDS[scheme](config)  # so do the kind's own settings (a NATS subject...)
    return config


def _path(value: Any) -> Path | None:
    return Path(value).expanduser() if isinstance(value, str) and value else None


def parse_sources(entries: Sequence[str | Mapping[str, Any]]) -> list[SourceConfig]:
    """`--source URL` strings and `[[hub.sources]]` tables; names must differ."""
    configs = []
    for entry in entries:
        if isinstance(entry, str):
            configs.append(parse_source(entry))
        else:
            url = entry.get("url")
            if not isinstance(url, str):
                raise codes.INVALID_SOURCE_SETTINGS.error("a [[hub.sources]] table lacks its url")
            configs.append(parse_source(url, {k: v for k, v in entry.items() if k != "url"}))
    names = [c.name for c in configs]
    for name in names:
        if names.count(name) > 1:
            raise codes.INVALID_SOURCE_SETTINGS.error(f"two sources are both named {name!r}")
    return configs


@dataclass
class SourceStatus:
    """What GET /api/sources shows of one source."""

    name: str
    url: str
    kind: str
    state: SourceState = SourceState.CONNECTING
    since: str = field(default_factory=lambda: _now())
    last_contact: str | None = None
    events_taken: int = 0
    skipped: int = 0
    dropped: int = 0
    error: ErrorBody | None = None

    def view(self) -> SourceView:
        return {
            "name": self.name,
            "url": self.url,
            "kind": self.kind,
            "state": self.state.value,
            "since": self.since,
            "last_contact": self.last_contact,
            "events_taken": self.events_taken,
            "skipped": self.skipped,
            "dropped": self.dropped,
            "error": self.error,
        }


def _now() -> str:
    return format_time(datetime.now(UTC))


class _Context:
    """One source's handle on the hub: its status, and writes through the log."""

    def __init__(self, source: Source, hub: Any, status: SourceStatus, backoff: Backoff) -> None:
        self.config = source.config
        self.hub = hub
        self.status = status
        self.backoff = backoff
        self.following_since: float | None = None  # of this run
        self._limits = Limits.of(hub.settings)

    def state(self, state: SourceState) -> None:
        if self.status.error is not None and state is not SourceState.FOLLOWING:
            return  # a retry stays "failing", with its error, until it follows again
        if state is not self.status.state:
            self.status.state, self.status.since = state, _now()
        if state is SourceState.FOLLOWING:
            self.status.error = None
            if self.following_since is None:
                self.following_since = time.monotonic()

    def retry_delay(self) -> float:
        """The pause before the next run: the backoff starts again only after a run that
        followed for `STEADY_SECONDS`."""
        since, self.following_since = self.following_since, None
        if since is not None and time.monotonic() - since >= STEADY_SECONDS:
            self.backoff.reset()
        return self.backoff.next_delay()

    def contact(self) -> None:
        self.status.last_contact = _now()

    def skip(self, count: int = 1) -> None:
        self.status.skipped += count

    def drop(self, count: int = 1) -> None:
        self.status.dropped += count

    async def checkpoint(self) -> dict[str, Any] | None:
        name = self.config.name
        result: dict[str, Any] | None = await self.hub.log.read(
            lambda conn: checkpoints.load_checkpoint(conn, name)
        )
        return result

    async def take(
        self,
        events: Sequence[dict[str, Any]],
        *,
        extra: Sequence[dict[str, Any]] = (),
        statuses: Mapping[tuple[str, str], bool] | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> int:
        """Store new events, follow the origin's read/unread, save the checkpoint: one commit.

        `extra` are events derived from them (operation markers), stored but not counted
        as taken. `statuses` maps (source, id) to read at the origin. The origin's "unread" never
        takes away more than a plain read here: acknowledged, resolved, or waiting to be
        marked read at the origin stays as it is.
        """
        # Off the event loop: a page of a backfill takes a while to validate.
        valid, counted, skipped = await asyncio.to_thread(self._validated, events, extra)
        self.skip(skipped)
        name, actor, hub_source = self.config.name, self.config.name, self.hub.settings.hub_source

        def job(txn: Transaction) -> int:
            inserted = txn.insert(valid, actor) if valid else []
            new = {
                (e["source"], e["id"])
                for e, (_, dup) in zip(valid, inserted, strict=True)
                if not dup
            }
            for key, read in (statuses or {}).items():
                if read or key not in new:  # a new event is unread already
                    _follow_status(txn, key[0], key[1], read, hub_source)
            if checkpoint is not None:
                checkpoints.save_checkpoint(txn.conn, name, checkpoint)
            return sum(1 for _, duplicate in inserted[:counted] if not duplicate)

        taken: int = await self.hub.log.write(job)
        self.status.events_taken += taken
        return taken

    def _validated(
        self, events: Sequence[dict[str, Any]], extra: Sequence[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int, int]:
        """The valid events (then the valid extras), how many of them are `events`, and
        how many of `events` were skipped."""
        valid: list[dict[str, Any]] = []
        counted = skipped = 0
        for index, event in enumerate([*events, *extra]):
            try:
                checked = validate_event(event)
                check_event_size(len(orjson.dumps(checked)), self._limits)  # as POSTs are
                valid.append(checked)
                counted += index < len(events)
            except NotifyError as error:
                skipped += index < len(events)
                log.warning(
                    "%s: source %s: event %r: %s",
                    runner_codes.SOURCE_EVENT_SKIPPED.code,
                    self.config.name,
                    str(event.get("id"))[:80],
                    error.message,
                )
        return valid, counted, skipped

    async def pending_writebacks(self, prefix: str, limit: int) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = await self.hub.log.read(
            lambda conn: checkpoints.outbox(conn, prefix, limit)
        )
        return found

    async def writebacks_done(self, done: Sequence[tuple[str, str]]) -> None:
        await self.hub.log.write(lambda txn: checkpoints.clear_outbox(txn.conn, done))


def _follow_status(
    txn: Transaction, source: str, event_id: str, read: bool, hub_source: str
) -> None:
    row = txn.conn.execute(
        "SELECT seq FROM log WHERE source = ? AND id = ?", (source, event_id)
    ).fetchone()
    state = load_state(txn.conn, row[0]) if row else None
    if state is None or state.read == read:
        return
    if not read and (
        state.acked_by or state.resolved_at or checkpoints.in_outbox(txn.conn, source, event_id)
    ):
        return  # richer state here wins; the origin is being told
    verb = Verb.READ if read else Verb.UNREAD
    apply_request(
        txn, LifecycleRequest(verb, actor=source, refs=(f"{source}#{event_id}",)), hub_source
    )


def _cancel_requested() -> bool:
    """Whether this task was told to stop: a source's library may have answered the cancel
    with an error of its own, and retrying then would keep the hub from ever stopping."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class SourceRunner:
    """Runs the hub's sources as tasks, each restarted with backoff when it fails.

    Each source runs on the replica holding its lease (`source:<name>`); that replica
    records the source's status in the database now and then (`STATUS_SECONDS`), and the
    others show that record for a source they do not run.
    """

    def __init__(self, configs: Sequence[SourceConfig], max_delay: float = 30.0) -> None:
        if configs:
            _load_kinds()
        self.sources = [KINDS[c.url.split("://", 1)[0]](c) for c in configs]
        self.statuses = [SourceStatus(c.name, c.url, c.kind) for c in configs]
        self.max_delay = max_delay
        self.guards: list[LeaseGuard] = []

    @property
    def writeback_prefixes(self) -> tuple[str, ...]:
        return tuple(s.writeback_prefix for s in self.sources if s.writeback_prefix)

    def start(self, hub: Any) -> None:
        leases = leases_of(hub.log, hub.settings)
        for source, status in zip(self.sources, self.statuses, strict=True):
            work = functools.partial(self._run_held, source, status, hub, leases.holder)
            guard = leases.guard(f"{LEASE_PREFIX}{status.name}", work)
            self.guards.append(guard)
            guard.start()

    async def stop(self) -> None:
        for guard in self.guards:
            with contextlib.suppress(Exception):
                await guard.stop()
        self.guards.clear()
        for status in self.statuses:
            status.state = SourceState.STOPPED

    def view(self) -> list[SourceView]:
        return [status.view() for status in self.statuses]

    async def current_view(self, hub: Any) -> list[SourceView]:
        """Each source as the replica running it sees it: this one's own status for the
        sources it runs, the recorded one (when there is one) for the others."""
        if not self.statuses or getattr(hub.log, "database", None) is None:
            return self.view()
        recorded = await hub.log.read(checkpoints.load_statuses)
        held = {g.name for g in self.guards if g.held}
        views = []
        for status in self.statuses:
            if f"{LEASE_PREFIX}{status.name}" in held or status.name not in recorded:
                views.append(status.view())
            else:
                views.append(recorded[status.name])
        return views

    async def _run_held(self, source: Source, status: SourceStatus, hub: Any, holder: str) -> None:
        """The source while this replica holds its lease, and its status for the others."""
        if getattr(hub.log, "database", None) is None:
            await self._supervise(source, status, hub)
            return
        await asyncio.gather(
            self._supervise(source, status, hub), self._record_status(status, hub, holder)
        )

    async def _record_status(self, status: SourceStatus, hub: Any, holder: str) -> None:
        last: SourceView | None = None
        while True:
            view = status.view()
            if view != last:
                try:
                    await hub.log.write(
                        lambda txn, view=view: checkpoints.save_status(
                            txn.conn, status.name, holder, view
                        )
                    )
                    last = view
                except Exception as exc:  # the database is away: the next round retries
                    log.debug("source %s: status not recorded: %s", status.name, exc)
            await asyncio.sleep(STATUS_SECONDS)

    async def _supervise(self, source: Source, status: SourceStatus, hub: Any) -> None:
        backoff = Backoff(initial=0.5, maximum=self.max_delay)
        ctx = _Context(source, hub, status, backoff)
        while True:
            ctx.state(SourceState.CONNECTING)
            try:
                await source.run(ctx)
                error = runner_codes.SOURCE_STOPPED.error(f"source {status.name} stopped following")
            except asyncio.CancelledError:
                raise
            except NotifyError as exc:
                error = exc
            except Exception as exc:  # a bug or a surprise must not end the source for good
                error = runner_codes.SOURCE_FAILED.error(f"{type(exc).__name__}: {exc}")
            if _cancel_requested():  # a client library turned the cancel into its own error
                raise asyncio.CancelledError
            status.state, status.since = SourceState.FAILING, _now()
            status.error = error.to_dict()
            log.warning("source %s: %s", status.name, error.message)
            await asyncio.sleep(ctx.retry_delay())
