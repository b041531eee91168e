"""`notifycenter silences add|list|expire`: the hub's maintenance windows, shared by everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from notifycenter.catalogue import silences as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import compact_time, echo, echo_json, output_option, render_table
from notifycenter.model.silences import SilenceRecord, quote_cesql

if TYPE_CHECKING:
    from notifycenter.client.hub import HubClient

T = TypeVar("T")
STATES = ("active", "pending", "expired", "all")


@click.group("silences")
def command() -> None:
    """Silences (maintenance windows): what they match is stored and listed, marked
    silenced, but raises no notification, bell or delivery while they last."""


@command.command("add")
@click.option("--filter", "filter_", metavar="CESQL", help="What to silence, as CESQL.")
@click.option("--source", help="Silence this source exactly (ANDed with --type and --filter).")
@click.option("--type", "type_", help="Silence this event type exactly.")
@click.option("--for", "duration", metavar="DURATION", help="How long: 30m, 2h, 1d.")
@click.option("--until", "ends", metavar="TIME", help="Or until this RFC 3339 time.")
@click.option("--starts", metavar="TIME", help="Start later (RFC 3339); default now.")
@click.option("--comment", "-c", help="Why: shown to everyone with the silence.")
@output_option
@pass_cli
def add_command(
    cli: CliContext,
    filter_: str | None,
    source: str | None,
    type_: str | None,
    duration: str | None,
    ends: str | None,
    starts: str | None,
    comment: str | None,
) -> None:
    """Create a silence, e.g. `silences add --source urn:meshery:adapter:istio --for 2h -c
    upgrade`. Prints the new silence (its id is what `silences expire` takes)."""
    parts = [f"({filter_})"] if filter_ else []
    parts += [f"source = {quote_cesql(source)}"] if source else []
    parts += [f"type = {quote_cesql(type_)}"] if type_ else []
    if not parts:
        raise codes.INVALID_SILENCE.error("give --filter, --source or --type: what to silence")
    if duration is None and ends is None:
        raise codes.INVALID_SILENCE.error("give --for DURATION or --until TIME: how long")
    expression = " AND ".join(parts) if len(parts) > 1 else (filter_ or parts[0])
    created = _call(
        cli,
        lambda hub: hub.add_silence(
            expression, duration=duration, ends=ends, starts=starts, comment=comment
        ),
    )
    _print(cli, [created])


@command.command("list")
@click.option(
    "--state",
    default=None,
    metavar="STATES",
    help="active, pending, expired or all, comma-separated (default active,pending).",
)
@click.option("--all", "every", is_flag=True, help="Expired silences too (same as --state all).")
@output_option
@pass_cli
def list_command(cli: CliContext, state: str | None, every: bool) -> None:
    """Silences newest first: state, window, author, comment and filter."""
    wanted = "all" if every else state
    _print(cli, _call(cli, lambda hub: hub.silences(wanted)))


@command.command("expire")
@click.argument("ids", nargs=-1, required=True)
@output_option
@pass_cli
def expire_command(cli: CliContext, ids: tuple[str, ...]) -> None:
    """End silences now (by id, or a prefix of 4 characters or more). Their events count as
    open again; nothing is replayed as new notifications."""

    async def expire_all(hub: HubClient) -> list[SilenceRecord]:
        return [await hub.expire_silence(silence_id) for silence_id in ids]

    _print(cli, _call(cli, expire_all))


def _call(cli: CliContext, fn: Callable[[HubClient], Awaitable[T]]) -> T:
    from notifycenter.client.sync import call_hub

    return call_hub(cli.target(), fn)


def _print(cli: CliContext, silences: list[SilenceRecord]) -> None:
    if cli.json:
        echo_json(silences)
        return
    if not silences:
        echo("No silences.")
        return
    wide = cli.output == "wide"
    rows = [
        (
            s["id"] if wide else s["id"][:8],
            s["state"],
            compact_time(s["starts"]),
            compact_time(s["expired_at"] or s["ends"]),
            s["author"],
            s["comment"] or "",
            s["filter"],
        )
        for s in silences
    ]
    for line in render_table(
        ("ID", "STATE", "STARTS", "ENDS", "AUTHOR", "COMMENT", "FILTER"),
        rows,
        caps=(36, 8, 16, 16, 20, 40, 200),
        keep=(0, 1),
    ):
        echo(line)
