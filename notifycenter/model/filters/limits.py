"""Compile-time bounds that keep every evaluation linear in the event's size.

Parsing already bounds the expression's length and nesting depth. Here, the number of
nodes (`MAX_NODES`) bounds compile time, Subscriptions API filters (built from JSON,
never parsed as text) included. What remains is the cost per event, estimated in passes
over the event's text: reading an attribute's value (to compare or cast it) is one
pass, a LIKE pattern several (`like.scan_weight`), and a function building a string
costs its output's size. Strings grow only through CONCAT (the sum of its arguments),
CONCAT_WS and UPPER or LOWER (Unicode case mapping can triple a string). A filter whose
estimate exceeds `MAX_PASSES` is refused with a catalogued error, as is a LIKE pattern
with more than `like.MAX_WILDCARDS` wildcards; literals are bounded by the expression's
length and cost nothing here.
"""

from __future__ import annotations

from notifycenter.catalogue.filters import (
    CESQL_TOO_COSTLY,
    CESQL_TOO_MANY_WILDCARDS,
    FILTER_TOO_LARGE,
)
from notifycenter.model.filters.like import MAX_WILDCARDS, scan_weight, wildcard_count
from notifycenter.model.filters.nodes import (
    EQUALITY_OPS,
    Attribute,
    Binary,
    Call,
    In,
    Like,
    Literal,
    Node,
    children,
)

MAX_NODES = 8192  # compiling costs about 0.1 ms a node; CESQL text of 16 KiB has fewer
MAX_PASSES = 256  # about a second on a 1 MiB attribute (bench/filters_hostile.py)
CASE_MAPPING_PASSES = 48  # UPPER/LOWER of non-ASCII text is that much slower than a scan

_SAME_SIZE = frozenset({"TRIM", "LEFT", "RIGHT", "SUBSTRING", "STRING"})


def check(tree: Node, expression: str) -> None:
    """Raise a catalogued `NotifyError` when `tree` is beyond the engine's bounds."""
    nodes = _count(tree)
    if nodes > MAX_NODES:
        raise FILTER_TOO_LARGE.error(
            f"the filter has more than {MAX_NODES} parts", expression=expression[:200]
        )
    passes = _passes(tree, expression)
    if passes > MAX_PASSES:
        raise CESQL_TOO_COSTLY.error(
            f"the filter may read the event's text {passes} times over, more than {MAX_PASSES}",
            expression=expression[:200],
            passes=passes,
        )


def _count(tree: Node) -> int:
    """Nodes in the tree, counted without recursion and without going past the limit."""
    count, stack = 0, [tree]
    while stack and count <= MAX_NODES:
        count += 1
        stack.extend(children(stack.pop()))
    return count


def size(node: Node) -> int:
    """Upper bound of a node's string value, in multiples of the event's size."""
    if isinstance(node, Attribute):
        return 1
    if not isinstance(node, Call):
        return 0
    args = [size(arg) for arg in node.args]
    if node.name == "CONCAT":
        return sum(args)
    if node.name == "CONCAT_WS" and args:
        return args[0] * max(len(args) - 2, 0) + sum(args[1:])
    if node.name in ("UPPER", "LOWER") and args:
        return 3 * args[0]
    if node.name in _SAME_SIZE and args:
        return args[0]
    return 0


def _passes(node: Node, expression: str) -> int:
    kids = children(node)
    return _own(node, kids, expression) + sum(_passes(kid, expression) for kid in kids)


def _own(node: Node, kids: tuple[Node, ...], expression: str) -> int:
    """Passes of this node alone: reading (casting) its operands, building its value."""
    if isinstance(node, Like):
        wildcards = wildcard_count(node.pattern)
        if wildcards > MAX_WILDCARDS:
            raise CESQL_TOO_MANY_WILDCARDS.error(
                f"a LIKE pattern has {wildcards} wildcards, more than {MAX_WILDCARDS}",
                expression=expression[:200],
            )
        return size(node.operand) * scan_weight(node.pattern)
    if isinstance(node, Attribute) or _against_literals(node):
        return 0
    if isinstance(node, Call) and node.name in ("UPPER", "LOWER"):
        return CASE_MAPPING_PASSES * sum(size(kid) for kid in kids) + size(node)
    return sum(size(kid) for kid in kids) + size(node)


def _against_literals(node: Node) -> bool:
    """`x = 'text'` or `x IN (literals)`: a string compares by length first, then at
    most the literal's length, and literals are bounded by the expression's length."""
    if isinstance(node, In):
        return all(isinstance(item, Literal) for item in node.items)
    return (
        isinstance(node, Binary)
        and node.op in EQUALITY_OPS
        and any(isinstance(k, Literal) and type(k.value) is str for k in (node.left, node.right))
    )
