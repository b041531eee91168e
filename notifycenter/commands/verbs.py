"""`notifycenter events ack|unack|resolve|reopen|read|unread|archive|assign|take|release`:
change the lifecycle of notifications, and say what did not change and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from notifycenter.catalogue import client as codes
from notifycenter.client.hub import HubClient
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.eventfilters import filter_options, hub_filters
from notifycenter.commands.output import echo, echo_json, output_option
from notifycenter.commands.problems import usage_error
from notifycenter.commands.refs import call_with_refs, ref_of
from notifycenter.model import wire
from notifycenter.model.lifecycle import UNTIL_RESOLVED, Verb, parse_duration, parse_time
from notifycenter.model.sanitize import sanitize_line

VERB_HELP = {
    Verb.READ: "Mark notifications read.",
    Verb.UNREAD: "Mark notifications unread.",
    Verb.ACK: "Acknowledge notifications: someone is on it.",
    Verb.UNACK: "Withdraw the acknowledgement of notifications.",
    Verb.RESOLVE: "Resolve notifications.",
    Verb.REOPEN: "Reopen resolved or archived notifications.",
    Verb.ARCHIVE: "Archive notifications (listed again only with --status archived).",
    Verb.ASSIGN: "Assign notifications to a user (--to), acknowledging them if nobody has.",
    Verb.TAKE: "Take notifications yourself: you own them, and they are acknowledged.",
    Verb.RELEASE: "Give notifications back: nobody owns them (the ack stays).",
}
# The verbs that acknowledge, and so take --until.
ACKING = (Verb.ACK, Verb.ASSIGN, Verb.TAKE)
# Why a notification is left as it was. Acking, resolving or archiving again records a
# new actor and time, so for those only audit events stay unchanged.
ALREADY = {
    Verb.READ: "already read",
    Verb.UNREAD: "already unread",
    Verb.UNACK: "not acknowledged",
    Verb.REOPEN: "neither resolved nor archived",
    Verb.ASSIGN: "already theirs and acknowledged",
    Verb.TAKE: "already yours and acknowledged",
    Verb.RELEASE: "owned by nobody",
}
NO_LIFECYCLE = "audit events, which have no lifecycle"
MAX_EXPLAINED = 20  # refs looked up to say why they did not change


def verb_command(verb: Verb) -> click.Command:
    @click.command(verb.value)
    @click.argument("refs", nargs=-1, metavar="[REF]...")
    @filter_options()
    @click.option("--comment", help="Why; shown in the history.")
    @output_option
    @pass_cli
    def run(
        cli: CliContext,
        /,
        refs: tuple[str, ...],
        comment: str | None,
        until: str | None = None,
        to: str | None = None,
        **filters: Any,
    ) -> None:
        if until is not None:
            until = check_until(until)
        matching = {name: value for name, value in hub_filters(**filters).items() if value}
        if bool(refs) == bool(matching):
            raise usage_error(
                codes.INVALID_USAGE, "name the events (REF...) or give filters, not both or neither"
            )

        async def change(hub: HubClient) -> tuple[wire.LifecycleOutcome, list[str]]:
            answer = await hub.lifecycle(
                verb.value,
                refs=list(refs) if refs else None,
                filter=matching or None,
                comment=comment,
                until=until,
                to=to,
            )
            return answer, await unchanged_reasons(hub, verb, refs, answer)

        answer, reasons = call_with_refs(cli.target(), refs, change)
        if cli.json:
            echo_json(answer)
        else:
            report(verb, answer, reasons, to)

    if verb in ACKING:
        run = click.option(
            "--until",
            help="When the acknowledgement lapses: a duration (2h, 30m), an RFC 3339 time,"
            " or 'resolved' (it holds until the notification is resolved).",
        )(run)
    if verb is Verb.ASSIGN:
        run = click.option("--to", required=True, metavar="USER", help="The new owner.")(run)
    extra = " --to alice" if verb is Verb.ASSIGN else ""
    run.help = (
        f"{VERB_HELP[verb]} Name them by REF (a cursor, an event id or source#id), "
        f"or change every notification the filters match.\n\n"
        f"\b\nExamples:\n"
        f'  notifycenter events {verb.value} 0000000000000042{extra} --comment "on it"\n'
        f"  notifycenter events {verb.value} --source urn:meshery:adapter:istio --status unacked"
        f"{extra}"
    )
    return run


def check_until(text: str) -> str:
    """A duration, a future time with a zone, or `resolved`: anything else would ack
    nothing or be misread."""
    if text.strip().lower() == UNTIL_RESOLVED:
        return UNTIL_RESOLVED
    duration = parse_duration(text)
    if duration is not None:
        if not duration:
            raise usage_error(codes.UNTIL_IN_THE_PAST, f"--until {text!r} lapses at once")
        return text
    try:
        moment = parse_time(text)
    except ValueError:
        raise usage_error(codes.INVALID_UNTIL, f"--until {text!r}") from None
    if moment.tzinfo is None:
        raise usage_error(codes.INVALID_UNTIL, f"--until {text!r} has no zone: add Z for UTC")
    if moment <= datetime.now(UTC):
        raise usage_error(codes.UNTIL_IN_THE_PAST, f"--until {text!r} is in the past")
    return text


async def unchanged_reasons(
    hub: HubClient, verb: Verb, refs: tuple[str, ...], answer: wire.LifecycleOutcome
) -> list[str]:
    """`source#id: why` for each named notification the change left as it was.

    A notification changed by this request has one of the answer's cursors last in its
    history; the others are looked up to say what they are.
    """
    if not answer.get("unchanged") or not refs or len(refs) > MAX_EXPLAINED:
        return []
    new = set(answer.get("cursors") or ())
    reasons = []
    for ref in dict.fromkeys(refs):
        record = await hub.get(ref)
        history = record.get("history") or [{}]
        if history[-1].get("cursor") not in new:
            reasons.append(f"{ref_of(record)}: {why_unchanged(verb, record)}")
    return reasons


def why_unchanged(verb: Verb, record: wire.Record) -> str:
    status = record.get("status")
    if status is None:
        return "an audit event: audit events have no lifecycle"
    return f"{ALREADY.get(verb, 'nothing to change')} (status {status})"


def report(
    verb: Verb, answer: wire.LifecycleOutcome, reasons: list[str], to: str | None = None
) -> None:
    changed, unchanged = answer.get("changed", 0), answer.get("unchanged", 0)
    line = f"{verb.past_tense} {changed} notification{'s' if changed != 1 else ''}"
    if to is not None:
        line += f" to {sanitize_line(to, 80)}"
    if unchanged:
        line += f", {unchanged} unchanged"
        line += (
            ":"
            if reasons
            else f" ({ALREADY[verb]}, or {NO_LIFECYCLE})"
            if verb in ALREADY
            else f" ({NO_LIFECYCLE})"
        )
    echo(line)
    for reason in reasons:
        echo(f"  {sanitize_line(reason)}")
