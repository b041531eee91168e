"""`notifycenter sources`: the systems the hub follows and how each is doing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import echo, echo_json, output_option, render_table
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.wire import SourceView

if TYPE_CHECKING:
    from notifycenter.client.hub import HubClient


@click.command("sources")
@output_option
@pass_cli
def command(cli: CliContext) -> None:
    """The hub's sources (--source, [[hub.sources]]): state, last contact, events taken,
    messages skipped, and the catalogued error of a failing one. -o json for scripts."""
    from notifycenter.client.sync import call_hub

    async def fetch(hub: HubClient) -> list[SourceView]:
        return await hub.sources()

    sources = call_hub(cli.target(), fetch)
    if cli.json:
        echo_json(sources)
        return
    if not sources:
        echo("No sources: start the hub with --source URL or [[hub.sources]] (docs/sources.md).")
        return
    rows = [_row(source) for source in sources]
    for line in render_table(
        ("NAME", "STATE", "LAST CONTACT", "EVENTS", "SKIPPED", "DROPPED", "ERROR"),
        rows,
        caps=(40, 10, 24, 10, 10, 10, 80),
        keep=(1,),
    ):
        echo(line)


def _row(source: SourceView) -> tuple[str, ...]:
    error: Mapping[str, Any] = source.get("error") or {}
    problem = ""
    if error:
        details = [*error.get("shortDescription", []), *error.get("longDescription", [])]
        problem = f"{error.get('code', '')}: {': '.join(str(d) for d in details)}"
    return (
        sanitize_line(str(source.get("name", ""))),
        sanitize_line(str(source.get("state", ""))),
        sanitize_line(str(source.get("last_contact") or "never")),
        str(source.get("events_taken", 0)),
        str(source.get("skipped", 0)),
        str(source.get("dropped", 0)),
        sanitize_line(problem),
    )
