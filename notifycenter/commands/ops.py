"""`notifycenter ops list|watch`: operations in a plain terminal, and a way for scripts to
wait on one (`ops watch ID` exits 0 on success, 1 on failure or cancellation)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from notifycenter.catalogue import operations as codes
from notifycenter.commands.common import CliContext, pass_cli
from notifycenter.commands.output import (
    echo,
    echo_json,
    fit,
    output_option,
    render_table,
    terminal_width,
)
from notifycenter.commands.problems import print_error
from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import parse_duration
from notifycenter.model.operations import (
    STATE_FILTERS,
    State,
    format_seconds,
    known_state,
    progress_bar,
    progress_text,
    state_glyph,
    state_label,
)
from notifycenter.model.sanitize import sanitize, sanitize_line
from notifycenter.model.wire import Operation, OperationNode, OperationTree

if TYPE_CHECKING:
    from notifycenter.client.hub import HubClient

T = TypeVar("T")

JSON_KEYS = (
    "id",
    "name",
    "state",
    "progress",
    "done",
    "total",
    "parent",
    "source",
    "started_at",
    "ended_at",
)
EXIT_SUCCEEDED, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 124
DETAIL_LINES = 40
FAILED_TYPE = "io.meshery.operation.failed"
REFRESH_SECONDS = 2.0  # elapsed time and the stall rule move without any event
DEBOUNCE_SECONDS = 0.1
CUT_OFF_PAGES = 10_000  # cut-off pages followed at most: a hub's scan always moves on


@click.group("ops")
def command() -> None:
    """Long-running operations: list them, or watch one until it ends."""


@command.command("list")
@click.option("--state", type=click.Choice(STATE_FILTERS), help="Only operations in this state.")
@click.option(
    "--filter",
    "filter_",
    metavar="CESQL",
    help="CESQL over id, name, state, source, parent, startedby, subject, message, progress (%), done, total.",
)
@click.option(
    "--root",
    is_flag=True,
    help="Only top-level operations (default: each tree, children indented).",
)
@click.option("--source", help="Only operations whose source starts with this.")
@click.option(
    "--since", help="Only operations with news since a cursor, a time or a duration (2h)."
)
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@output_option
@pass_cli
def list_command(
    cli: CliContext,
    state: str | None,
    filter_: str | None,
    root: bool,
    source: str | None,
    since: str | None,
    limit: int,
) -> None:
    """Operations, running ones first, each with its children indented below it in the
    order they started. -o json gives a flat array for scripts."""
    params = {"state": state, "filter": filter_, "root": root or None, "source": source}
    items = _call(cli, lambda hub: _listed(hub, {**params, "since": since}, limit))
    if cli.json:
        echo_json([{key: item.get(key) for key in JSON_KEYS} for item in items])
        return
    if not items:
        echo("No operations.")
        return
    rows = [_row(item, depth) for item, depth in tree_order(items)]
    # The ID is what `ops watch` needs and the state what people scan for: never cut.
    for line in render_table(
        ("STATE", "PROGRESS", "ELAPSED", "ID", "SOURCE", "NAME"),
        rows,
        caps=(12, 12, 8, 16, 36, 60),
        keep=(0, 3),
        cut_left=(4,),
    ):
        echo(line)


def tree_order(items: list[Operation]) -> list[tuple[Operation, int]]:
    """Each operation with its depth: roots in the hub's order, children under their
    parent in the order they started. A child whose parent is not listed is a root here."""
    listed = {item["id"] for item in items}
    children: dict[str, list[Operation]] = {}
    for item in items:
        parent = item["parent"]
        if parent is not None and parent in listed:
            children.setdefault(parent, []).append(item)
    ordered: list[tuple[Operation, int]] = []
    shown: set[str] = set()  # an id the answer lists twice is shown once, with its children
    # A stack, not recursion: a page of a thousand operations may be a thousand deep.
    stack = [(item, 0) for item in reversed(items) if item["parent"] not in listed]
    while stack:
        item, depth = stack.pop()
        if item["id"] in shown:
            continue
        shown.add(item["id"])
        ordered.append((item, depth))
        kids = sorted(children.get(item["id"], ()), key=lambda c: c["started_at"] or "")
        stack.extend((child, depth + 1) for child in reversed(kids))
    return ordered


async def _listed(hub: HubClient, params: dict[str, Any], limit: int) -> list[Operation]:
    """Up to `limit` operations, following pages a slow filter cut off at the hub's time
    budget (fewer items, even none, and an offset that moves on)."""
    items: list[Operation] = []
    offset: str | None = None
    for _ in range(CUT_OFF_PAGES):
        page = await hub.operations(**params, limit=limit - len(items), offset=offset)
        items += page["items"]
        offset = page["next"]
        if offset is None or "cut_off" not in page or len(items) >= limit:
            break
    return items


def _row(item: Operation, depth: int = 0) -> list[str]:
    return [
        state_label(item["state"], 20),
        progress_text(item) or "-",
        format_seconds(item["duration"]),
        item["id"],
        item["source"],
        "  " * depth + sanitize_line(item["name"]),
    ]


def _call(cli: CliContext, action: Callable[[HubClient], Awaitable[T]]) -> T:
    from notifycenter.client.sync import call_hub

    return call_hub(cli.target(), action)


# -- watch ----------------------------------------------------------------------


@command.command("watch")
@click.argument("operation_id", metavar="ID")
@click.option("--timeout", help="Give up after this long (seconds, or 30s, 5m, 2h); exit 124.")
@output_option
@pass_cli
def watch_command(cli: CliContext, operation_id: str, timeout: str | None) -> None:
    """Live progress of an operation's tree until it ends (-o json: only the final tree).

    Exit status: 0 succeeded, 1 failed or cancelled, 124 timed out.
    """
    seconds = _timeout_seconds(timeout)
    screen = _Screen(sys.stdout.isatty(), quiet=cli.json)
    tree = asyncio.run(_watch(cli, operation_id, seconds, screen))
    if tree and cli.json:
        echo_json(tree)
    state = known_state(tree["state"]) if tree else None  # a tree only comes back ended
    if state is None:
        print_error(
            codes.WATCH_TIMEOUT.error(f"operation {operation_id} did not end within {timeout}")
        )
        click.get_current_context().exit(EXIT_TIMEOUT)
    if state is State.FAILED and tree is not None:
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
        raise click.BadParameter(
            f"{text!r} is not a number of seconds nor a duration such as 5m", param_hint="--timeout"
        )
    return duration.total_seconds()


async def _watch(
    cli: CliContext, op_id: str, timeout: float | None, screen: _Screen
) -> OperationTree | None:
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
                if known_state(tree["state"]) in (State.SUCCEEDED, State.FAILED, State.CANCELLED):
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


async def _refetch(hub: HubClient, op_id: str, tree: OperationTree) -> OperationTree:
    """The tree again; while the hub is unreachable, the last one (the operation goes on)."""
    try:
        return await hub.operation(op_id)
    except NotifyError:
        return tree


async def _listen(hub: HubClient, tree: OperationTree, changed: asyncio.Event) -> None:
    """Every event of the operation's trace says: fetch the tree again."""
    trace = tree["trace_id"]
    expression = (
        f"traceparent LIKE '00-{trace}-%'" if trace else f"traceparent LIKE '%-{tree['id']}-%'"
    )
    async for _event in hub.subscribe(since=tree["last_cursor"], filter=expression):
        changed.set()


async def _wait(changed: asyncio.Event, deadline: float | None) -> bool:
    """Until news or the refresh tick; False once the deadline has passed."""
    left = (
        REFRESH_SECONDS if deadline is None else min(REFRESH_SECONDS, deadline - time.monotonic())
    )
    if left <= 0:
        return False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(changed.wait(), left)
    return deadline is None or time.monotonic() < deadline or changed.is_set()


def tree_lines(tree: OperationNode, width: int) -> list[str]:
    """One line per operation, children indented: glyph, bar, percent, name, elapsed, ETA."""
    lines: list[str] = []

    def walk(node: OperationNode, depth: int) -> None:
        lines.append(fit(_line(node, depth), width))
        for child in node["children"]:
            walk(child, depth + 1)

    walk(tree, 0)
    return lines


def _line(node: OperationNode, depth: int) -> str:
    state = known_state(node["state"])
    timing = format_seconds(node["duration"])
    if node["eta"] is not None:
        timing += f", ~{format_seconds(node['eta'])} left"
    message = f" — {sanitize_line(node['message'], 120)}" if node["message"] else ""
    return (
        f"{'  ' * depth}{state_glyph(state)} {progress_bar(node['progress'], 20)} "
        f"{progress_text(node) or '':<11} {sanitize_line(node['name'] or node['id'], 80)}"
        f"  {state.value if state else sanitize_line(node['state'], 20)} {timing}{message}"
    )


class _Screen:
    """Redraws the tree in place on a terminal; elsewhere prints it only when it changes."""

    def __init__(self, tty: bool, quiet: bool = False) -> None:
        self.tty = tty
        self.quiet = quiet
        self.shown = 0
        self.last: list[tuple[Any, ...]] = []

    def draw(self, tree: OperationNode) -> None:
        if self.quiet:
            return
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


def _signature(node: OperationNode) -> list[tuple[Any, ...]]:
    own = (node["id"], node["state"], node["done"], node["total"], node["message"])
    return [own] + [part for child in node["children"] for part in _signature(child)]


def _print_failure(tree: OperationNode) -> None:
    """The deepest failed operation: what it said (a command's output tail), then its
    error's code, causes and remediation."""
    failed = _first_failed(tree) or tree
    click.echo(
        sanitize_line(
            f"{failed['name'] or failed['id']} failed"
            + (f": {failed['message']}" if failed["message"] else "")
        ),
        err=True,
    )
    details = _failure_details(failed)
    if details:
        click.echo("  details:", err=True)
        for line in sanitize(details).splitlines()[-DETAIL_LINES:]:
            click.echo(f"    {line}", err=True)
    if failed["error"]:
        print_error(NotifyError.from_dict(failed["error"]))


def _failure_details(node: OperationNode) -> str | None:
    """`data.details` of the node's `failed` event (the hub keeps its latest events)."""
    for event in reversed(node["events"]):
        data = event.get("data")
        if (
            event.get("type") == FAILED_TYPE
            and isinstance(data, dict)
            and isinstance(data.get("details"), str)
        ):
            return str(data["details"])
    return None


def _first_failed(node: OperationNode) -> OperationNode | None:
    """Deepest first: the root cause rather than the parent that failed because of it."""
    for child in node["children"]:
        found = _first_failed(child)
        if found is not None:
            return found
    return node if node["state"] == State.FAILED.value else None
