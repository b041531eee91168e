"""Configuration: the TOML file, named contexts, and which hub to talk to (DESIGN §3).

Validation is strict so that a misspelt key fails loudly with the file, the key and what
is allowed, instead of being silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs

from notifycenter.catalogue import client as codes

APP_NAME = "notifycenter"
DEFAULT_SERVER = "http://127.0.0.1:9181"
DEFAULT_CONTEXT = "local"
TOP_LEVEL_KEYS = ("current-context", "contexts", "hub", "tui")
CONTEXT_KEYS = ("server", "token-file", "token")

TargetSource = Literal["flag", "env", "context", "default"]


@dataclass
class ContextConfig:
    """One `[contexts.NAME]` table."""

    server: str
    token_file: str | None = None
    token: str | None = None


@dataclass
class Config:
    """The whole file. `hub` and `tui` are passed through raw to their own settings code."""

    path: Path
    current_context: str | None = None
    contexts: dict[str, ContextConfig] = field(default_factory=dict)
    hub: dict[str, Any] = field(default_factory=dict)
    tui: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """The hub a command talks to, and where that choice came from."""

    name: str
    server: str
    token: str | None
    source: TargetSource

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
    override = os.environ.get("NOTIFYCENTER_DATA_DIR")
    path = Path(override).expanduser() if override else platformdirs.user_data_path(APP_NAME)
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the file; a missing file is an empty configuration."""
    path = Path(path) if path is not None else config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise codes.CONFIG_SYNTAX.error(f"{path}: {exc}") from None
    return _parse(raw, path)


def _parse(raw: dict[str, Any], path: Path) -> Config:
    _check_keys(raw, TOP_LEVEL_KEYS, path, where="the top level")
    current = _typed(raw, "current-context", str, path)
    contexts_raw = _typed(raw, "contexts", dict, path) or {}
    contexts = {name: _parse_context(name, table, path) for name, table in contexts_raw.items()}
    return Config(
        path=path,
        current_context=current,
        contexts=contexts,
        hub=_typed(raw, "hub", dict, path) or {},
        tui=_typed(raw, "tui", dict, path) or {},
    )


def _parse_context(name: str, table: Any, path: Path) -> ContextConfig:
    where = f"contexts.{name}"
    if not isinstance(table, dict):
        raise codes.CONFIG_WRONG_TYPE.error(
            f"{path}: {where} must be a table, not {_type_name(table)}"
        )
    _check_keys(table, CONTEXT_KEYS, path, where=f"[{where}]")
    server = _typed(table, "server", str, path, prefix=where)
    if server is None:
        raise codes.CONFIG_WRONG_TYPE.error(f'{path}: [{where}] needs server = "http://host:port"')
    check_server_url(server, origin=f"{path}: {where}.server")
    return ContextConfig(
        server=server,
        token_file=_typed(table, "token-file", str, path, prefix=where),
        token=_typed(table, "token", str, path, prefix=where),
    )


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], path: Path, where: str) -> None:
    for key in table:
        if key not in allowed:
            raise codes.CONFIG_UNKNOWN_KEY.error(
                f"{path}: unknown key {key!r} at {where}; allowed: {', '.join(allowed)}"
            )


def _typed(table: dict[str, Any], key: str, kind: type, path: Path, prefix: str = "") -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        name = f"{prefix}.{key}" if prefix else key
        expected = "a table" if kind is dict else "a string"
        raise codes.CONFIG_WRONG_TYPE.error(
            f"{path}: {name} must be {expected}, not {_type_name(value)}"
        )
    return value


def _type_name(value: Any) -> str:
    return {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
    }.get(type(value), type(value).__name__)


def check_server_url(url: str, origin: str = "server") -> str:
    """Return the URL without a trailing slash; raise when it is not http(s)://host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise codes.INVALID_SERVER_URL.error(f"{origin}: {url!r} is not an http:// or https:// URL")
    return url.rstrip("/")


def resolve_target(
    server: str | None = None, context: str | None = None, token: str | None = None
) -> Target:
    """Flags win over the environment, which wins over the context, then the default."""
    config = load_config()
    name, chosen = _pick_context(config, context)
    env_server, env_token = (
        os.environ.get("NOTIFYCENTER_SERVER"),
        os.environ.get("NOTIFYCENTER_TOKEN"),
    )
    if server:
        url, source = server, "flag"
    elif env_server:
        url, source = env_server, "env"
    elif chosen is not None:
        url, source = chosen.server, "context"
    else:
        url, source = DEFAULT_SERVER, "default"
    url = check_server_url(
        url, origin={"flag": "--server", "env": "NOTIFYCENTER_SERVER"}.get(source, "server")
    )
    if source in ("flag", "env") and context is None:
        name = urlsplit(url).netloc
    # A context's token is for the context's hub only: never send it to another server.
    same_hub = chosen is not None and check_server_url(chosen.server) == url
    resolved_token = (
        token or env_token or (context_token(chosen, config.path) if same_hub else None)
    )
    return Target(name=name, server=url, token=resolved_token, source=source)  # type: ignore[arg-type]


def _pick_context(config: Config, wanted: str | None) -> tuple[str, ContextConfig | None]:
    name = wanted or config.current_context
    if name is None:
        return DEFAULT_CONTEXT, None
    if name not in config.contexts:
        known = ", ".join(sorted(config.contexts)) or "none"
        raise codes.UNKNOWN_CONTEXT.error(
            f"context {name!r} is not in {config.path} (contexts: {known})"
        )
    return name, config.contexts[name]


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
        for key, value in (
            ("server", context.server),
            ("token-file", context.token_file),
            ("token", context.token),
        ):
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
    for key, value in (("hub", config.hub), ("tui", config.tui)):
        if not value:
            document.pop(key, None)
        elif document.get(key) != value:  # untouched tables keep their comments
            document[key] = value
