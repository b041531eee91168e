"""`notifycenter serve`: run the hub."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from notifycenter.hub.settings import DEFAULT_BIND, HubSettings


@click.command("serve")
@click.option(
    "--bind",
    default=None,
    metavar="HOST:PORT",
    help=f"Address to listen on (default {DEFAULT_BIND}).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the event log lives (default: NOTIFYCENTER_DATA_DIR or the user data dir).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML file of tokens and roles (see docs/hub.md); without it the hub is open.",
)
@click.option(
    "--stall-after",
    default=None,
    metavar="DURATION",
    help="An operation with no news for this long is stalled (default 10m).",
)
@click.option(
    "--alertmanager-url",
    default=None,
    metavar="URL",
    help="Alertmanager to mirror acks with an expiry to, as silences (docs/sources.md).",
)
@click.option(
    "--accept-json/--no-accept-json",
    default=None,
    help="POST /api/events also reads application/json as CloudEvents (docs/sources.md).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="URL",
    help="Follow a system's events, e.g. meshery+http://HOST:9081 (repeatable; docs/sources.md).",
)
@click.option(
    "--retain",
    default=None,
    metavar="DURATION",
    help="Prune events older than this (30d), keeping unhandled errors and warnings.",
)
@click.option(
    "--retain-max-events",
    type=click.IntRange(1000),
    default=None,
    metavar="N",
    help="Prune all but the newest N events (at least 1000), with the same exceptions.",
)
@click.option(
    "--sink-host",
    "sink_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="A host non-admins' subscriptions may reach on this network, e.g. 10.0.0.5:8080 or '*.corp' (repeatable; docs/routing.md).",
)
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="Where readers open this hub, for links in notifications (default: the bound address).",
)
@click.option(
    "--database",
    envvar="NOTIFYCENTER_DATABASE",
    default=None,
    metavar="URL",
    help="Keep the log in PostgreSQL, postgresql://USER@HOST:PORT/DB (default: SQLite in the data dir; docs/deploy.md).",
)
@click.option(
    "--database-password-file",
    envvar="NOTIFYCENTER_DATABASE_PASSWORD_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File holding the database password (else the URL's, else PGPASSWORD).",
)
@click.option(
    "--snapshots/--no-snapshots",
    default=True,
    help="Keep a snapshot of the backlog for clients to load at once (docs/store.md; default on).",
)
@click.option(
    "--snapshot-min-events",
    type=click.IntRange(1),
    default=None,
    hidden=True,
    help="Events the log holds before a first snapshot is built.",
)
@click.option(
    "--snapshot-interval",
    type=click.FloatRange(0.01),
    default=None,
    hidden=True,
    help="Seconds between two looks at whether a snapshot build is due.",
)
@click.option(
    "--send-queue",
    type=click.IntRange(1),
    default=None,
    hidden=True,
    help="Events a subscriber may have queued before it is closed with 1013.",
)
def command(
    bind: str | None,
    data_dir: Path | None,
    token_file: Path | None,
    stall_after: str | None,
    alertmanager_url: str | None,
    accept_json: bool | None,
    sources: tuple[str, ...],
    retain: str | None,
    retain_max_events: int | None,
    sink_hosts: tuple[str, ...],
    public_url: str | None,
    database: str | None,
    database_password_file: Path | None,
    snapshots: bool,
    snapshot_min_events: int | None,
    snapshot_interval: float | None,
    send_queue: int | None,
) -> None:
    """Run the hub: receive, store, stream events and keep their lifecycle."""
    from notifycenter.hub.config import resolve_settings
    from notifycenter.hub.server import run

    settings = resolve_settings(
        bind=bind,
        data_dir=data_dir,
        token_file=token_file,
        stall_after=stall_after,
        alertmanager_url=alertmanager_url,
        accept_json=accept_json,
        sources=sources,
        retain=retain,
        retain_max_events=retain_max_events,
        sink_hosts=sink_hosts,
        public_url=public_url,
        database=database,
        database_password_file=database_password_file,
    )
    tune(settings, click.get_current_context().params)
    # uvicorn re-raises Ctrl-C once it has shut down cleanly; that may also end `run`
    # without KeyboardInterrupt: asyncio's runner then cancels the serving task, and a
    # task that ends before it next waits returns normally. Stopped either way.
    with contextlib.suppress(KeyboardInterrupt):
        run(
            settings,
            on_listening=lambda url: click.echo(
                f"notifycenter hub on {url} (data in {settings.storage})", err=True
            ),
        )
    click.echo("notifycenter hub stopped", err=True)


def tune(settings: HubSettings, params: Mapping[str, Any]) -> HubSettings:
    """The options `resolve_settings` does not take (`serve`'s own and the hidden ones);
    the tests' in-process hub takes them the same way."""
    if params.get("send_queue") is not None:
        settings.send_queue = params["send_queue"]
    if params.get("snapshots") is False:
        settings.snapshot_interval_seconds = 0
    if params.get("snapshot_min_events") is not None:
        settings.snapshot_min_events = params["snapshot_min_events"]
    if params.get("snapshot_interval") is not None and settings.snapshot_interval_seconds:
        settings.snapshot_interval_seconds = params["snapshot_interval"]
    return settings
