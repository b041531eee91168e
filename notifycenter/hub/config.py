"""Resolve the hub's settings: command-line options, then the config file's `[hub]` table.

The `[hub]` table may hold `bind`, `data-dir`, `token-file`, `stall-after`,
`alertmanager-url`, `accept-json`, `retain`, `retain-max-events`, `sink-hosts`, `public-url`,
`database`, `database-password-file` and `[[hub.sources]]`; options win (`--source` and `--sink-host` add).
The table comes from the config schema, so its values are already of the right type; a
malformed config file is reported with its catalogued error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from notifycenter.config_schema import HubTable, config_code, validate
from notifycenter.hub.database import parse_database
from notifycenter.hub.retention_rules import parse_max_events, parse_retain
from notifycenter.hub.settings import (
    DEFAULT_BIND,
    HubSettings,
    default_data_dir,
    load_token_file,
    parse_public_url,
    parse_sink_hosts,
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
    retain: str | None = None,
    retain_max_events: int | None = None,
    sink_hosts: Sequence[str] = (),
    public_url: str | None = None,
    database: str | None = None,
    database_password_file: Path | None = None,
) -> HubSettings:
    table = _hub_table()
    bind = bind or table.bind or DEFAULT_BIND
    split_bind(bind)  # fail early on a malformed address
    data = data_dir or _path(table.data_dir) or default_data_dir()
    token_path = token_file or _path(table.token_file)
    settings = HubSettings(data_dir=Path(data), bind=bind)
    if token_path is not None:
        settings.tokens = load_token_file(token_path)
    stall = stall_after or table.stall_after
    if stall:
        settings.stall_after = parse_stall_after(stall)
    settings.alertmanager_url = alertmanager_url or table.alertmanager_url
    settings.accept_json = accept_json if accept_json is not None else table.accept_json is True
    settings.retain = parse_retain(retain or table.retain)
    settings.retain_max_events = parse_max_events(
        retain_max_events if retain_max_events is not None else table.retain_max_events
    )
    settings.sink_hosts = parse_sink_hosts([*table.sink_hosts, *sink_hosts])
    settings.public_url = parse_public_url(public_url or table.public_url)
    settings.database = parse_database(
        database or table.database,
        database_password_file or _path(table.database_password_file),
    )
    if sources or table.sources:
        from notifycenter.sources.runner import parse_sources

        tables = [t.model_dump(by_alias=True, exclude_none=True) for t in table.sources]
        settings.sources = parse_sources([*sources, *tables])
    return settings


def _hub_table() -> HubTable:
    """`[hub]` of the config file as the schema reads it; empty without a file."""
    from notifycenter.config import load_config

    config = load_config()
    return validate(
        HubTable, config.hub, code_for=config_code, origin=str(config.path), prefix=("hub",)
    )


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
