"""Syntax tree -> CESQL text that parses back to the same tree (fully parenthesised)."""

from __future__ import annotations

from notifycenter.model.filters.nodes import (
    Attribute,
    Binary,
    Call,
    Exists,
    Guard,
    In,
    Like,
    Literal,
    Negate,
    Node,
    Not,
)


def quote(text: str) -> str:
    """A single-quoted CESQL string literal."""
    return "'" + text.replace("'", "\\'") + "'"


def render(node: Node) -> str:
    if isinstance(node, Literal):
        if node.value is True or node.value is False:
            return "TRUE" if node.value else "FALSE"
        return quote(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, Attribute):
        return node.name
    if isinstance(node, Exists):
        return f"EXISTS {node.name}"
    if isinstance(node, Not):
        return f"NOT {_wrapped(node.operand)}"
    if isinstance(node, Negate):
        return f"-{_wrapped(node.operand)}"
    if isinstance(node, Binary):
        return f"{_wrapped(node.left)} {node.op} {_wrapped(node.right)}"
    if isinstance(node, Like):
        return (
            f"{_wrapped(node.operand)} {'NOT ' if node.negated else ''}LIKE {quote(node.pattern)}"
        )
    if isinstance(node, In):
        items = ", ".join(render(i) for i in node.items)
        return f"{_wrapped(node.operand)} {'NOT ' if node.negated else ''}IN ({items})"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, Guard):
        return render(node.inner)
    raise TypeError(f"cannot render {node!r}")


def _wrapped(node: Node) -> str:
    text = render(node)
    simple = isinstance(node, (Literal, Attribute, Call)) and not text.startswith("-")
    return text if simple else f"({text})"
