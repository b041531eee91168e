"""The operations tree as rows: which are shown, in which order, and their columns.

Operation views are the hub's JSON (GET /api/operations); nothing here draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifycenter.model.lifecycle import parse_time

BAR_WIDTH = 12


@dataclass(frozen=True, slots=True)
class Row:
    depth: int
    view: dict[str, Any]
    children: int
    expanded: bool


def child_count(view: dict[str, Any]) -> int:
    children = view.get("children")
    return len(children) if isinstance(children, list) else int(children or 0)


def flatten(
    roots: Iterable[dict[str, Any]], trees: dict[str, dict[str, Any]], collapsed: set[str]
) -> list[Row]:
    """Visible rows: each root, and the subtree of those whose tree is loaded and open."""
    rows: list[Row] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        children = node.get("children")
        kids: list[dict[str, Any]] = children if isinstance(children, list) else []
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


def started_order(view: dict[str, Any]) -> tuple[int, str]:
    """Oldest first; not yet started ones (pending) last."""
    started = view.get("started_at")
    return (0, started) if isinstance(started, str) else (1, "")


def column_header(width: int) -> str:
    """The names over the tree's columns, aligned with `OperationTree._right_block`."""
    right = f"{'progress':<{BAR_WIDTH}} {'%':>4} {'elapsed':>6} {'left':>7} {'state':<9}"
    return f"  {'operation':<{max(width - len(right) - 2, 0)}}{right}"


def events_of(view: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A tree's node carries its latest events; a listed operation does not."""
    events = view.get("events")
    return events if isinstance(events, list) else None


def elapsed_of(view: dict[str, Any], now: datetime) -> float | None:
    """Ticks locally between refreshes while the operation has not ended."""
    started = view.get("started_at")
    if not started:
        return None
    end = parse_time(view["ended_at"]) if view.get("ended_at") else now
    return max((end - parse_time(started)).total_seconds(), 0.0)
