"""Everything the hub is configured with, resolved once at start-up."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from notifycenter.catalogue import hub as codes
from notifycenter.catalogue import subscriptions as subscription_codes
from notifycenter.config import data_dir as default_data_dir
from notifycenter.config_schema import TokenFile, validate
from notifycenter.hub.database import Database
from notifycenter.model.lifecycle import parse_duration
from notifycenter.model.protocol import DEFAULT_BIND, Role, is_loopback, parse_bind
from notifycenter.routing.hostrules import HostRule, parse_rules
from notifycenter.toml_lines import key_lines, line_of

if TYPE_CHECKING:
    from notifycenter.sources.runner import SourceConfig

__all__ = [
    "DB_FILENAME",
    "DEFAULT_BIND",
    "HubSettings",
    "Role",
    "Token",
    "default_data_dir",
    "is_loopback",
    "load_token_file",
    "parse_public_url",
    "parse_sink_hosts",
    "parse_stall_after",
    "split_bind",
]

DB_FILENAME = "hub.sqlite3"


@dataclass(frozen=True)
class Token:
    """A bearer token's owner, role, and optional ingest rate limit (events per second)."""

    user: str
    role: Role
    rate: float | None = None
    burst: float | None = None


@dataclass
class HubSettings:
    data_dir: Path
    bind: str = DEFAULT_BIND
    tokens: dict[str, Token] = field(default_factory=dict)
    stall_after: timedelta = timedelta(minutes=10)
    max_request_bytes: int = 1 << 20
    max_event_bytes: int = 64 << 10
    # Per-subscriber queue: deep enough to absorb a burst, small enough to bound memory.
    send_queue: int = 2048
    # How long a full send queue is tolerated before the subscriber is closed with 1013.
    slow_grace_seconds: float = 2.0
    heartbeat_seconds: float = 20.0
    hub_source: str = "urn:meshery:hub:notifycenter"
    # Rate limit for an open hub (no tokens); None = unlimited.
    anonymous_rate: float | None = None
    # Alertmanager to mirror acks with an expiry to, as silences (docs/sources.md).
    alertmanager_url: str | None = None
    # POST /api/events also reads application/json bodies as structured/batched events.
    accept_json: bool = False
    # Systems the hub follows (--source, [[hub.sources]]; docs/sources.md).
    sources: list[SourceConfig] = field(default_factory=list)
    # Retention (hub/retention.py): prune events older than this / beyond this many.
    retain: timedelta | None = None
    retain_max_events: int | None = None
    retain_interval_seconds: float = 60.0
    # Backlog snapshots (hub/snapshots.py): looked at every this many seconds (0: none),
    # built once the log holds this many events.
    snapshot_interval_seconds: float = 10.0
    snapshot_min_events: int = 20_000
    # Hosts a non-admin's subscription may reach on the hub's own network (--sink-host).
    sink_hosts: tuple[HostRule, ...] = ()
    # Where readers open the hub (--public-url): click links in notifications.
    public_url: str | None = None
    # The address the hub got when it bound its socket (the port when asked for 0).
    listen_url: str | None = None
    # PostgreSQL instead of the SQLite file in data_dir (--database; hub/database.py).
    database: Database | None = None
    # Leases of background work shared by replicas (hub/leases.py): term and renewal.
    lease_seconds: float = field(
        default_factory=lambda: _env_seconds("NOTIFYCENTER_LEASE_SECONDS", 10.0)
    )
    lease_renew_seconds: float = field(
        default_factory=lambda: _env_seconds("NOTIFYCENTER_LEASE_RENEW_SECONDS", 2.0)
    )

    @property
    def storage(self) -> str:
        """Where the log is, for people: the data dir, or the masked database URL."""
        return self.database.masked if self.database else str(self.data_dir)

    @property
    def host(self) -> str:
        return split_bind(self.bind)[0]

    @property
    def port(self) -> int:
        return split_bind(self.bind)[1]

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def open(self) -> bool:
        """No tokens: every request is allowed, as `anonymous`."""
        return not self.tokens

    def is_admin(self, user: str) -> bool:
        """Whether `user` holds an admin token (everyone is, on an open hub)."""
        return self.open or any(
            t.user == user and t.role == Role.ADMIN for t in self.tokens.values()
        )

    @property
    def link_url(self) -> str | None:
        """The hub's address for links: --public-url, else the bound one (None for a
        hub bound to every interface: no address there that a reader could open)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = self.listen_url or f"http://{host}:{self.port}"
        wildcard = url.startswith(("http://0.0.0.0:", "http://[::]:")) or url.endswith(":0")
        return None if wildcard else url

    def check_bind(self) -> None:
        """Refuse to expose an open hub (no tokens) beyond this machine."""
        if self.open and not is_loopback(self.host):
            raise codes.INSECURE_BIND.error(
                f"--bind {self.bind} is not a loopback address and no token is configured"
            )


def _env_seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment, else `default`."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def split_bind(bind: str) -> tuple[str, int]:
    parsed = parse_bind(bind)
    if parsed is None:
        raise codes.INVALID_SETTING.error(f"--bind {bind!r} is not HOST:PORT")
    return parsed


def parse_sink_hosts(values: Sequence[str]) -> tuple[HostRule, ...]:
    """`--sink-host` / `[hub] sink-hosts`: a catalogued error names the entry it cannot read."""
    try:
        return parse_rules(values)
    except ValueError as exc:
        raise subscription_codes.INVALID_SINK_POLICY_SETTING.error(f"--sink-host: {exc}") from None


def parse_public_url(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise subscription_codes.INVALID_SINK_POLICY_SETTING.error(
            f"--public-url {value!r} is not an http(s) URL with a host"
        )
    return value.rstrip("/")


def parse_stall_after(text: str) -> timedelta:
    try:
        duration = parse_duration(text)
    except (OverflowError, ValueError):
        duration = None
    if duration is None:
        raise codes.INVALID_SETTING.error(f"--stall-after {text!r} is not a duration such as 10m")
    return duration


def load_token_file(path: Path) -> dict[str, Token]:
    """Read the TOML token file (format in docs/hub.md) into token -> Token."""
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise codes.INVALID_TOKEN_FILE.error(f"{path}: {exc}") from None
    valid = validate(
        TokenFile,
        document,
        code_for=lambda _loc, _kind: codes.INVALID_TOKEN_FILE,
        origin=str(path),
        source=text,
    )
    tokens: dict[str, Token] = {}
    for index, entry in enumerate(valid.token):
        if entry.token in tokens:  # which user and role would it be? Refuse to guess.
            line = line_of(key_lines(text), ("token", index, "token"))
            raise codes.INVALID_TOKEN_FILE.error(
                f"{path}:{line}: token[{index}].token is already the token of user "
                f"{tokens[entry.token].user!r}; every token must be different"
            )
        tokens[entry.token] = Token(
            user=entry.user, role=entry.role, rate=entry.rate, burst=entry.burst
        )
    return tokens
