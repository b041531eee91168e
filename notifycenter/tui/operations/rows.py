"""The operations tree as rows: which are shown, in which order, and their columns.

Operation views are the hub's records (GET /api/operations, checked by the client);
nothing here draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias, TypeGuard

from notifycenter.model.wire import CloudEvent, Operation, OperationNode, OperationTree
from notifycenter.tui.moments import parse_moment

BAR_WIDTH = 12

# An operation as listed (children counted) or as a node of a loaded tree (children nested).
OperationView: TypeAlias = Operation | OperationNode


@dataclass(frozen=True, slots=True)
class Row:
    depth: int
    view: OperationView
    children: int
    expanded: bool


def is_node(view: OperationView) -> TypeGuard[OperationNode]:
    """A node of a loaded tree: its children and latest events are at hand."""
    return isinstance(view["children"], list)


def child_count(view: OperationView) -> int:
    children = view["children"]
    return children if isinstance(children, int) else len(children)


def flatten(
    roots: Iterable[OperationView], trees: dict[str, OperationTree], collapsed: set[str]
) -> list[Row]:
    """Visible rows: each root, and the subtree of those whose tree is loaded and open."""
    rows: list[Row] = []

    def walk(node: OperationNode, depth: int) -> None:
        kids = node["children"]
        is_open = bool(kids) and node["id"] not in collapsed
        rows.append(Row(depth, node, child_count(node), is_open))
        if is_open:
            for kid in sorted(kids, key=started_order):  # steps read in the order they ran
                walk(kid, depth + 1)

    for root in roots:
        tree = trees.get(root["id"])
        if tree is None:
            rows.append(Row(0, root, child_count(root), False))
        else:
            walk(tree, 0)
    return rows


def started_order(view: OperationView) -> tuple[int, str]:
    """Oldest first; not yet started ones (pending) last."""
    started = view["started_at"]
    return (0, started) if started is not None else (1, "")


def column_header(width: int) -> str:
    """The names over the tree's columns, aligned with `OperationTree._right_block`."""
    right = f"{'progress':<{BAR_WIDTH}} {'%':>4} {'elapsed':>6} {'left':>7} {'state':<9}"
    return f"  {'operation':<{max(width - len(right) - 2, 0)}}{right}"


def events_of(view: OperationView) -> list[CloudEvent] | None:
    """A tree's node carries its latest events; a listed operation does not."""
    return view["events"] if is_node(view) else None


def elapsed_of(view: OperationView, now: datetime) -> float | None:
    """Ticks locally between refreshes while the operation has not ended."""
    started = parse_moment(view["started_at"])
    ended = view["ended_at"]
    end = parse_moment(ended) if ended else now
    if started is None or end is None:  # a time this client cannot read: none shown
        return None
    return max((end - started).total_seconds(), 0.0)
