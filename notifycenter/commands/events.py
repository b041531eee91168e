"""`notifycenter events …`: list, show, tail and change the lifecycle of notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import click

from notifycenter.catalogue import client as codes
from notifycenter.client.hub import HubClient
from notifycenter.client.stream import ConnectionState
from notifycenter.client.sync import call_hub
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import (
    compact_time,
    echo,
    echo_json,
    render_table,
    severity_style,
    short_time,
    usage_error,
)
from notifycenter.model.event import describe
from notifycenter.model.lifecycle import (
    STATUS_FILTERS,
    Verb,
    parse_duration,
    parse_time,
    read_lifecycle_event,
)
from notifycenter.model.sanitize import sanitize, sanitize_line
from notifycenter.model.severity import Bucket

BUCKETS = tuple(bucket.value for bucket in Bucket)
RECORD_JSON_KEYS = ("cursor", "status", "acknowledged_by", "acknowledged_at", "comment")
TABLE_HEADERS = ("TIME", "SEVERITY", "STATUS", "ACKED BY", "SOURCE", "TYPE", "SUMMARY")
TABLE_CAPS = (14, 9, 12, 16, 36, 40, 0)
PAST_TENSE = {
    Verb.READ: "marked read", Verb.UNREAD: "marked unread", Verb.ACK: "acknowledged",
    Verb.UNACK: "unacknowledged", Verb.RESOLVE: "resolved", Verb.REOPEN: "reopened",
    Verb.ARCHIVE: "archived",
}
VERB_HELP = {
    Verb.READ: "Mark notifications read.", Verb.UNREAD: "Mark notifications unread.",
    Verb.ACK: "Acknowledge notifications: someone is on it.",
    Verb.UNACK: "Withdraw the acknowledgement of notifications.",
    Verb.RESOLVE: "Resolve notifications.", Verb.REOPEN: "Reopen resolved or archived notifications.",
    Verb.ARCHIVE: "Archive notifications (listed again only with --status archived).",
}
MAX_PAGE = 1000


@click.group("events")
def command() -> None:
    """List, show, follow and acknowledge events.

    \b
    Examples:
      notifycenter events list --bucket errors --status unacked
      notifycenter events tail -f --source urn:meshery:adapter:
      notifycenter events ack 0000000000000042 --comment "on it" --until 2h
    """


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The list's filters, shared by `list` and `tail` (docs/api.md)."""
    options = [
        click.option("--bucket", multiple=True, type=click.Choice(BUCKETS), help="Bucket (repeatable)."),
        click.option("--severity", help="At least this severity (warn, ERROR, …)."),
        click.option("--status", type=click.Choice(STATUS_FILTERS), help="Lifecycle status."),
        click.option("--source", help="Source prefix."),
        click.option("--type", "type_", help="Type prefix."),
        click.option("--search", help="Text in summary, details, subject, source, type or code."),
        click.option("--filter", "filter_", help="CESQL expression, e.g. \"severitytext = 'ERROR'\"."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def hub_filters(bucket: tuple[str, ...], severity: str | None, status: str | None, source: str | None,
                type_: str | None, search: str | None, filter_: str | None) -> dict[str, Any]:
    """The options as the hub's query parameters."""
    return {"bucket": list(bucket) or None, "severity": severity, "status": status, "source": source,
            "type": type_, "q": search, "filter": filter_}


# -- list ------------------------------------------------------------------------------

@command.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True, help="At most this many.")
@pass_cli
def list_events(cli: CliContext, limit: int, **filters: Any) -> None:
    """Notifications newest first (archived ones only with --status archived)."""
    query = hub_filters(**filters)
    records = call_hub(cli.target(), lambda hub: fetch_records(hub, limit, **query))
    if cli.json:
        echo_json([record_json(record) for record in records])
        return
    if not records:
        echo("No events.")
        return
    rows = [table_row(r) for r in records]
    for line in render_table(TABLE_HEADERS, rows, caps=TABLE_CAPS, severity_column=1, keep=(0, 1, 2),
                             cut_left=(4, 5)):
        echo(line)


async def fetch_records(hub: HubClient, limit: int, **query: Any) -> list[dict[str, Any]]:
    """Up to `limit` records, following `next` past the hub's page size."""
    records: list[dict[str, Any]] = []
    before = query.pop("before", None)
    while len(records) < limit:
        page = await hub.list(before=before, limit=min(limit - len(records), MAX_PAGE), **query)
        records += page.items
        if not page.next or not page.items:
            break
        before = page.next
    return records[:limit]


def record_json(record: dict[str, Any]) -> dict[str, Any]:
    return {"event": record.get("event", {}), **{key: record.get(key) for key in RECORD_JSON_KEYS}}


def table_row(record: dict[str, Any]) -> list[str]:
    event = record.get("event", {})
    return [compact_time(event.get("time")), str(event.get("severitytext", "")), record.get("status") or "-",
            record.get("acknowledged_by") or "", str(event.get("source", "")), str(event.get("type", "")),
            summary_of(event)]


def summary_of(event: dict[str, Any]) -> str:
    change = read_lifecycle_event(event)
    if change is None:
        return describe(event).summary
    text = f"{change.actor or 'someone'} {PAST_TENSE[change.verb]} {change.target_source}#{change.target_id}"
    return text + (f": {change.comment}" if change.comment else "")


# -- show ------------------------------------------------------------------------------

@command.command("show")
@click.argument("ref")
@pass_cli
def show(cli: CliContext, ref: str) -> None:
    """One event with its lifecycle history. REF is a cursor, an id or source#id."""
    record = call_hub(cli.target(), lambda hub: hub.get(ref))
    if cli.json:
        echo_json(record)
        return
    for line in describe_record(record):
        echo(line)


def describe_record(record: dict[str, Any]) -> list[str]:
    event = record.get("event", {})
    text = describe(event)
    lines = [click.style(sanitize_line(text.summary), bold=True), ""]
    fields = [("cursor", record.get("cursor")), ("source", event.get("source")), ("id", event.get("id")),
              ("type", event.get("type")), ("time", event.get("time")), ("severity", event.get("severitytext")),
              ("bucket", record.get("bucket")), ("status", record.get("status")),
              ("subject", event.get("subject")), ("category", event.get("category")),
              ("correlation", event.get("correlationid")), ("traceparent", event.get("traceparent")),
              ("error code", text.code), ("acknowledged", by_at(record, "acknowledged")),
              ("ack until", record.get("until")), ("comment", record.get("comment")),
              ("resolved", by_at(record, "resolved")), ("archived", by_at(record, "archived"))]
    lines += [f"{name + ':':<14}{sanitize_line(value)}" for name, value in fields if value not in (None, "")]
    if text.details:
        lines += ["", "details:"] + [f"  {line}" for line in sanitize(text.details).splitlines()]
    if text.causes:
        lines += ["", "probable cause:"] + [f"  - {sanitize_line(cause)}" for cause in text.causes]
    if text.remedies:
        lines += ["", "suggested remediation:"]
        lines += [f"  {number}. {sanitize_line(remedy)}" for number, remedy in enumerate(text.remedies, 1)]
    history = record.get("history") or []
    if history:
        lines += ["", "history:"] + [f"  {history_line(change)}" for change in history]
    return lines


def by_at(record: dict[str, Any], verb: str) -> str | None:
    actor, at = record.get(f"{verb}_by"), record.get(f"{verb}_at")
    return f"by {actor} at {at}" if actor else None


def history_line(event: dict[str, Any]) -> str:
    change = read_lifecycle_event(event)
    if change is None:
        return sanitize_line(event.get("type", ""))
    line = f"{short_time(change.at)}  {PAST_TENSE[change.verb]} by {change.actor or 'someone'}"
    if change.until:
        line += f" until {change.until}"
    if change.comment:
        line += f": {change.comment}"
    return sanitize_line(line)


# -- tail ------------------------------------------------------------------------------

@command.command("tail")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events as they arrive.")
@click.option("--since", help="Start after this cursor (0: the whole log).")
@click.option("-n", "--lines", type=click.IntRange(0), default=10, show_default=True,
              help="Recent events to print first (without --since).")
@filter_options
@pass_cli
def tail(cli: CliContext, follow: bool, since: str | None, lines: int, **filters: Any) -> None:
    """The log-like view: every event, audit and lifecycle included (-o json: NDJSON)."""
    query = {**hub_filters(**filters), "lifecycle": True}
    target = cli.target()
    try:
        asyncio.run(run_tail(HubClient.from_target(target), cli.json, follow, since, lines, query))
    except KeyboardInterrupt:
        pass


async def run_tail(hub: HubClient, as_json: bool, follow: bool, since: str | None, lines: int,
                   query: dict[str, Any]) -> None:
    async with hub:
        if since is None:
            since = (await hub.health()).get("last_cursor") or "0"
            backlog = await fetch_records(hub, lines, before=str(int(since) + 1), **query) if lines else []
        elif follow:
            backlog = []  # the stream replays everything after `since` itself
        else:
            backlog = await fetch_records(hub, 10**9, after=since, **query)
        for record in reversed(backlog):
            print_tail_event(record.get("event", {}), as_json)
        if follow:
            async for event in hub.subscribe(since=since, on_state=report_state, **query):
                print_tail_event(event, as_json)


def print_tail_event(event: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(event, indent=False)
        return
    severity = severity_style(f"{sanitize_line(event.get('severitytext', '')):<9}")
    echo(f"{short_time(event.get('time'))}  {severity}  {sanitize_line(event.get('source', ''))}  "
         f"{sanitize_line(event.get('type', ''))}: {sanitize_line(summary_of(event))}")


def report_state(state: ConnectionState) -> None:
    """Connection changes go to stderr, so that stdout stays the events."""
    if state.status == "live" or (state.status == "reconnecting" and state.attempt > 0):
        detail = f" (attempt {state.attempt}: {state.last_error})" if state.status != "live" else ""
        echo(f"-- {state.status}{sanitize_line(detail)}", err=True)


# -- lifecycle verbs -------------------------------------------------------------------

def verb_command(verb: Verb) -> click.Command:
    @click.command(verb.value)
    @click.argument("refs", nargs=-1, metavar="[REF]...")
    @filter_options
    @click.option("--comment", help="Why; shown in the history.")
    @click.option("--until", help="When the change lapses: a duration (2h, 30m) or an RFC 3339 time.")
    @pass_cli
    def run(cli: CliContext, refs: tuple[str, ...], comment: str | None, until: str | None,
            **filters: Any) -> None:
        if until is not None:
            check_until(until)
        matching = {name: value for name, value in hub_filters(**filters).items() if value}
        if bool(refs) == bool(matching):
            raise usage_error(codes.INVALID_USAGE, "name the events (REF...) or give filters, not both or neither")
        answer = call_hub(cli.target(), lambda hub: hub.lifecycle(
            verb.value, refs=list(refs) if refs else None, filter=matching or None, comment=comment, until=until))
        if cli.json:
            echo_json(answer)
            return
        changed, unchanged = answer.get("changed", 0), answer.get("unchanged", 0)
        echo(f"{PAST_TENSE[verb]} {changed} notification{'s' if changed != 1 else ''}"
             + (f" ({unchanged} unchanged)" if unchanged else ""))

    run.help = (f"{VERB_HELP[verb]} Name them by REF (a cursor, an event id or source#id), "
                f"or change every notification the filters match.\n\n"
                f"\b\nExamples:\n  notifycenter events {verb.value} 0000000000000042 --comment \"on it\"\n"
                f"  notifycenter events {verb.value} --source urn:meshery:adapter:istio --status unacked")
    return run


def check_until(text: str) -> None:
    if parse_duration(text) is not None:
        return
    try:
        parse_time(text)
    except ValueError:
        raise usage_error(codes.INVALID_UNTIL, f"--until {text!r}") from None


for _verb in Verb:
    command.add_command(verb_command(_verb))
