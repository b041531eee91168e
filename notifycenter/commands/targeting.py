"""`--server`, `--context` and `--token` at every level, and completion of context names.

kubectl users type `kubectl get pods --context prod`: the options that pick a hub are
accepted after any command as well as before it (after wins), and `--context` completes
from the config file's contexts. `--server` may be repeated to name every server of one
hub, in preference order: the clients fail over between them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import CompletionItem

from notifycenter.commands.common import CliContext

# (flag, CliContext attribute, help)
TARGET_OPTIONS = (
    (
        "--server",
        "server",
        "Hub URL; repeat it for each server of the hub (same as the global --server).",
    ),
    ("--context", "context", "Named context from the config file (same as the global --context)."),
    ("--token", "token", "Bearer token (same as the global --token)."),
)
_MARK = "_notifycenter_targeting"


def complete_contexts(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The config file's context names starting with what is typed; none when it is broken."""
    from notifycenter.config import load_config
    from notifycenter.model.errors import NotifyError

    try:
        config = load_config()
    except NotifyError:
        return []
    return [
        CompletionItem(name, help=", ".join(context.servers))
        for name, context in sorted(config.contexts.items())
        if name.startswith(incomplete)
    ]


def _remember(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(
        ctx: click.Context, _param: click.Parameter, value: str | tuple[str, ...] | None
    ) -> None:
        if value:  # `--server` repeated: the servers of one hub, by preference
            setattr(ctx.ensure_object(CliContext), attribute, value)

    return callback


def add_target_options(command: click.Command) -> click.Command:
    """Give `command` and every command under it the target options it does not define."""
    if getattr(command, _MARK, False):
        return command
    setattr(command, _MARK, True)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_target_options(sub)
    taken = {opt for param in command.params for opt in param.opts}
    for flag, attribute, help_text in TARGET_OPTIONS:
        if flag in taken:
            continue
        command.params.append(
            click.Option(
                [flag],
                metavar={"--server": "URL", "--context": "NAME"}.get(flag, "TOKEN"),
                expose_value=False,
                callback=_remember(attribute),
                help=help_text,
                shell_complete=complete_contexts if flag == "--context" else None,
                multiple=flag == "--server",
            )
        )
    return command
