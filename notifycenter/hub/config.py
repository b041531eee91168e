"""Resolve the hub's settings: command-line options, then the config file's `[hub]` table.

The `[hub]` table may hold `bind`, `data-dir`, `token-file`, `stall-after`,
`alertmanager-url`, `accept-json` and `[[hub.sources]]`; options win (`--source` adds).
A malformed config file is reported (its catalogued error); a config loader that is not
installed leaves the defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from notifycenter.hub.settings import (
    DEFAULT_BIND,
    HubSettings,
    default_data_dir,
    load_token_file,
    parse_stall_after,
    split_bind,
)


def resolve_settings(
    *,
    bind: str | None = None,
    data_dir: Path | None = None,
    token_file: Path | None = None,
    stall_after: str | None = None,
    alertmanager_url: str | None = None,
    accept_json: bool | None = None,
    sources: Sequence[str] = (),
) -> HubSettings:
    table = _hub_table()
    bind = bind or _str(table, "bind") or DEFAULT_BIND
    split_bind(bind)  # fail early on a malformed address
    data = data_dir or _path(table, "data-dir") or default_data_dir()
    token_path = token_file or _path(table, "token-file")
    settings = HubSettings(data_dir=Path(data), bind=bind)
    if token_path is not None:
        settings.tokens = load_token_file(token_path)
    stall = stall_after or _str(table, "stall-after")
    if stall:
        settings.stall_after = parse_stall_after(stall)
    settings.alertmanager_url = alertmanager_url or _str(table, "alertmanager-url")
    json_flag = accept_json if accept_json is not None else table.get("accept-json")
    settings.accept_json = json_flag is True
    tables = table.get("sources")
    if sources or tables:
        from notifycenter.sources.runner import parse_sources

        settings.sources = parse_sources([*sources, *(tables if isinstance(tables, list) else [])])
    return settings


def _hub_table() -> dict[str, Any]:
    try:
        from notifycenter.config import load_config
    except ImportError:
        return {}
    table = getattr(load_config(), "hub", None)
    return table if isinstance(table, dict) else {}


def _str(table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    return value if isinstance(value, str) and value else None


def _path(table: dict[str, Any], key: str) -> Path | None:
    value = _str(table, key)
    return Path(value).expanduser() if value else None
