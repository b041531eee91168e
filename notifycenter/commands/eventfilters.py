"""The event filters `events list`, `tail` and the lifecycle verbs share (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import STATUS_FILTERS
from notifycenter.model.severity import Bucket, parse_severity

BUCKETS = tuple(bucket.value for bucket in Bucket)
SEVERITIES = "EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG, SUCCESS"


def filter_options(with_status: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The list's filters (docs/api.md). `tail` has no --status nor --owner: a log has no
    current state."""
    options = [
        click.option(
            "--bucket", multiple=True, type=click.Choice(BUCKETS), help="Bucket (repeatable)."
        ),
        click.option(
            "--severity", callback=check_severity, help="At least this severity (warn, ERROR, …)."
        ),
        click.option("--status", type=click.Choice(STATUS_FILTERS), help="Lifecycle status.")
        if with_status
        else None,
        click.option(
            "--owner", metavar="USER", help="Owned by USER, by you (me), or by nobody (none)."
        )
        if with_status
        else None,
        click.option(
            "--silenced/--not-silenced",
            default=None,
            help="Only what a silence in force keeps quiet, or only the rest.",
        )
        if with_status
        else None,
        click.option("--source", help="Source prefix."),
        click.option("--type", "type_", help="Type prefix."),
        click.option("--search", help="Text in summary, details, subject, source, type or code."),
        click.option(
            "--filter", "filter_", help="CESQL expression, e.g. \"severitytext = 'ERROR'\"."
        ),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([option for option in options if option is not None]):
            func = option(func)
        return func

    return decorate


def check_severity(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refused here, as a usage error, rather than by the hub after a round trip."""
    if value is not None:
        try:
            parse_severity(value)
        except NotifyError:
            raise click.BadParameter(
                f"{value!r} is not a severity: use one of {SEVERITIES} "
                "(any case) or an alias such as warn, err or crit",
                ctx,
                param,
            ) from None
    return value


def hub_filters(
    bucket: tuple[str, ...],
    severity: str | None,
    source: str | None,
    type_: str | None,
    search: str | None,
    filter_: str | None,
    status: str | None = None,
    owner: str | None = None,
    silenced: bool | None = None,
) -> dict[str, Any]:
    """The options as the hub's query parameters."""
    return {
        "owner": owner,
        "silenced": None if silenced is None else ("true" if silenced else "false"),
        "bucket": list(bucket) or None,
        "severity": severity,
        "status": status,
        "source": source,
        "type": type_,
        "q": search,
        "filter": filter_,
    }
