"""Keep syntax trees shallow: long AND/OR/XOR chains are balanced, deep nesting refused.

A left-deep chain of 300 ANDs would exhaust Python's recursion limit in every tree walk
and its generated code would exceed the compiler's nesting limit, so chains of one
logic operator are rebuilt as balanced trees. Short-circuit evaluation is associative
(same operands evaluated in the same order, same verdict), which is all matching needs;
`evaluate` walks a chain's operands as the left-to-right nesting would
(`runtime._chain`), and constant folding folds operands, never runs of them.
"""

from __future__ import annotations

from notifycenter.model.filters.nodes import Binary, Node, children, with_children

MAX_DEPTH = 64  # after balancing; deeper expressions are refused
_LOGIC = ("AND", "OR", "XOR")


def depth(node: Node) -> int:
    """Nesting depth, counting a chain of one logic operator as one level (iterative)."""
    deepest = 0
    stack: list[tuple[Node, int, str | None]] = [(node, 1, None)]
    while stack:
        current, level, chain = stack.pop()
        op = current.op if isinstance(current, Binary) and current.op in _LOGIC else None
        if op is not None and op == chain:
            level -= 1  # same chain: no deeper once balanced
        deepest = max(deepest, level)
        if level > MAX_DEPTH * 4:
            break
        stack.extend((child, level + 1, op) for child in children(current))
    return deepest


def balance(node: Node) -> Node:
    """The same expression with every same-operator logic chain as a balanced tree."""
    if isinstance(node, Binary) and node.op in _LOGIC:
        operands = [balance(operand) for operand in chain_operands(node)]
        return combine(node.op, operands)
    kids = children(node)
    return with_children(node, tuple(balance(k) for k in kids)) if kids else node


def chain_operands(node: Binary) -> list[Node]:
    """Operands of the maximal chain of `node.op` under `node`, left to right (iterative)."""
    operands: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Binary) and current.op == node.op:
            stack.extend((current.right, current.left))
        else:
            operands.append(current)
    return operands


def combine(op: str, operands: list[Node]) -> Node:
    """`o1 op o2 op …` as a balanced tree (operands non-empty)."""
    if len(operands) == 1:
        return operands[0]
    middle = len(operands) // 2
    return Binary(op, combine(op, operands[:middle]), combine(op, operands[middle:]))
