"""Go expressions as the text a reader of the error reference should see.

errorutil exports only plain string literals and drops everything else. Here string
literals are decoded, `+` concatenates, `fmt.Sprintf`-style format strings keep their
text with each verb shown as `<argument>`, and any other expression (`err.Error()`, a
variable) is shown as `<expression>`, so a description built at run time still reads
sensibly in the documentation.
"""

from __future__ import annotations

import re

from tree_sitter import Node

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}
_FORMAT_FUNCS = frozenset({"Sprintf", "Errorf"})
_VERB = re.compile(r"%(?:%|[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?[a-zA-Z])")
STRING_TYPES = frozenset({"interpreted_string_literal", "raw_string_literal"})


def source(node: Node) -> str:
    """The node's source text with runs of whitespace collapsed."""
    return " ".join(_text(node).split())


def string_value(node: Node) -> str | None:
    """The value of a string literal or a `+` concatenation of them, else None."""
    if node.type == "interpreted_string_literal":
        return _decode_interpreted(node)
    if node.type == "raw_string_literal":
        return _text(node)[1:-1].replace("\r", "")
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return string_value(node.named_children[0])
    if node.type == "binary_expression" and _operator(node) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            a, b = string_value(left), string_value(right)
            if a is not None and b is not None:
                return a + b
    return None


def render(node: Node) -> str:
    """Readable text for any expression that builds a description."""
    value = string_value(node)
    if value is not None:
        return value
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return render(node.named_children[0])
    if node.type == "binary_expression" and _operator(node) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            return render(left) + render(right)
    if node.type == "call_expression":
        return _render_call(node)
    return f"<{source(node)}>"


def render_list(node: Node) -> list[str]:
    """The elements of a `[]string{...}` argument; any other expression is one element."""
    if node.type == "composite_literal":
        body = node.child_by_field_name("body")
        if body is None:
            return []
        return [render(_element(e)) for e in body.named_children if e.type != "comment"]
    if node.type == "nil":
        return []
    return [render(node)]


def _render_call(node: Node) -> str:
    func = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    name = _callee_name(func)
    arg_nodes = [a for a in args.named_children if a.type != "comment"] if args else []
    if (
        name == "Error"
        and func is not None
        and func.type == "selector_expression"
        and not arg_nodes
    ):
        operand = func.child_by_field_name("operand")
        return f"<{source(operand) if operand is not None else 'err'}>"
    if name in _FORMAT_FUNCS and arg_nodes:
        fmt_text = string_value(arg_nodes[0])
        if fmt_text is not None:
            return _fill_verbs(fmt_text, [source(a) for a in arg_nodes[1:]])
    return f"<{source(node)}>"


def _fill_verbs(fmt_text: str, args: list[str]) -> str:
    remaining = iter(args)

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        return f"<{next(remaining, '?')}>"

    return _VERB.sub(replace, fmt_text)


def _callee_name(func: Node | None) -> str:
    if func is None:
        return ""
    if func.type == "selector_expression":
        field = func.child_by_field_name("field")
        return _text(field) if field is not None else ""
    return _text(func) if func.type == "identifier" else ""


def _element(node: Node) -> Node:
    # literal_element wraps the expression; keyed elements are not expected in []string
    return (
        node.named_children[0]
        if node.type == "literal_element" and node.named_child_count
        else node
    )


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return _text(op) if op is not None else ""


def _decode_interpreted(node: Node) -> str:
    out = bytearray()
    for child in node.children:
        if child.type == "interpreted_string_literal_content":
            out += child.text or b""
        elif child.type == "escape_sequence":
            out += _decode_escape(_text(child))
    return out.decode("utf-8", errors="replace")


def _decode_escape(esc: str) -> bytes:
    kind = esc[1:2]
    if kind in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[kind].encode()
    if kind in {"u", "U"}:
        return chr(int(esc[2:], 16)).encode("utf-8", errors="replace")
    if kind == "x":  # \xHH and \ooo are single bytes, which may form UTF-8 together
        return bytes([int(esc[2:], 16)])
    if kind.isdigit():
        return bytes([int(esc[1:], 8) & 0xFF])
    return esc.encode()


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
