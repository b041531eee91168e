"""The CESQL syntax tree: what the parser and the dialect translator produce.

Every node knows its static type where CESQL fixes it (operators and functions have
fixed result types); only attribute reads are dynamic (`None`), which lets the code
generator insert casts at compile time instead of checking types per event.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifycenter.model.filters.values import TypeName, Value

LOGIC_OPS = frozenset({"AND", "OR", "XOR"})
EQUALITY_OPS = frozenset({"=", "!=", "<>"})
ORDER_OPS = frozenset({"<", "<=", ">", ">="})
ARITHMETIC_OPS = frozenset({"+", "-", "*", "/", "%"})
# The payload is not a context attribute: CESQL cannot see it (spec §1).
HIDDEN_ATTRIBUTES = frozenset({"data"})


@dataclass(frozen=True)
class Node:
    @property
    def static_type(self) -> TypeName | None:
        return "bool"


@dataclass(frozen=True)
class Literal(Node):
    value: Value

    @property
    def static_type(self) -> TypeName:
        if self.value is True or self.value is False:
            return "bool"
        return "int" if type(self.value) is int else "str"


@dataclass(frozen=True)
class Attribute(Node):
    name: str

    @property
    def static_type(self) -> None:
        return None


@dataclass(frozen=True)
class Exists(Node):
    name: str


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Negate(Node):
    operand: Node

    @property
    def static_type(self) -> TypeName:
        return "int"


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    @property
    def static_type(self) -> TypeName:
        return "int" if self.op in ARITHMETIC_OPS else "bool"


@dataclass(frozen=True)
class Like(Node):
    operand: Node
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class In(Node):
    operand: Node
    items: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True)
class Call(Node):
    name: str  # upper case
    args: tuple[Node, ...]
    result_type: TypeName = "bool"  # set by the parser from the function table

    @property
    def static_type(self) -> TypeName:
        return self.result_type


@dataclass(frozen=True)
class Guard(Node):
    """A filter of its own inside a dialect filter: true only if true without errors.

    The Subscriptions API evaluates each `sql` filter alone, so its errors make it
    false rather than making the whole `not`/`any` around it fail.
    """

    inner: Node


def attributes(node: Node) -> set[str]:
    """Every attribute a node reads (EXISTS included)."""
    if isinstance(node, (Attribute, Exists)):
        return {node.name}
    found: set[str] = set()
    for child in children(node):
        found |= attributes(child)
    return found


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Not, Negate)):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Like):
        return (node.operand,)
    if isinstance(node, In):
        return (node.operand, *node.items)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Guard):
        return (node.inner,)
    return ()


def with_children(node: Node, new: tuple[Node, ...]) -> Node:
    """The same node over other children (in the order `children` gives them)."""
    if isinstance(node, Not):
        return Not(new[0])
    if isinstance(node, Negate):
        return Negate(new[0])
    if isinstance(node, Binary):
        return Binary(node.op, new[0], new[1])
    if isinstance(node, Like):
        return Like(new[0], node.pattern, node.negated)
    if isinstance(node, In):
        return In(new[0], new[1:], node.negated)
    if isinstance(node, Call):
        return Call(node.name, new, node.result_type)
    if isinstance(node, Guard):
        return Guard(new[0])
    return node
