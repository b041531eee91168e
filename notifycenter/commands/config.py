"""`notifycenter config …`: see and change the configuration file and its contexts."""

from __future__ import annotations

from typing import Any

import click

from notifycenter.catalogue import cli as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import echo, echo_json, output_option, render_table
from notifycenter.commands.targeting import complete_contexts
from notifycenter.config import (
    Config,
    ContextConfig,
    check_server_url,
    config_path,
    context_named,
    context_token,
    distinct_servers,
    load_config,
    save_config,
)
from notifycenter.model.sanitize import sanitize_line

REDACTED = "REDACTED"


@click.group("config")
def command() -> None:
    """See and change the configuration file and its named contexts.

    \b
    Examples:
      notifycenter config set-context prod --server https://notify.prod.example:9181 \\
          --token-file ~/.config/notifycenter/prod.token
      notifycenter config set-context ha --server https://a.example:9181 \\
          --server https://b.example:9181
      notifycenter config use-context prod
      notifycenter config get-contexts
      notifycenter config view
    """


@command.command("path")
def path() -> None:
    """Print the configuration file's path (NOTIFYCENTER_CONFIG overrides it)."""
    echo(str(config_path()))


@command.command("view")
@output_option
@pass_cli
def view(cli: CliContext) -> None:
    """Show the contexts (tokens redacted) and the hub this shell would talk to."""
    config = load_config()
    if cli.json:
        target = cli.target()
        echo_json(
            {
                **config_json(config),
                "target": {
                    "name": target.name,
                    "server": target.server,
                    "servers": list(target.servers),
                    "source": target.source,
                },
            }
        )
        return
    echo(f"file: {config.path}{'' if config.path.exists() else ' (not created yet)'}")
    echo(f"current-context: {sanitize_line(config.current_context or '(none)')}")
    for name, context in sorted(config.contexts.items()):
        marker = "*" if name == config.current_context else " "
        echo(
            f"{marker} {sanitize_line(name)}  {servers_text(context.servers)}{token_note(context)}"
        )
    target = cli.target()  # after the listing: a broken context is easier to fix when seen
    echo(
        f"using: {servers_text(target.servers)}"
        f" (from {describe_source(target.source, target.name)})"
    )


def servers_text(servers: tuple[str, ...]) -> str:
    """Several servers of one hub, by preference, as one cell."""
    return ", ".join(sanitize_line(server) for server in servers)


def config_json(config: Config) -> dict[str, Any]:
    contexts = {
        name: {
            "server": c.server,
            "servers": list(c.servers),
            "token-file": c.token_file,
            "token": REDACTED if c.token else None,
        }
        for name, c in config.contexts.items()
    }
    return {
        "path": str(config.path),
        "current-context": config.current_context,
        "contexts": contexts,
    }


def token_note(context: ContextConfig) -> str:
    if context.token:
        return "  token: REDACTED"
    if context.token_file:
        return f"  token-file: {sanitize_line(context.token_file)}"
    return ""


def describe_source(source: str, name: str) -> str:
    return {
        "flag": "--server",
        "env": "NOTIFYCENTER_SERVER",
        "context": f"context {name}",
        "default": "the default",
    }[source]


@command.command("get-contexts")
@output_option
@pass_cli
def get_contexts(cli: CliContext) -> None:
    """List the contexts; `*` marks the current one (tokens are never shown)."""
    config = load_config()
    if cli.json:
        echo_json(
            [
                {
                    "name": name,
                    "current": name == config.current_context,
                    "server": context.server,
                    "servers": list(context.servers),
                    "auth": auth_of(context),
                }
                for name, context in sorted(config.contexts.items())
            ]
        )
        return
    if not config.contexts:
        echo(f"No contexts in {config.path}.")
        return
    rows = [
        [
            "*" if name == config.current_context else "",
            name,
            ",".join(context.servers),
            auth_of(context),
        ]
        for name, context in sorted(config.contexts.items())
    ]
    for line in render_table(("CURRENT", "NAME", "SERVER", "AUTH"), rows):
        echo(line)


def auth_of(context: ContextConfig) -> str:
    if context.token:
        return "token"
    return f"token-file {context.token_file}" if context.token_file else "none"


@command.command("current-context")
def current_context() -> None:
    """Print the current context's name (exit 1 when none is set)."""
    config = load_config()
    if config.current_context is None:
        raise codes.NO_CURRENT_CONTEXT.error(f"{config.path} sets no current-context")
    echo(sanitize_line(config.current_context))


@command.command("delete-context")
@click.argument("name", shell_complete=complete_contexts)
def delete_context(name: str) -> None:
    """Remove context NAME; when it was the current one, no context is current afterwards."""
    config = load_config()
    context_named(config, name)
    del config.contexts[name]
    was_current = config.current_context == name
    if was_current:
        config.current_context = None
    save_config(config)
    echo(f"Deleted context {sanitize_line(name)}.")
    if was_current:
        echo(
            "It was the current context: commands now use the default hub until "
            "`notifycenter config use-context NAME`.",
            err=True,
        )


@command.command("use-context")
@click.argument("name", shell_complete=complete_contexts)
def use_context(name: str) -> None:
    """Make NAME the current context."""
    config = load_config()
    context_named(config, name)
    config.current_context = name
    save_config(config)
    echo(f"Switched to context {sanitize_line(name)}.")


@command.command("set-context")
@click.argument("name")
@click.option(
    "--server",
    "server_urls",
    required=True,
    multiple=True,
    help="The hub's URL; repeat it for each server of the hub, the preferred one first.",
)
@click.option("--token-file", help="File holding the bearer token (~ expanded).")
@click.option(
    "--current/--no-current",
    default=None,
    help="Also make it the current context (default: only when there is none).",
)
def set_context(
    name: str, server_urls: tuple[str, ...], token_file: str | None, current: bool | None
) -> None:
    """Create or change context NAME. Several --server options name the servers of one
    hub in preference order: clients use the next one when one fails."""
    config = load_config()
    previous = config.contexts.get(name)
    servers = distinct_servers([check_server_url(url, origin="--server") for url in server_urls])
    config.contexts[name] = ContextConfig(
        server=servers[0],
        servers=servers,
        token_file=token_file
        if token_file is not None
        else (previous.token_file if previous else None),
        token=previous.token if previous else None,
    )
    if token_file is not None:  # a wrong path fails now, not at the first command that needs it
        context_token(config.contexts[name], config.path)
    if current or (current is None and config.current_context is None):
        config.current_context = name
    save_config(config)
    echo(
        f"Context {sanitize_line(name)} {'changed' if previous else 'created'}"
        f"{' and current' if config.current_context == name else ''}."
    )
