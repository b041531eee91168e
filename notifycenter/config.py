"""Configuration: the TOML file, named contexts, and which hub to talk to.

The file is validated against `notifycenter.config_schema` when it is read: a misspelt
key or a wrong value fails loudly with the file, line, key and what is allowed, instead
of being silently ignored. A text already accepted is remembered (`config_cache`), so
most commands never import the schema.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs

from notifycenter.catalogue import client as codes
from notifycenter.model.protocol import DEFAULT_SERVER, is_server_url

__all__ = [
    "DEFAULT_SERVER",
    "Config",
    "ContextConfig",
    "Target",
    "check_server_url",
    "config_path",
    "context_named",
    "context_token",
    "data_dir",
    "distinct_servers",
    "load_config",
    "resolve_target",
    "save_config",
    "server_key",
]

APP_NAME = "notifycenter"
DEFAULT_CONTEXT = "local"

TargetSource = Literal["flag", "env", "context", "default"]


@dataclass
class ContextConfig:
    """One `[contexts.NAME]` table. `server` is the preferred server; `servers` lists them
    all in preference order (written as an array when there are several)."""

    server: str
    token_file: str | None = None
    token: str | None = None
    servers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.servers:
            self.servers = (self.server,)


@dataclass
class Config:
    """The whole file, validated. `hub` and `tui` stay as written so that saving keeps them."""

    path: Path
    current_context: str | None = None
    contexts: dict[str, ContextConfig] = field(default_factory=dict)
    hub: dict[str, Any] = field(default_factory=dict)
    tui: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """The hub a command talks to, and where that choice came from. `server` is the
    preferred server; `servers` all of them in preference order (clients fail over)."""

    name: str
    server: str
    token: str | None
    source: TargetSource
    servers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.servers:
            object.__setattr__(self, "servers", (self.server,))

    @property
    def is_default(self) -> bool:
        """Nothing configured: the TUI may start an embedded hub."""
        return self.source == "default"


def config_path() -> Path:
    override = os.environ.get("NOTIFYCENTER_CONFIG")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    """Where the hub's database, the TUI's state and producers' spools live (created)."""
    path = _data_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _data_path() -> Path:
    override = os.environ.get("NOTIFYCENTER_DATA_DIR")
    return Path(override).expanduser() if override else platformdirs.user_data_path(APP_NAME)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the file; a missing file is an empty configuration."""
    path = Path(path) if path is not None else config_path()
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise codes.CONFIG_SYNTAX.error(f"{path}: {exc}") from None
    from notifycenter import config_cache  # only a command that finds a file needs it

    key = config_cache.text_key(text)
    if key is not None and config_cache.is_known(_data_path(), key):
        return _config_from(path, raw)
    # Only a command that reads a new or changed file pays for the schema's import.
    from notifycenter.config_schema import ConfigFile, config_code, validate

    validate(ConfigFile, raw, code_for=config_code, origin=str(path), source=text)
    if key is not None:
        config_cache.remember(_data_path(), key)
    return _config_from(path, raw)


def _config_from(path: Path, raw: dict[str, Any]) -> Config:
    """A file the schema accepted: every value is already of the right type."""
    contexts: dict[str, dict[str, Any]] = raw.get("contexts", {})
    return Config(
        path=path,
        current_context=raw.get("current-context"),
        contexts={name: _context_from(c) for name, c in contexts.items()},
        hub=raw.get("hub", {}),
        tui=raw.get("tui", {}),
    )


def _context_from(table: dict[str, Any]) -> ContextConfig:
    given = table["server"]
    servers = tuple(s.rstrip("/") for s in ([given] if isinstance(given, str) else given))
    return ContextConfig(
        server=servers[0],
        token_file=table.get("token-file"),
        token=table.get("token"),
        servers=servers,
    )


def check_server_url(url: str, origin: str = "server") -> str:
    """Return the URL without a trailing slash; raise when it is not http(s)://host."""
    if not is_server_url(url):
        raise codes.INVALID_SERVER_URL.error(f"{origin}: {url!r} is not an http:// or https:// URL")
    return url.rstrip("/")


def resolve_target(
    server: str | Sequence[str] | None = None,
    context: str | None = None,
    token: str | None = None,
) -> Target:
    """Flags win over the environment, which wins over the context, then the default.

    `server` may name several servers of one hub (`--server` given several times), and so
    may NOTIFYCENTER_SERVER (separated by commas): clients fail over between them.
    """
    config = load_config()
    name, chosen = _pick_context(config, context)
    env_server, env_token = (
        os.environ.get("NOTIFYCENTER_SERVER"),
        os.environ.get("NOTIFYCENTER_TOKEN"),
    )
    flags = [server] if isinstance(server, str) else list(server or ())
    source: TargetSource
    urls: list[str]
    if flags:
        urls, source = flags, "flag"
    elif env_server:
        urls, source = [u.strip() for u in env_server.split(",") if u.strip()], "env"
    elif chosen is not None:
        urls, source = list(chosen.servers), "context"
    else:
        urls, source = [DEFAULT_SERVER], "default"
    origin = {"flag": "--server", "env": "NOTIFYCENTER_SERVER"}.get(source, "server")
    servers = _checked_servers(urls or [""], origin)
    url = servers[0]
    if source in ("flag", "env") and context is None:
        name = urlsplit(url).netloc
    # A context's token is for the context's hub only: never send it to another server.
    same_hub = chosen is not None and set(servers) <= {check_server_url(s) for s in chosen.servers}
    resolved_token = (
        token or env_token or (context_token(chosen, config.path) if same_hub else None)
    )
    return Target(name=name, server=url, token=resolved_token, source=source, servers=servers)


def _checked_servers(urls: Sequence[str], origin: str) -> tuple[str, ...]:
    return distinct_servers([check_server_url(url, origin) for url in urls])


def distinct_servers(urls: Sequence[str]) -> tuple[str, ...]:
    """The URLs without trailing slashes; the same server twice is an error (clients would
    try it twice, and its breaker would not keep them away)."""
    from notifycenter.catalogue.failover import DUPLICATE_SERVER

    cleaned = tuple(url.rstrip("/") for url in urls)
    seen: set[str] = set()
    for url in cleaned:
        key = server_key(url)
        if key in seen:
            raise DUPLICATE_SERVER.error(f"{url} is listed more than once")
        seen.add(key)
    return cleaned


def server_key(url: str) -> str:
    """One spelling per address: scheme and host in lower case, the port always written."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        return url.lower()
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}{parts.path.rstrip('/')}"


def _pick_context(config: Config, wanted: str | None) -> tuple[str, ContextConfig | None]:
    name = wanted or config.current_context
    if name is None:
        return DEFAULT_CONTEXT, None
    return name, context_named(config, name)


def context_named(config: Config, name: str) -> ContextConfig:
    """The context called `name`; the catalogued error lists the ones there are."""
    if name not in config.contexts:
        known = ", ".join(sorted(config.contexts)) or "none"
        close = difflib.get_close_matches(name, list(config.contexts), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise codes.UNKNOWN_CONTEXT.error(
            f"context {name!r} is not in {config.path} (contexts: {known}){hint}"
        )
    return config.contexts[name]


def context_token(context: ContextConfig | None, config_file: Path) -> str | None:
    if context is None:
        return None
    if context.token:
        return context.token
    if not context.token_file:
        return None
    path = Path(context.token_file).expanduser()
    if not path.is_absolute():
        path = config_file.parent / path
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise codes.TOKEN_FILE_UNREADABLE.error(f"{path}: {exc}") from None
    if not token:
        raise codes.TOKEN_FILE_UNREADABLE.error(f"{path} is empty")
    return token


def save_config(config: Config) -> None:
    """Write the file, keeping the comments and layout of what is already there."""
    import tomlkit  # only writers pay for it

    path = config.path
    try:
        document = (
            tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        )
    except (OSError, tomlkit.exceptions.ParseError) as exc:
        raise codes.CONFIG_SYNTAX.error(f"{path}: {exc}") from None
    _update_document(document, config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        # Contexts may hold tokens: only the owner reads the file.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(document))
        os.replace(temporary, path)
    except OSError as exc:
        raise codes.CONFIG_WRITE_FAILED.error(f"{path}: {exc}") from None


def _update_document(document: Any, config: Config) -> None:
    import tomlkit

    if config.current_context is None:
        document.pop("current-context", None)
    else:
        document["current-context"] = config.current_context
    contexts = document.setdefault("contexts", tomlkit.table(is_super_table=True))
    for name in [n for n in contexts if n not in config.contexts]:
        del contexts[name]
    for name, context in config.contexts.items():
        table = contexts.setdefault(name, tomlkit.table())
        server: str | list[str] = (
            list(context.servers) if len(context.servers) > 1 else context.server
        )
        for key, value in (
            ("server", server),
            ("token-file", context.token_file),
            ("token", context.token),
        ):
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
    for key, table in (("hub", config.hub), ("tui", config.tui)):
        if not table:
            document.pop(key, None)
        elif document.get(key) != table:  # untouched tables keep their comments
            document[key] = table
