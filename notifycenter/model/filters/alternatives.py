"""`a = 'x' OR a = 'y' OR …` as one set membership, for `matches`' code.

Adjacent alternatives that compare one attribute with literals of one type read and cast
the same value, so they report the same error or none: such a run is true exactly when
the cast value is in the set of literals. It is not `a IN ('x', 'y')`, which casts the
members to the value's type instead, hence a node of its own. Only adjacent alternatives
merge: an operand between them could report an error before the later one is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifycenter.model.filters.nodes import (
    HIDDEN_ATTRIBUTES,
    Attribute,
    Binary,
    Literal,
    Node,
    children,
    with_children,
)
from notifycenter.model.filters.shape import chain_operands, combine
from notifycenter.model.filters.values import TypeName


@dataclass(frozen=True)
class AnyOf(Node):
    """The value of `attribute` cast to `kind` is one of `values`; `original` is the run
    of alternatives it replaces, for code that does not know this node."""

    attribute: Attribute
    kind: TypeName
    values: frozenset[str] | frozenset[int]
    original: Node


def merged(node: Node) -> Node:
    """`node` with each run of adjacent alternatives of an OR chain as one `AnyOf`."""
    if not (isinstance(node, Binary) and node.op == "OR"):
        return node
    operands = chain_operands(node)
    result: list[Node] = []
    run: list[Node] = []
    for operand in [*operands, None]:
        key = _key(operand) if operand is not None else None
        if run and key != _key(run[0]):
            result.append(_any_of(run) if len(run) > 1 else run[0])
            run = []
        if key is not None and operand is not None:
            run.append(operand)
        elif operand is not None:
            result.append(operand)
    return node if len(result) == len(operands) else combine("OR", result)


def restored(node: Node) -> Node:
    """`node` with every `AnyOf` replaced by the alternatives it stands for."""
    if isinstance(node, AnyOf):
        return node.original
    kids = children(node)
    return with_children(node, tuple(restored(kid) for kid in kids)) if kids else node


def _key(node: Node) -> tuple[str, TypeName] | None:
    """(attribute, literal type) of `attribute = literal` with a text or integer literal."""
    if not (isinstance(node, Binary) and node.op == "="):
        return None
    left, right = node.left, node.right
    if not (isinstance(left, Attribute) and isinstance(right, Literal)):
        return None
    if left.name in HIDDEN_ATTRIBUTES or right.static_type == "bool":
        return None
    return left.name, right.static_type


def _any_of(run: list[Node]) -> AnyOf:
    first = run[0]
    assert isinstance(first, Binary) and isinstance(first.left, Attribute)
    values = frozenset(
        operand.right.value
        for operand in run
        if isinstance(operand, Binary) and isinstance(operand.right, Literal)
    )
    kind = first.right.static_type
    assert kind is not None
    return AnyOf(first.left, kind, values, combine("OR", run))  # type: ignore[arg-type]
