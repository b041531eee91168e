"""`notifycenter emit`: send one event from flags, or CloudEvents from a file or stdin."""

from __future__ import annotations

from typing import Any

import click
import orjson

from notifycenter.catalogue import client as codes
from notifycenter.client.builder import build_event
from notifycenter.client.sync import call_hub
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import echo, echo_json, output_option
from notifycenter.commands.problems import usage_error
from notifycenter.model import wire
from notifycenter.model.sanitize import sanitize_line

EXAMPLES = """
\b
Examples:
  notifycenter emit --type io.meshery.provisioning.istio --source urn:meshery:adapter:istio \\
      --severity error --summary "Could not provision Istio" --code meshery-istio-1002 \\
      --cause "istioctl is not installed" --remediation "Install istioctl"
  notifycenter emit - < event.json          # a CloudEvent, or a JSON array sent as one batch
  notifycenter emit --file events.json -o json
"""

EVENT_FLAGS = (
    "type_",
    "source",
    "id_",
    "severity",
    "category",
    "subject",
    "summary",
    "details",
    "code",
    "cause",
    "remediation",
    "data",
    "correlation_id",
)


@click.command("emit", epilog=EXAMPLES)
@click.argument("stdin", required=False, metavar="[-]")
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read a CloudEvent or a JSON array of them (- for stdin).",
)
@click.option("--type", "type_", help="Event type, reverse-DNS.")
@click.option("--source", help="Event source, e.g. urn:meshery:adapter:istio.")
@click.option("--id", "id_", help="Event id (default: a new UUID; a repeat is a duplicate).")
@click.option(
    "--severity", help="EMERGENCY ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG SUCCESS."
)
@click.option("--category", help="system, performance, user, audit or operation.")
@click.option("--subject", help="What the event is about.")
@click.option("--summary", help="One line an operator reads first.")
@click.option("--details", help="More text.")
@click.option("--code", help="Error code, e.g. meshery-istio-1002.")
@click.option("--cause", multiple=True, help="Probable cause (repeatable).")
@click.option("--remediation", multiple=True, help="Suggested remediation (repeatable, in order).")
@click.option("--data", help="JSON payload, or @file to read it from a file.")
@click.option("--correlation-id", help="Correlates the events of one request.")
@output_option
@pass_cli
def command(cli: CliContext, /, stdin: str | None, file_: str | None, **flags: Any) -> None:
    """Send an event to the hub, or CloudEvents read from a file or stdin."""
    if stdin is not None and stdin != "-":
        raise usage_error(
            codes.INVALID_USAGE, f"unexpected argument {stdin!r}; use - to read stdin"
        )
    source_path = "-" if stdin == "-" else file_
    given = [name for name in EVENT_FLAGS if flags.get(name)]
    if source_path is not None:
        if given:
            raise usage_error(
                codes.INVALID_USAGE, "give either event flags or a file / stdin, not both"
            )
        payload = read_json(source_path)
    else:
        payload = event_from_flags(flags)
    target = cli.target()
    if isinstance(payload, list):
        answer = call_hub(target, lambda hub: hub.emit_batch(payload))
    else:
        answer = call_hub(target, lambda hub: hub.emit(payload))
    if cli.json:
        echo_json(answer)
    else:
        report(answer, payload)


def event_from_flags(flags: dict[str, Any]) -> dict[str, Any]:
    missing = [
        flag for flag, name in (("--type", "type_"), ("--source", "source")) if not flags.get(name)
    ]
    if missing:
        raise usage_error(
            codes.INVALID_USAGE,
            f"missing {' and '.join(missing)} (or give an event with - / --file)",
        )
    data = parse_json_argument(flags["data"]) if flags.get("data") else None
    return build_event(
        type=flags["type_"],
        source=flags["source"],
        id=flags.get("id_"),
        severity=flags.get("severity"),
        category=flags.get("category"),
        subject=flags.get("subject"),
        summary=flags.get("summary"),
        details=flags.get("details"),
        code=flags.get("code"),
        causes=list(flags["cause"]) or None,
        remedies=list(flags["remediation"]) or None,
        data=data,
        correlationid=flags.get("correlation_id"),
    )


def parse_json_argument(value: str) -> Any:
    """`--data '{"a": 1}'` or `--data @payload.json`."""
    if value.startswith("@"):
        return read_json(value[1:])
    return loads(value, "--data")


def read_json(path: str) -> Any:
    try:
        stream = click.open_file(path, "rb")
        with stream:
            raw = stream.read()
    except OSError as exc:
        raise codes.INPUT_UNREADABLE.error(f"{path}: {exc.strerror or exc}") from None
    return loads(raw, "standard input" if path == "-" else path)


def loads(raw: str | bytes, origin: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise codes.INVALID_JSON_INPUT.error(f"{origin}: {exc}") from None


def report(answer: wire.Accepted, payload: Any) -> None:
    events = payload if isinstance(payload, list) else [payload]
    cursors = answer.get("cursors") or []
    accepted, duplicates = answer.get("accepted", 0), answer.get("duplicates", 0)
    echo(f"accepted {accepted}, duplicates {duplicates}")
    for event, cursor in zip(events, cursors, strict=False):
        name = f"{event.get('source', '')}#{event.get('id', '')}" if isinstance(event, dict) else ""
        echo(f"  {cursor}  {sanitize_line(name)}")
