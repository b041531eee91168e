"""The `notifycenter` command line: global options and lazily loaded subcommands.

Subcommands load on first use so that `notifycenter emit` does not pay for Textual and
`notifycenter` (the TUI) does not pay for the hub's server stack.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from notifycenter import __version__
from notifycenter.commands.common import OUTPUT_FORMATS, CliContext
from notifycenter.commands.problems import from_click, print_error
from notifycenter.commands.targeting import add_target_options, complete_contexts
from notifycenter.model.errors import NotifyError

SUBCOMMANDS = {
    "serve": "notifycenter.commands.serve",
    "emit": "notifycenter.commands.emit",
    "events": "notifycenter.commands.events",
    "ops": "notifycenter.commands.ops",
    "sources": "notifycenter.commands.sources",
    "subscriptions": "notifycenter.commands.subscriptions",
    "silences": "notifycenter.commands.silences",
    "run": "notifycenter.commands.run",
    "config": "notifycenter.commands.config",
    "errors": "notifycenter.commands.errors",
    "demo": "notifycenter.commands.demo",
    "tui": "notifycenter.commands.tui",
}

HUBLESS = frozenset({"errors", "serve"})  # tooling, and the hub itself: no hub to pick


class LazyGroup(click.Group):
    """Imports a subcommand's module only when it is invoked or listed."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """`python -m notifycenter` is named, and completes, as `notifycenter`."""
        kwargs.setdefault("prog_name", "notifycenter")
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = SUBCOMMANDS.get(name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(module).command
        return command if name in HUBLESS else add_target_options(command)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        """The root's own options: a bad `-o` is a catalogued usage error too."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise from_click(exc) from None

    def invoke(self, ctx: click.Context) -> object:
        """Every subcommand's errors: printed with code, cause and remediation."""
        try:
            return super().invoke(ctx)
        except NotifyError as error:
            print_error(error)
            ctx.exit(1)
        except click.UsageError as exc:
            raise from_click(exc) from None


__all__ = ["main"]


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--server",
    metavar="URL",
    multiple=True,
    help="Hub URL; overrides NOTIFYCENTER_SERVER and the context. Repeat it for each server"
    " of the hub: clients fail over between them.",
)
@click.option(
    "--context",
    "context_name",
    metavar="NAME",
    help="Named context from the config file.",
    shell_complete=complete_contexts,
)
@click.option("--token", help="Bearer token; overrides NOTIFYCENTER_TOKEN and the context.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    help="table or wide for people, json or yaml for scripts.",
)
@click.option("--readonly", is_flag=True, help="TUI: disable every lifecycle action.")
@click.option("--filter", "filter_", help="TUI: start with this filter (CESQL or quick tokens).")
@click.version_option(__version__, prog_name="notifycenter")
@click.pass_context
def main(
    ctx: click.Context,
    server: tuple[str, ...],
    context_name: str | None,
    token: str | None,
    output: str,
    readonly: bool,
    filter_: str | None,
) -> None:
    """Notifications and operations of your cloud native infrastructure, in the terminal.

    Without a command, opens the notification center on the current context.
    --server, --context and --token are also accepted after any command.
    """
    ctx.obj = CliContext(
        server=server or None,
        context=context_name,
        token=token,
        output=output,
        readonly=readonly,
        filter=filter_,
    )
    if ctx.invoked_subcommand is None:
        from notifycenter.commands.tui import command as tui

        ctx.invoke(tui)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
