"""Go sources: MeshKit's `Err…Code` constants and `errors.New`/`NewV2` calls, via tree-sitter."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import tree_sitter_go
from tree_sitter import Language, Node, Parser, Query, QueryCursor

from notifycenter.errorutil import gotext
from notifycenter.errorutil.model import CodeLiteral, ErrorEntry, Location

CODE_NAME = re.compile(r"^Err[A-Z].+Code$")  # errorutil's convention
# Parsing dominates the cost: skip files that name no code constant and call no New.
_RELEVANT = re.compile(rb"Err[A-Z]\w*Code|\bNew(?:V2|Default)?\s*\(")
_ARITY = {"New": 6, "NewV2": 7}
_QUERY = """
(call_expression
  function: [(identifier) @fn (selector_expression field: (field_identifier) @fn)]
  arguments: (argument_list) @args
  (#any-of? @fn "New" "NewV2" "NewDefault")) @call
(const_spec) @spec
(var_spec) @spec
"""


@dataclass(frozen=True)
class GoConstant:
    name: str
    value: str | None  # None when the value is computed at run time
    location: Location
    literal: CodeLiteral | None
    package: str


@dataclass(frozen=True)
class GoCall:
    code_name: str | None  # the constant passed as code
    code_value: str | None  # or a code passed as a literal
    literal: CodeLiteral | None
    severity: str
    texts: tuple[list[str], list[str], list[str], list[str]]
    location: Location
    package: str
    function: str


@dataclass
class GoFile:
    constants: list[GoConstant] = field(default_factory=list)
    calls: list[GoCall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@cache
def _tools() -> tuple[Parser, Query]:
    language = Language(tree_sitter_go.language())
    return Parser(language), Query(language, _QUERY)


def parse_file(data: bytes, path: str) -> GoFile:
    """Constants and calls of one file; `path` is relative to the component root."""
    result = GoFile()
    if not _RELEVANT.search(data):
        return result
    parser, query = _tools()
    tree = parser.parse(data)
    if tree.root_node.has_error:
        result.warnings.append(
            f"{path}: Go syntax errors; errors in the damaged parts may be missed"
        )
    package = path.rpartition("/")[0]
    for _, captures in QueryCursor(query).matches(tree.root_node):
        if "spec" in captures:
            result.constants.extend(_constants(captures["spec"][0], path, package))
            continue
        fn_name = (captures["fn"][0].text or b"").decode()
        if fn_name == "NewDefault":
            line = captures["call"][0].start_point[0] + 1
            result.warnings.append(f"{path}:{line}: deprecated NewDefault call; use New")
            continue
        call = _call(captures["call"][0], captures["args"][0], fn_name, path, package)
        if call is not None:
            result.calls.append(call)
    return result


def _constants(spec: Node, path: str, package: str) -> list[GoConstant]:
    names = [n for n in spec.children_by_field_name("name") if n.type == "identifier"]
    value_list = spec.child_by_field_name("value")
    values = [v for v in value_list.named_children if v.type != "comment"] if value_list else []
    found = []
    for i, ident in enumerate(names):
        name = (ident.text or b"").decode()
        if not CODE_NAME.match(name):
            continue
        value = values[i] if len(values) == len(names) else None
        found.append(
            GoConstant(
                name=name,
                value=gotext.string_value(value) if value is not None else None,
                location=Location(path, ident.start_point[0] + 1),
                literal=_literal(value, path),
                package=package,
            )
        )
    return found


def _call(call: Node, args: Node, fn_name: str, path: str, package: str) -> GoCall | None:
    arguments = [a for a in args.named_children if a.type != "comment"]
    if len(arguments) != _ARITY[fn_name]:
        return None
    code = arguments[0]
    code_name = _referenced_name(code)
    code_value = gotext.string_value(code) if code.type in gotext.STRING_TYPES else None
    if code_value is None and (code_name is None or not CODE_NAME.match(code_name)):
        return None  # a wrapper passing a variable, or another package's New
    texts = tuple(gotext.render_list(a) for a in arguments[2:6])
    return GoCall(
        code_name=None if code_value is not None else code_name,
        code_value=code_value,
        literal=_literal(code, path) if code_value is not None else None,
        severity=_severity(arguments[1]),
        texts=texts,  # type: ignore[arg-type]
        location=Location(path, call.start_point[0] + 1),
        package=package,
        function=_enclosing_function(call),
    )


def _referenced_name(node: Node) -> str | None:
    if node.type == "identifier":
        return (node.text or b"").decode()
    if node.type == "selector_expression":
        field_node = node.child_by_field_name("field")
        return (field_node.text or b"").decode() if field_node is not None else None
    return None


def _severity(node: Node) -> str:
    return _referenced_name(node) or gotext.source(node)


def _literal(node: Node | None, path: str) -> CodeLiteral | None:
    """Only a single literal can be rewritten in place."""
    if node is None or node.type not in gotext.STRING_TYPES:
        return None
    quote = "`" if node.type == "raw_string_literal" else '"'
    return CodeLiteral(path, node.start_byte, node.end_byte, quote)


def _enclosing_function(node: Node) -> str:
    parent = node.parent
    while parent is not None:
        if parent.type in {"function_declaration", "method_declaration"}:
            name = parent.child_by_field_name("name")
            return (name.text or b"").decode() if name is not None else ""
        parent = parent.parent
    return ""


def entries(files: list[GoFile]) -> tuple[list[ErrorEntry], list[str]]:
    """Join calls to the constants they name: one entry per call, plus unused constants."""
    constants = [c for f in files for c in f.constants]
    by_package = {(c.package, c.name): c for c in constants}
    by_name: dict[str, list[GoConstant]] = defaultdict(list)
    for c in constants:
        by_name[c.name].append(c)
    used: set[GoConstant] = set()
    found: list[ErrorEntry] = []
    warnings: list[str] = []
    for call in (c for f in files for c in f.calls):
        constant = _resolve(call, by_package, by_name)
        if call.code_name is not None and constant is None:
            warnings.append(
                f"{call.location}: no single constant {call.code_name} found for this error"
            )
        if constant is not None:
            used.add(constant)
        found.append(_call_entry(call, constant))
    found.extend(_constant_entry(c) for c in constants if c not in used)
    return found, warnings


def _resolve(
    call: GoCall,
    by_package: dict[tuple[str, str], GoConstant],
    by_name: dict[str, list[GoConstant]],
) -> GoConstant | None:
    if call.code_name is None:
        return None
    local = by_package.get((call.package, call.code_name))
    if local is not None:
        return local
    candidates = by_name.get(call.code_name, [])
    return candidates[0] if len(candidates) == 1 else None


def _call_entry(call: GoCall, constant: GoConstant | None) -> ErrorEntry:
    short, long, causes, remedies = call.texts
    return ErrorEntry(
        name=call.code_name or call.function or "(anonymous)",
        code=constant.value if constant is not None else call.code_value,
        severity=call.severity,
        short=short,
        long=long,
        causes=causes,
        remedies=remedies,
        location=call.location,
        language="go",
        code_location=constant.location
        if constant is not None
        else (call.location if call.code_value is not None else None),
        literal=constant.literal if constant is not None else call.literal,
    )


def _constant_entry(constant: GoConstant) -> ErrorEntry:
    return ErrorEntry(
        name=constant.name,
        code=constant.value,
        severity="",
        short=[],
        long=[],
        causes=[],
        remedies=[],
        location=constant.location,
        language="go",
        code_location=constant.location,
        literal=constant.literal,
        has_details=False,
    )
