"""Constant folding: evaluate once, at compile time, every part that reads no attribute."""

from __future__ import annotations

from notifycenter.model.filters.codegen import build
from notifycenter.model.filters.nodes import (
    Binary,
    Literal,
    Node,
    attributes,
    children,
    with_children,
)
from notifycenter.model.filters.shape import chain_operands, combine
from notifycenter.model.filters.values import CesqlError


def fold(node: Node) -> Node:
    """Replace attribute-free subtrees by their value; parts that fail stay, to keep reporting."""
    if isinstance(node, Literal):
        return node
    if not attributes(node):
        errors: list[CesqlError] = []
        try:
            value = build(node)({}, errors)
        except Exception:  # left to evaluation, which reports it per event
            errors.append(CesqlError("generic", "not foldable"))
        if not errors:
            return Literal(value)
    if isinstance(node, Binary) and node.op in ("AND", "OR", "XOR"):
        # Fold the chain's operands, never a run of them: a balanced chain's inner nodes
        # are not subexpressions of the left-to-right expression.
        return combine(node.op, [fold(operand) for operand in chain_operands(node)])
    kids = children(node)
    if not kids:
        return node
    return with_children(node, tuple(fold(child) for child in kids))
