"""Everything the hub is configured with, resolved once at start-up."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from notifycenter.catalogue import hub as codes
from notifycenter.model.lifecycle import parse_duration

DEFAULT_BIND = "127.0.0.1:9181"
DB_FILENAME = "hub.sqlite3"


class Role(StrEnum):
    PRODUCER = "producer"
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


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

    def check_bind(self) -> None:
        """Refuse to expose an open hub beyond this machine (DESIGN §2)."""
        if self.open and not is_loopback(self.host):
            raise codes.INSECURE_BIND.error(
                f"--bind {self.bind} is not a loopback address and no token is configured"
            )


def split_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        raise codes.INVALID_SETTING.error(f"--bind {bind!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_stall_after(text: str) -> timedelta:
    duration = parse_duration(text)
    if duration is None:
        raise codes.INVALID_SETTING.error(f"--stall-after {text!r} is not a duration such as 10m")
    return duration


def default_data_dir() -> Path:
    env = os.environ.get("NOTIFYCENTER_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path("notifycenter")


def load_token_file(path: Path) -> dict[str, Token]:
    """Read the TOML token file (format in docs/hub.md) into token -> Token."""
    try:
        document = tomllib.loads(path.expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise codes.INVALID_TOKEN_FILE.error(f"{path}: {exc}") from None
    return parse_tokens(document.get("token", []), str(path))


def parse_tokens(entries: object, origin: str) -> dict[str, Token]:
    if not isinstance(entries, list):
        raise codes.INVALID_TOKEN_FILE.error(f"{origin}: [[token]] must be an array of tables")
    tokens: dict[str, Token] = {}
    for number, entry in enumerate(entries, 1):
        tokens.update([_parse_token(entry, f"{origin}: token {number}")])
    return tokens


def _parse_token(entry: object, where: str) -> tuple[str, Token]:
    if not isinstance(entry, dict):
        raise codes.INVALID_TOKEN_FILE.error(f"{where} is not a table")
    secret, user, role = entry.get("token"), entry.get("user"), entry.get("role")
    if not isinstance(secret, str) or len(secret) < 8:
        raise codes.INVALID_TOKEN_FILE.error(
            f"{where}: token must be a string of at least 8 characters"
        )
    if not isinstance(user, str) or not user:
        raise codes.INVALID_TOKEN_FILE.error(f"{where}: user is missing")
    if role not in Role.__members__.values():
        raise codes.INVALID_TOKEN_FILE.error(
            f"{where}: role {role!r} is not producer, viewer, operator or admin"
        )
    rate, burst = entry.get("rate"), entry.get("burst")
    for name, value in (("rate", rate), ("burst", burst)):
        if value is not None and (not isinstance(value, (int, float)) or value <= 0):
            raise codes.INVALID_TOKEN_FILE.error(f"{where}: {name} must be a positive number")
    return secret, Token(user=user, role=Role(role), rate=rate, burst=burst)
