"""`notifycenter ops list|watch`: operations in a plain terminal, and a way for scripts to
wait on one (`ops watch ID` exits 0 on success, 1 on failure or cancellation)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from notifycenter.catalogue import operations as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import (
    echo,
    echo_json,
    fit,
    render_table,
    terminal_width,
)
from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import parse_duration
from notifycenter.model.operations import (
    STATE_FILTERS,
    STATE_GLYPHS,
    State,
    format_seconds,
    progress_bar,
    progress_text,
)
from notifycenter.model.sanitize import sanitize_line

JSON_KEYS = ("id", "name", "state", "progress", "done", "total", "parent", "source", "started_at", "ended_at")
EXIT_SUCCEEDED, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 124
REFRESH_SECONDS = 2.0  # elapsed time and the stall rule move without any event
DEBOUNCE_SECONDS = 0.1


@click.group("ops")
def command() -> None:
    """Long-running operations: list them, or watch one until it ends."""


@command.command("list")
@click.option("--state", type=click.Choice(STATE_FILTERS), help="Only operations in this state.")
@click.option("--filter", "filter_", metavar="CESQL",
              help="CESQL over id, name, state, source, parent, startedby, subject, message, progress (%), done, total.")
@click.option("--root", is_flag=True, help="Only top-level operations.")
@click.option("--source", help="Only operations whose source starts with this.")
@click.option("--since", help="Only operations with news since a cursor, a time or a duration (2h).")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@pass_cli
def list_command(cli: CliContext, state: str | None, filter_: str | None, root: bool,
                 source: str | None, since: str | None, limit: int) -> None:
    """Operations, running ones first. -o json gives an array for scripts."""
    params = {"state": state, "filter": filter_, "root": root or None, "source": source,
              "since": since, "limit": limit}
    answer = _call(cli, lambda hub: hub.operations(**params))
    items = answer.get("items", [])
    if cli.json:
        echo_json([{key: item.get(key) for key in JSON_KEYS} for item in items])
        return
    if not items:
        echo("No operations.")
        return
    for line in render_table(("STATE", "PROGRESS", "ELAPSED", "ID", "SOURCE", "NAME"),
                             [_row(item) for item in items], caps=(10, 12, 8, 16, 36, 60)):
        echo(line)


def _row(item: dict[str, Any]) -> list[str]:
    state = State(item["state"])
    return [f"{STATE_GLYPHS[state]} {state.value}", progress_text(item) or "-",
            format_seconds(item.get("duration")), item["id"], item.get("source") or "",
            item.get("name") or ""]


def _call(cli: CliContext, action: Callable[[Any], Any]) -> Any:
    from notifycenter.client.sync import call_hub

    return call_hub(cli.target(), action)


# -- watch ----------------------------------------------------------------------


@command.command("watch")
@click.argument("operation_id", metavar="ID")
@click.option("--timeout", help="Give up after this long (seconds, or 30s, 5m, 2h); exit 124.")
@pass_cli
def watch_command(cli: CliContext, operation_id: str, timeout: str | None) -> None:
    """Live progress of an operation's tree until it ends.

    Exit status: 0 succeeded, 1 failed or cancelled, 124 timed out.
    """
    seconds = _timeout_seconds(timeout)
    screen = _Screen(sys.stdout.isatty())
    tree = asyncio.run(_watch(cli, operation_id, seconds, screen))
    state = State(tree["state"]) if tree else None
    if state is None:
        error = codes.WATCH_TIMEOUT.error(f"operation {operation_id} did not end within {timeout}")
        from notifycenter.cli import print_error

        print_error(error)
        click.get_current_context().exit(EXIT_TIMEOUT)
    if state is State.FAILED:
        _print_failure(tree)
    click.get_current_context().exit(EXIT_SUCCEEDED if state is State.SUCCEEDED else EXIT_FAILED)


def _timeout_seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    duration = parse_duration(text)
    if duration is None:
        raise click.BadParameter(f"{text!r} is not a number of seconds nor a duration such as 5m",
                                 param_hint="--timeout")
    return duration.total_seconds()


async def _watch(cli: CliContext, op_id: str, timeout: float | None, screen: _Screen) -> dict[str, Any] | None:
    """The final tree once the operation has ended, or None on timeout."""
    from notifycenter.client.hub import HubClient

    deadline = None if timeout is None else time.monotonic() + timeout
    async with HubClient.from_target(cli.target()) as hub:
        tree = await hub.operation(op_id)
        changed = asyncio.Event()
        listener = asyncio.create_task(_listen(hub, tree, changed))
        try:
            while True:
                screen.draw(tree)
                if State(tree["state"]) in (State.SUCCEEDED, State.FAILED, State.CANCELLED):
                    return tree
                if not await _wait(changed, deadline):
                    return None
                await asyncio.sleep(DEBOUNCE_SECONDS)  # one fetch for a burst of events
                changed.clear()
                tree = await _refetch(hub, op_id, tree)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            screen.finish()


async def _refetch(hub: Any, op_id: str, tree: dict[str, Any]) -> dict[str, Any]:
    """The tree again; while the hub is unreachable, the last one (the operation goes on)."""
    try:
        return await hub.operation(op_id)
    except NotifyError:
        return tree


async def _listen(hub: Any, tree: dict[str, Any], changed: asyncio.Event) -> None:
    """Every event of the operation's trace says: fetch the tree again."""
    trace = tree.get("trace_id")
    expression = f"traceparent LIKE '00-{trace}-%'" if trace else f"traceparent LIKE '%-{tree['id']}-%'"
    async for _event in hub.subscribe(since=tree.get("last_cursor"), filter=expression):
        changed.set()


async def _wait(changed: asyncio.Event, deadline: float | None) -> bool:
    """Until news or the refresh tick; False once the deadline has passed."""
    left = REFRESH_SECONDS if deadline is None else min(REFRESH_SECONDS, deadline - time.monotonic())
    if left <= 0:
        return False
    try:
        await asyncio.wait_for(changed.wait(), left)
    except TimeoutError:
        pass
    return deadline is None or time.monotonic() < deadline or changed.is_set()


def tree_lines(tree: dict[str, Any], width: int) -> list[str]:
    """One line per operation, children indented: glyph, bar, percent, name, elapsed, ETA."""
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        lines.append(fit(_line(node, depth), width))
        for child in node.get("children") or ():
            walk(child, depth + 1)

    walk(tree, 0)
    return lines


def _line(node: dict[str, Any], depth: int) -> str:
    state = State(node["state"])
    timing = format_seconds(node.get("duration"))
    if node.get("eta") is not None:
        timing += f", ~{format_seconds(node['eta'])} left"
    message = f" — {sanitize_line(node['message'], 120)}" if node.get("message") else ""
    return (f"{'  ' * depth}{STATE_GLYPHS[state]} {progress_bar(node.get('progress'), 20)} "
            f"{progress_text(node) or '':<11} {sanitize_line(node.get('name') or node['id'], 80)}"
            f"  {state.value} {timing}{message}")


class _Screen:
    """Redraws the tree in place on a terminal; elsewhere prints it only when it changes."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.shown = 0
        self.last: list[tuple[Any, ...]] = []

    def draw(self, tree: dict[str, Any]) -> None:
        lines = tree_lines(tree, terminal_width() - 1)
        if self.tty:
            up = f"\x1b[{self.shown}F" if self.shown else ""
            sys.stdout.write(up + "".join(f"\x1b[2K{line}\n" for line in lines) + "\x1b[J")
            self.shown = len(lines)
        elif _signature(tree) != self.last:  # a log: print news, not the clock ticking
            sys.stdout.write("\n".join(lines) + "\n\n")
        self.last = _signature(tree)
        sys.stdout.flush()

    def finish(self) -> None:
        sys.stdout.flush()


def _signature(node: dict[str, Any]) -> list[tuple[Any, ...]]:
    own = (node["id"], node["state"], node.get("done"), node.get("total"), node.get("message"))
    return [own] + [part for child in node.get("children") or () for part in _signature(child)]


def _print_failure(tree: dict[str, Any]) -> None:
    """The first failed operation of the tree, with its code and remediation."""
    failed = _first_failed(tree)
    if failed is None or not failed.get("error"):
        return
    error = NotifyError.from_dict(failed["error"])
    from notifycenter.cli import print_error

    click.echo(sanitize_line(f"{failed.get('name') or failed['id']} failed:"), err=True)
    print_error(error)


def _first_failed(node: dict[str, Any]) -> dict[str, Any] | None:
    """Deepest first: the root cause rather than the parent that failed because of it."""
    for child in node.get("children") or ():
        found = _first_failed(child)
        if found is not None:
            return found
    return node if node.get("state") == State.FAILED.value else None
