"""How the command line reports what went wrong: every error, usage errors included,
with its catalogued code, description, probable cause and numbered remediation."""

from __future__ import annotations

from typing import IO, Any

import click
from click.exceptions import NoArgsIsHelpError

from notifycenter.catalogue import client as codes
from notifycenter.model.errors import ErrorSpec, NotifyError
from notifycenter.model.sanitize import sanitize


def print_error(error: NotifyError) -> None:
    """Code, description, causes and remediations: what an operator needs to act."""

    def err(text: str) -> None:
        click.echo(sanitize(text), err=True)

    err(f"Error {error.code}: {' '.join(error.short_description)}")
    for line in error.long_description:
        err(f"  {line}")
    for cause in error.probable_cause:
        err(f"  probable cause: {cause}")
    for number, remedy in enumerate(error.suggested_remediation, 1):
        err(f"  remediation {number}: {remedy}")


class UsageProblem(click.UsageError):
    """A usage error (exit 2) printed like every other error rather than as click's text."""

    def __init__(self, error: NotifyError, ctx: click.Context | None = None) -> None:
        super().__init__(error.message, ctx)
        self.error = error

    def show(self, file: IO[Any] | None = None) -> None:
        print_error(self.error)


def usage_error(spec: ErrorSpec, detail: str) -> UsageProblem:
    """A catalogued usage error naming what exactly is wrong, and where to read more."""
    return UsageProblem(_with_help(spec.error(detail), click.get_current_context(silent=True)))


def from_click(exc: click.UsageError) -> click.UsageError:
    """click's own usage errors (unknown option, bad choice, missing argument), catalogued."""
    if isinstance(exc, UsageProblem | NoArgsIsHelpError):  # help is not an error
        return exc
    spec = codes.INVALID_USAGE if isinstance(exc, click.MissingParameter) else codes.INVALID_OPTION
    return UsageProblem(_with_help(spec.error(exc.format_message()), exc.ctx), exc.ctx)


def _with_help(error: NotifyError, ctx: click.Context | None) -> NotifyError:
    if ctx is not None:  # the exact command beats the spec's generic "--help" advice
        specific = [r for r in error.suggested_remediation if "--help" not in r]
        error.suggested_remediation[:] = [
            *specific,
            f"Run `{ctx.command_path} --help` to see its options and examples",
        ]
    return error
