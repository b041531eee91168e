"""Which database a hub keeps its log in, and how it logs in there.

Nothing chosen: the SQLite file in the data directory. A `postgresql://` URL (from
--database, NOTIFYCENTER_DATABASE or `database` in the hub's config file): PostgreSQL.
The password comes from a file (--database-password-file or
NOTIFYCENTER_DATABASE_PASSWORD_FILE: a mounted Secret), else from the URL, else from
PGPASSWORD (read by libpq itself). It is never printed: `masked` is what logs show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from notifycenter.catalogue import database as codes
from notifycenter.model.errors import NotifyError

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_SECONDS = 5
APPLICATION_NAME = "notifycenter-hub"
# SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification.
_AUTH_STATES = ("28P01", "28000")


# A database cut off without a reset (a partition, a dropped route) would leave a commit
# or a read waiting forever: keepalives find a silent peer, and unacknowledged writes
# give up after 15 s, so the request gets the catalogued 503 and its client moves on.
DEAD_PEER: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
}


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database to connect to; the password stays out of `repr`."""

    url: str
    password: str | None = field(default=None, repr=False)

    @property
    def masked(self) -> str:
        """The URL with any password replaced, for logs and the start-up line."""
        return mask_url(self.url)

    def connect(self, **options: Any) -> psycopg.Connection[Any]:
        """A new connection; a failure is the catalogued error, naming the masked URL."""
        import psycopg

        extra: dict[str, Any] = {"password": self.password} if self.password else {}
        try:
            return psycopg.connect(
                self.url,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                application_name=APPLICATION_NAME,
                **extra,
                **{**DEAD_PEER, **options},
            )
        except psycopg.Error as exc:
            raise connect_error(exc, self) from None


def parse_database(
    value: str | None, password_file: Path | str | None = None, origin: str = "--database"
) -> Database | None:
    """The PostgreSQL database `value` names, or None for the SQLite log (empty value)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in SCHEMES
        or not parts.hostname
        or not parts.path.strip("/")
    ):
        raise codes.INVALID_DATABASE_URL.error(
            f"{origin} {mask_url(value)!r} is not postgresql://USER@HOST:PORT/DATABASE"
        )
    password = read_password_file(Path(password_file)) if password_file else None
    return Database(value, password)


def read_password_file(path: Path) -> str:
    """The first line of the file, without its line ending (a Secret often has none)."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise codes.DATABASE_PASSWORD_FILE_UNREADABLE.error(f"{path}: {exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise codes.DATABASE_PASSWORD_FILE_UNREADABLE.error(f"{path}: the file is empty")
    return lines[0]


def mask_url(url: str) -> str:
    """`url` with the password (if any) shown as ***."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "<unreadable URL>"


def connect_error(exc: Exception, database: Database) -> NotifyError:
    """The catalogued error for a failed connection: refused login, or unreachable."""
    state = getattr(exc, "sqlstate", None)
    text = str(exc).strip().replace(database.password or "\0", "***")
    lowered = text.lower()
    refused = state in _AUTH_STATES or "password authentication failed" in lowered
    refused = refused or "no password supplied" in lowered or "authentication" in lowered
    spec = codes.DATABASE_AUTH_FAILED if refused else codes.DATABASE_UNREACHABLE
    return spec.error(f"{database.masked}: {text}", retry_after=1)
