"""Python sources: module-level `NAME = ErrorSpec(code=..., ...)` calls, via `ast`."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from notifycenter.errorutil.model import CodeLiteral, ErrorEntry, Location

# ErrorSpec's fields in order, for the rare positional call.
_FIELDS = ("code", "name", "severity", "short", "long", "causes", "remedies")


@dataclass
class PyFile:
    entries: list[ErrorEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_file(data: bytes, path: str) -> PyFile:
    """The ErrorSpec declarations of one module; `path` is relative to the component root."""
    result = PyFile()
    if b"ErrorSpec" not in data:
        return result
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        result.warnings.append(f"{path}: not valid Python ({reason}); skipped")
        return result
    line_starts = _line_starts(data)
    for stmt in tree.body:
        target, call = _spec_assignment(stmt)
        if call is not None:
            entry = _entry(target, call, data, line_starts, path, result.warnings)
            result.entries.append(entry)
    return result


def _spec_assignment(stmt: ast.stmt) -> tuple[str, ast.Call | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return "", None
    if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
        return "", None
    func = value.func
    called = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    return (target.id, value) if called == "ErrorSpec" else ("", None)


def _entry(
    target: str, call: ast.Call, data: bytes, line_starts: list[int], path: str, warnings: list[str]
) -> ErrorEntry:
    args: dict[str, ast.expr] = dict(zip(_FIELDS, call.args, strict=False))
    args.update({k.arg: k.value for k in call.keywords if k.arg})
    location = Location(path, call.lineno)
    texts = {
        key: _texts(args.get(key), f"{location}: {key}= of {target}", warnings)
        for key in ("name", "severity", "short", "long", "causes", "remedies")
    }
    code_node = args.get("code")
    code = _literal(code_node) if code_node is not None else None
    return ErrorEntry(
        name=" ".join(texts["name"]) or target,
        code=code if isinstance(code, str) else None,
        severity=" ".join(texts["severity"]),
        short=texts["short"],
        long=texts["long"],
        causes=texts["causes"],
        remedies=texts["remedies"],
        location=location,
        language="python",
        code_location=location,
        literal=_code_literal(code_node, data, line_starts, path)
        if isinstance(code, str)
        else None,
    )


def _texts(node: ast.expr | None, where: str, warnings: list[str]) -> list[str]:
    """A string or a tuple of strings as a list; empty strings drop out."""
    if node is None:
        return []
    value = _literal(node)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return list(value)
    warnings.append(f"{where} is not a string literal or a tuple of them")
    return [f"<{ast.unparse(node)}>"]


def _literal(node: ast.expr) -> object:
    """A literal's value; `"a" + "b"` counts as a literal too. Anything else: None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return left + right if isinstance(left, str) and isinstance(right, str) else None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _code_literal(
    node: ast.expr | None, data: bytes, line_starts: list[int], path: str
) -> CodeLiteral | None:
    """Byte span of a plain string constant (ast offsets are UTF-8 byte columns)."""
    if not isinstance(node, ast.Constant) or node.end_lineno is None or node.end_col_offset is None:
        return None
    start = line_starts[node.lineno - 1] + node.col_offset
    end = line_starts[node.end_lineno - 1] + node.end_col_offset
    token = data[start:end].lstrip(b"rRuU")
    quote = "'" if token[:1] == b"'" else '"'
    return CodeLiteral(path, start, end, quote)


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    index = data.find(b"\n")
    while index != -1:
        starts.append(index + 1)
        index = data.find(b"\n", index + 1)
    return starts
