"""`notifycenter events …`: list, show, tail and change the lifecycle of notifications."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import click

from notifycenter.client.hub import HubClient
from notifycenter.client.stream import ConnectionState
from notifycenter.client.sync import call_hub
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.eventfilters import filter_options, hub_filters
from notifycenter.commands.output import (
    compact_time,
    echo,
    echo_json,
    output_option,
    render_table,
    severity_style,
    short_time,
)
from notifycenter.commands.refs import call_with_refs
from notifycenter.commands.verbs import verb_command
from notifycenter.model import wire
from notifycenter.model.event import describe, span_ids
from notifycenter.model.lifecycle import LifecycleChange, Verb, read_lifecycle_event
from notifycenter.model.sanitize import sanitize, sanitize_line

RECORD_JSON_KEYS = (
    "cursor",
    "bucket",
    "status",
    "acknowledged_by",
    "acknowledged_at",
    "comment",
    "until",
    "owner",
)
# CURSOR first: it is the REF every other command takes (leading zeros dropped, as REFs allow).
# ACKED BY and OWNER are left out while no row has one.
TABLE_HEADERS = (
    "CURSOR",
    "TIME",
    "SEVERITY",
    "STATUS",
    "ACKED BY",
    "OWNER",
    "SOURCE",
    "TYPE",
    "SUMMARY",
)
TABLE_CAPS = (16, 11, 9, 12, 16, 16, 36, 40, 0)
# -o wide: the full time, and the event's id, subject and error code before the summary.
WIDE_HEADERS = (*TABLE_HEADERS[:-1], "ID", "SUBJECT", "CODE", "SUMMARY")
WIDE_CAPS = (16, 19, 9, 12, 16, 16, 36, 40, 36, 30, 24, 0)
TABLE_MINIMUMS = {6: 14, 7: 14}  # a source or type cut shorter names nothing
MAX_PAGE = 1000
# Empty pages in a row before `events list` stops: a scan cut off by time comes back
# empty at most ~20 times a million events, a hub answering empty pages for ever not.
EMPTY_PAGES = 10_000


@click.group("events")
def command() -> None:
    """List, show, follow and acknowledge events.

    \b
    Examples:
      notifycenter events list --bucket errors --status unacked
      notifycenter events tail -f --source urn:meshery:adapter:
      notifycenter events ack 0000000000000042 --comment "on it" --until 2h
      notifycenter events take 42 --until resolved
      notifycenter events list --owner me
    """


# -- list ------------------------------------------------------------------------------


@command.command("list")
@filter_options()
@click.option(
    "--limit", type=click.IntRange(1), default=100, show_default=True, help="At most this many."
)
@click.option(
    "--before", metavar="CURSOR", help="Only events older than this cursor (the next page)."
)
@output_option
@pass_cli
def list_events(cli: CliContext, /, limit: int, before: str | None, **filters: Any) -> None:
    """Notifications newest first (archived ones only with --status archived)."""
    query = hub_filters(**filters)
    records, more = call_hub(
        cli.target(), lambda hub: fetch_records(hub, limit, before=before, **query)
    )
    if cli.json:
        echo_json([record_json(record) for record in records])
    elif not records:
        echo("No events.")
    else:
        wide = cli.output == "wide"
        for line in render_table(
            WIDE_HEADERS if wide else TABLE_HEADERS,
            [table_row(r, wide=wide) for r in records],
            caps=WIDE_CAPS if wide else TABLE_CAPS,
            severity_column=2,
            keep=(0, 1, 2, 3),
            cut_left=(6, 7),
            minimums=TABLE_MINIMUMS,
            optional=(4, 5, 9, 10) if wide else (4, 5),
        ):
            echo(line)
    if more:
        echo(f"… more: use --limit {limit * 2} or --before {records[-1]['cursor']}", err=True)


async def fetch_records(hub: HubClient, limit: int, **query: Any) -> tuple[list[wire.Record], bool]:
    """Up to `limit` records, following `next` past the hub's page size, and past pages a
    slow filter cut off at the hub's time budget (fewer items, even none, and a `next`
    that always moves back); and whether more exist."""
    records: list[wire.Record] = []
    before = query.pop("before", None)
    after = query.get("after")
    more, empty = False, 0
    while len(records) < limit:
        page = await hub.list(before=before, limit=min(limit - len(records), MAX_PAGE), **query)
        records += page.items
        empty = 0 if page.items else empty + 1
        more = page.next is not None and page.next != before and not _reached(page.next, after)
        if not more or empty >= EMPTY_PAGES:  # a hub answering empty pages without end
            break
        before = page.next
    return records[:limit], more


def _reached(cursor: str | None, after: str | None) -> bool:
    """The pages went back to `after`: nothing newer than it is left below."""
    return (
        cursor is not None and after is not None and after.isdigit() and int(cursor) <= int(after)
    )


def record_json(record: wire.Record) -> dict[str, Any]:
    return {"event": record.get("event", {}), **{key: record.get(key) for key in RECORD_JSON_KEYS}}


def table_row(record: wire.Record, *, wide: bool = False) -> list[str]:
    event = record.get("event", {})
    cursor = str(record.get("cursor") or "")
    row = [
        cursor.lstrip("0") or cursor,
        short_time(event.get("time")) if wide else compact_time(event.get("time")),
        str(event.get("severitytext", "")),
        status_shown(record),
        record.get("acknowledged_by") or "",
        record.get("owner") or "",
        str(event.get("source", "")),
        str(event.get("type", "")),
    ]
    if wide:
        row += [event.get("id", ""), event.get("subject", ""), describe(event).code or ""]
    return [*row, summary_of(event)]


def status_shown(record: wire.Record) -> str:
    """The status, or `silenced` for an unhandled notification a silence in force keeps
    quiet (not open until it ends), as the notification center shows it."""
    status = record.get("status") or "-"
    return "silenced" if record.get("silenced") and status in ("unread", "read") else status


def summary_of(event: dict[str, Any]) -> str:
    change = read_lifecycle_event(event)
    if change is None:
        return describe(event).summary
    actor = change.actor or "someone"
    target = f"{change.target_source}#{change.target_id}"
    if change.verb is Verb.TAKE:
        text = f"{actor} took {target}"
    else:
        text = f"{actor} {change.verb.past_tense} {target}" + _to(change)
    return text + (f": {change.comment}" if change.comment else "")


def _to(change: LifecycleChange) -> str:
    return f" to {change.to}" if change.verb is Verb.ASSIGN and change.to else ""


# -- show ------------------------------------------------------------------------------


@command.command("show")
@click.argument("ref")
@output_option
@pass_cli
def show(cli: CliContext, ref: str) -> None:
    """One event with its lifecycle history. REF is a cursor, an id or source#id."""
    record = call_with_refs(cli.target(), [ref], lambda hub: hub.get(ref))
    if cli.json:
        echo_json(record)
        return
    for line in describe_record(record):
        echo(line)


def describe_record(record: wire.RecordWithHistory) -> list[str]:
    event = record.get("event", {})
    text = describe(event)
    lines = [click.style(sanitize_line(text.summary), bold=True), ""]
    fields = [
        ("cursor", record.get("cursor")),
        ("source", event.get("source")),
        ("id", event.get("id")),
        ("type", event.get("type")),
        ("time", event.get("time")),
        ("severity", event.get("severitytext")),
        ("bucket", record.get("bucket")),
        ("status", record.get("status")),
        ("subject", event.get("subject")),
        ("category", event.get("category")),
        ("correlation", event.get("correlationid")),
        ("traceparent", event.get("traceparent")),
        ("error code", text.code),
        ("acknowledged", by_at(record, "acknowledged")),
        ("ack until", record.get("until")),
        ("comment", record.get("comment")),
        ("owner", record.get("owner")),
        ("resolved", by_at(record, "resolved")),
        ("archived", by_at(record, "archived")),
        ("silenced by", _silence_shown(record)),
    ]
    lines += [
        f"{name + ':':<14}{sanitize_line(value)}"
        for name, value in fields
        if value not in (None, "")
    ]
    if text.details:
        lines += ["", "details:"] + [f"  {line}" for line in sanitize(text.details).splitlines()]
    if text.causes:
        lines += ["", "probable cause:"] + [f"  - {sanitize_line(cause)}" for cause in text.causes]
    if text.remedies:
        lines += ["", "suggested remediation:"]
        lines += [
            f"  {number}. {sanitize_line(remedy)}" for number, remedy in enumerate(text.remedies, 1)
        ]
    history = record.get("history") or []
    if history:
        lines += ["", "history:"] + [f"  {history_line(change)}" for change in history]
    return lines + operation_lines(event)


def _silence_shown(record: Mapping[str, Any]) -> str | None:
    """The silence an event arrived under, and whether it is still in force."""
    silence = record.get("event", {}).get("silence")
    if not isinstance(silence, str):
        return None
    return silence if record.get("silenced") else f"{silence} (ended)"


def operation_lines(event: dict[str, Any]) -> list[str]:
    """The operation an event belongs to, and the command that follows it."""
    data = event.get("data")
    operation = data.get("operation") if isinstance(data, dict) else None
    operation = operation if isinstance(operation, dict) else {}
    op_id = operation.get("id") or (span_ids(event) or ("", ""))[1]
    if not op_id or not isinstance(op_id, str):
        return []
    name = operation.get("name")
    label = f"{name} ({op_id})" if isinstance(name, str) and name else op_id
    return [
        "",
        f"{'operation:':<14}{sanitize_line(label)}",
        f"{'watch it:':<14}notifycenter ops watch {sanitize_line(op_id)}",
    ]


def by_at(record: Mapping[str, Any], verb: str) -> str | None:
    actor, at = record.get(f"{verb}_by"), record.get(f"{verb}_at")
    return f"by {actor} at {at}" if actor else None


def history_line(event: dict[str, Any]) -> str:
    change = read_lifecycle_event(event)
    if change is None:
        return sanitize_line(event.get("type", ""))
    line = f"{short_time(change.at)}  {change.verb.past_tense}{_to(change)}"
    line += f" by {change.actor or 'someone'}"
    if change.until and change.verb is not Verb.UNACK:  # an expiry's until is the one that passed
        line += f" until {change.until}"
    if change.comment:
        line += f": {change.comment}"
    return sanitize_line(line)


# -- tail ------------------------------------------------------------------------------


@command.command("tail")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events as they arrive.")
@click.option("--since", help="Start after this cursor (0: the whole log).")
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(0),
    default=10,
    show_default=True,
    help="Recent events to print first (without --since).",
)
@filter_options(with_status=False)
@output_option
@pass_cli
def tail(cli: CliContext, /, follow: bool, since: str | None, lines: int, **filters: Any) -> None:
    """The log-like view: every event, audit, lifecycle and archived included (-o json: NDJSON)."""
    query = {**hub_filters(**filters), "lifecycle": True}
    target = cli.target()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_tail(HubClient.from_target(target), cli.json, follow, since, lines, query))


async def run_tail(
    hub: HubClient,
    as_json: bool,
    follow: bool,
    since: str | None,
    lines: int,
    query: dict[str, Any],
) -> None:
    async with hub:
        if not (follow and since is not None):  # the stream replays everything after `since` itself
            head = (await hub.health()).get("last_cursor") or "0"
            backlog = await log_records(
                hub, query, after=since, head=head, count=None if since else lines
            )
            for record in backlog:
                print_tail_event(record.get("event", {}), as_json)
            since = since or head
        if follow:
            async for event in hub.subscribe(since=since, on_state=report_state, **query):
                print_tail_event(event, as_json)


async def log_records(
    hub: HubClient, query: dict[str, Any], *, after: str | None, head: str, count: int | None
) -> list[wire.Record]:
    """Records in log order after `after` up to `head` (the last `count` of them).

    The list leaves archived notifications out unless asked for them alone, so the log is
    the union of both queries, merged by cursor.
    """
    if count == 0:
        return []
    found: dict[str, wire.Record] = {}
    for status in (None, "archived"):
        records, _ = await fetch_records(
            hub,
            count or 10**9,
            before=str(int(head) + 1),
            after=after,
            **{**query, "status": status},
        )
        found.update((record["cursor"], record) for record in records)
    ordered = sorted(found.values(), key=lambda record: int(record["cursor"]))
    return ordered[-count:] if count else ordered


def print_tail_event(event: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(event, indent=False)
        return
    severity = severity_style(f"{sanitize_line(event.get('severitytext', '')):<9}")
    echo(
        f"{short_time(event.get('time'))}  {severity}  {sanitize_line(event.get('source', ''))}  "
        f"{sanitize_line(event.get('type', ''))}: {sanitize_line(summary_of(event))}"
    )


def report_state(state: ConnectionState) -> None:
    """Connection changes go to stderr, so that stdout stays the events."""
    if state.status == "live" or (state.status == "reconnecting" and state.attempt > 0):
        detail = f" (attempt {state.attempt}: {state.last_error})" if state.status != "live" else ""
        echo(f"-- {state.status}{sanitize_line(detail)}", err=True)


for _verb in Verb:
    command.add_command(verb_command(_verb))
