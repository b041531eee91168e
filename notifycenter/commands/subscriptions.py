"""`notifycenter subscriptions`: route notifications out of the hub to sinks.

A subscription (CloudEvents Subscriptions API) sends what matches its filters to a sink:
a CloudEvents HTTP receiver, ntfy, Slack or SMTP. The hub keeps each one's place in the
log, so an outage delays deliveries and loses none.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from notifycenter.catalogue import subscriptions as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import echo, echo_json, json_text, output_option, render_table
from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line

if TYPE_CHECKING:
    from notifycenter.client.hub import HubClient

T = TypeVar("T")
PROTOCOLS = ("HTTP", "ntfy", "slack", "smtp")


@click.group("subscriptions")
def command() -> None:
    """Subscriptions: send matching notifications to a webhook, ntfy, Slack or email."""


def _call(cli: CliContext, action: Callable[[HubClient], Awaitable[T]]) -> T:
    from notifycenter.client.sync import call_hub

    return call_hub(cli.target(), action)


@command.command("create")
@click.option("--sink", required=True, help="Where to deliver: a URL (an address for smtp).")
@click.option(
    "--protocol",
    type=click.Choice(PROTOCOLS),
    default="HTTP",
    show_default=True,
    help="HTTP sends CloudEvents; ntfy, slack and smtp send messages for people.",
)
@click.option("--source", help="Only events with exactly this source.")
@click.option("--type", "types", multiple=True, help="Only events of this type (repeatable).")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="JSON",
    help="""A Subscriptions API filter, e.g. '{"prefix": {"type": "io.meshery."}}' (repeatable).""",
)
@click.option("--sql", multiple=True, metavar="CESQL", help="A CESQL filter (repeatable).")
@click.option(
    "--config",
    "config",
    multiple=True,
    metavar="KEY=VALUE",
    help="ratelimit=10, lifecycle=true, maxfailures=5, batchsize, backoffmin, backoffmax.",
)
@click.option(
    "--setting",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Protocol settings, e.g. mode=structured, handshake=false (values read as JSON).",
)
@click.option(
    "--sink-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the bearer token the sink expects (stored, never shown).",
)
@click.option("--owner", help="Admins only: whose subscription it is.")
@output_option
@pass_cli
def create(
    cli: CliContext,
    sink: str,
    protocol: str,
    source: str | None,
    types: tuple[str, ...],
    filters: tuple[str, ...],
    sql: tuple[str, ...],
    config: tuple[str, ...],
    settings: tuple[str, ...],
    sink_token_file: Path | None,
    owner: str | None,
) -> None:
    """Create a subscription. The hub checks the sink first (an HTTP receiver must allow
    it with the CloudEvents webhook handshake) and delivers what comes next."""
    resource: dict[str, Any] = {"sink": sink, "protocol": protocol}
    if source:
        resource["source"] = source
    if types:
        resource["types"] = list(types)
    parsed = [_json_option("--filter", text) for text in filters]
    parsed += [{"sql": text} for text in sql]
    if parsed:
        resource["filters"] = parsed
    if config:
        resource["config"] = _pairs("--config", config)
    if settings:
        resource["protocolsettings"] = _pairs("--setting", settings)
    if sink_token_file is not None:
        token = sink_token_file.read_text(encoding="utf-8").strip()
        resource["sinkcredential"] = {"credential_type": "ACCESSTOKEN", "access_token": token}
    if owner:
        resource["owner"] = owner
    made = _call(cli, lambda hub: hub.create_subscription(resource))
    if cli.json:
        echo_json(made)
        return
    echo(f"Created subscription {sanitize_line(made['id'])} → {sanitize_line(made['sink'])}")


@command.command("list")
@output_option
@pass_cli
def list_command(cli: CliContext) -> None:
    """Your subscriptions (an admin's: all), with status and the last error of a failing one."""
    listed = _call(cli, lambda hub: hub.subscriptions())
    if cli.json:
        echo_json(listed)
        return
    if not listed:
        echo("No subscriptions: create one with `notifycenter subscriptions create --sink URL`.")
        return
    rows = [_row(item) for item in listed]
    for line in render_table(
        ("ID", "OWNER", "PROTOCOL", "SINK", "STATUS", "DELIVERED", "FAILURES", "LAST ERROR"),
        rows,
        caps=(36, 20, 8, 50, 8, 10, 8, 80),
        keep=(0, 4),
    ):
        echo(line)


@command.command("show")
@click.argument("ident", metavar="ID")
@output_option
@pass_cli
def show(cli: CliContext, ident: str) -> None:
    """One subscription: what it matches, where it goes, and how delivery is doing."""
    item = _call(cli, lambda hub: hub.subscription(ident))
    if cli.json:
        echo_json(item)
        return
    delivery: Mapping[str, Any] = item.get("delivery") or {}
    fields = [
        ("id", item.get("id")),
        ("owner", item.get("owner")),
        ("protocol", item.get("protocol")),
        ("sink", item.get("sink")),
        ("source", item.get("source")),
        ("types", ", ".join(item.get("types") or [])),
        ("filters", json_text(item.get("filters") or [], indent=False)),
        ("config", json_text(item.get("config") or {}, indent=False)),
        ("settings", json_text(item.get("protocolsettings") or {}, indent=False)),
        ("credential", (item.get("sinkcredential") or {}).get("credential_type")),
        ("status", item.get("status")),
        ("cursor", delivery.get("cursor")),
        ("delivered", delivery.get("delivered")),
        ("failures", delivery.get("failures")),
        ("last success", delivery.get("last_success")),
        ("next attempt", delivery.get("next_attempt")),
        ("last error", _error_text(delivery.get("last_error"))),
    ]
    for name, value in fields:
        if value not in (None, ""):
            echo(f"{name + ':':14} {sanitize_line(str(value))}")


@command.command("delete")
@click.argument("ident", metavar="ID")
@output_option
@pass_cli
def delete(cli: CliContext, ident: str) -> None:
    """Delete a subscription: nothing more is sent to its sink."""
    gone = _call(cli, lambda hub: hub.delete_subscription(ident))
    if cli.json:
        echo_json(gone)
        return
    echo(f"Deleted subscription {sanitize_line(gone['deleted'])}")


@command.command("test")
@click.argument("ident", metavar="ID")
@output_option
@pass_cli
def test(cli: CliContext, ident: str) -> None:
    """Send one test notification through the subscription's sink now and say how it went."""
    sent = _call(cli, lambda hub: hub.test_subscription(ident))
    if cli.json:
        echo_json(sent)
        return
    echo(f"Delivered a test notification through subscription {sanitize_line(sent['id'])}")


def _row(item: Mapping[str, Any]) -> tuple[str, ...]:
    delivery: Mapping[str, Any] = item.get("delivery") or {}
    return (
        sanitize_line(str(item.get("id", ""))),
        sanitize_line(str(item.get("owner", ""))),
        sanitize_line(str(item.get("protocol", ""))),
        sanitize_line(str(item.get("sink", ""))),
        sanitize_line(str(item.get("status", ""))),
        str(delivery.get("delivered", 0)),
        str(delivery.get("failures", 0)),
        sanitize_line(_error_text(delivery.get("last_error"))),
    )


def _error_text(error: object) -> str:
    """`code: short: long` of a delivery's last error, from its parts that are text."""
    if not isinstance(error, Mapping):
        return ""
    failure = NotifyError.from_dict(dict(error))
    return f"{failure.code}: {': '.join([*failure.short_description, *failure.long_description])}"


def _json_option(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise codes.INVALID_SUBSCRIPTION_OPTION.error(f"{option} {text[:60]!r}: {exc}") from None


def _pairs(option: str, items: tuple[str, ...]) -> dict[str, Any]:
    """KEY=VALUE pairs; a value that reads as JSON (10, true, {...}) is taken as such."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise codes.INVALID_SUBSCRIPTION_OPTION.error(
                f"{option} {item[:60]!r} is not KEY=VALUE"
            )
        try:
            values[key] = json.loads(raw)
        except ValueError:
            values[key] = raw
    return values
