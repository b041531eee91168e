"""What every command shares: the global options, resolved once per invocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from notifycenter.config import Target

# `-o`: table and wide for people, json and yaml for scripts.
OUTPUT_FORMATS = ("table", "wide", "json", "yaml")


@dataclass
class CliContext:
    """Global options from the root group; `target()` resolves them against the config."""

    server: str | tuple[str, ...] | None = None  # several: the servers of one hub
    context: str | None = None
    token: str | None = None
    output: str = "table"
    readonly: bool = False
    filter: str | None = None

    @property
    def json(self) -> bool:
        """Output for scripts: JSON, or YAML (which `echo_json` writes under `-o yaml`)."""
        return self.output in ("json", "yaml")

    def target(self) -> Target:
        """The hub to talk to: flags, then environment, then the current context."""
        from notifycenter.config import resolve_target

        return resolve_target(server=self.server, context=self.context, token=self.token)


pass_cli = click.make_pass_decorator(CliContext, ensure=True)
