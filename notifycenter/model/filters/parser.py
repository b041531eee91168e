"""CESQL text -> syntax tree, with lark (LALR, contextual lexer).

Lark rather than a hand-written parser: the grammar below is the whole syntax and its
errors carry line and column. A hand-written parser could not be measurably better
where it matters: parsing happens once per filter, never per event, and LALR parses
the bench expression in about 0.3 ms (30-50 ms once to build the parser; `python
bench/filters.py`). Precedence follows spec §3.6: unary NOT and minus bind
tightest, then LIKE and IN, then * / %, + -, comparisons, and AND, OR, XOR share
the lowest level, evaluated left to right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from notifycenter.catalogue.filters import CESQL_PARSE
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import functions
from notifycenter.model.filters.nodes import (
    Attribute,
    Binary,
    Call,
    Exists,
    In,
    Like,
    Literal,
    Negate,
    Node,
    Not,
    children,
)
from notifycenter.model.filters.shape import MAX_DEPTH, balance, depth
from notifycenter.model.filters.values import INT_MAX, INT_MIN

GRAMMAR = r"""
?start: logic
?logic: logic LOGIC_OP comparison   -> binary
      | comparison
?comparison: comparison CMP_OP sum  -> binary
      | sum
?sum: sum ADD_OP product            -> binary
    | product
?product: product MUL_OP postfix    -> binary
    | postfix
?postfix: postfix [NOT] LIKE STRING -> like
    | postfix [NOT] IN "(" logic ("," logic)* ")" -> in_
    | unary
?unary: NOT unary                   -> not_
    | MINUS unary                   -> negate
    | PLUS INT                      -> plus_int
    | atom
?atom: INT                          -> integer
    | STRING                        -> string
    | TRUE                          -> true
    | FALSE                         -> false
    | EXISTS NAME                   -> exists
    | NAME "(" [logic ("," logic)*] ")" -> call
    | NAME                          -> attribute
    | "(" logic ")"

LOGIC_OP: "AND"i | "OR"i | "XOR"i
NOT: "NOT"i
LIKE: "LIKE"i
IN: "IN"i
EXISTS: "EXISTS"i
TRUE: "TRUE"i
FALSE: "FALSE"i
CMP_OP: "<>" | "!=" | "<=" | ">=" | "=" | "<" | ">"
ADD_OP: "+" | "-"
MUL_OP: "*" | "/" | "%"
MINUS: "-"
PLUS: "+"
INT: /[0-9]+/
NAME: /[a-z0-9_]*[a-z_][a-z0-9_]*/i
STRING: /'(?:\\.|''|[^'\\])*'/s | /"(?:\\.|""|[^"\\])*"/s

%ignore /[ \t\r\n]+/
"""


@cache
def _lark() -> Lark:
    # Built on first use (30-50 ms) so that importing the model stays cheap.
    return Lark(
        GRAMMAR,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def build_parser() -> None:
    """Build the grammar's parser now rather than on the first filter: a hub process of its
    own does it before it serves, so that no request waits 30-50 ms for it."""
    _lark()


MAX_LENGTH = 16_384  # characters; a filter is a line or two, this bounds parse time


def parse(expression: str) -> Node:
    """Parse CESQL text; raises a catalogued `NotifyError` saying where and why."""
    if len(expression) > MAX_LENGTH:
        raise CESQL_PARSE.error(
            f"column {MAX_LENGTH + 1}: the expression is longer than {MAX_LENGTH} characters",
            column=MAX_LENGTH + 1,
            expression=expression[:100],
        )
    try:
        node = _ToNodes().transform(_lark().parse(expression))
        if depth(node) > MAX_DEPTH:
            raise CESQL_PARSE.error(
                f"column 1: the expression nests more than {MAX_DEPTH} levels deep",
                column=1,
                expression=expression,
            )
        return _reject_raw_ints(balance(node))  # balanced first: a long chain is deep
    except UnexpectedInput as exc:
        raise _parse_error(expression, exc) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, NotifyError):
            raise exc.orig_exc from None
        raise


def _parse_error(expression: str, exc: UnexpectedInput) -> NotifyError:
    line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        line, column = expression.count("\n") + 1, len(expression.rsplit("\n", 1)[-1]) + 1
        why = "the expression ends too early"
    elif isinstance(exc, UnexpectedCharacters) and expression[exc.pos_in_stream or 0] in "'\"":
        why = "the string starting here is not closed"
    elif isinstance(exc, UnexpectedCharacters):
        why = f"unexpected character {expression[exc.pos_in_stream or 0]!r}"
    elif isinstance(exc, UnexpectedToken):
        why = f"unexpected {exc.token.value!r}"
    else:
        why = "invalid syntax"
    if why.startswith(("unexpected", "the expression ends")):
        expected = _describe_expected(
            getattr(exc, "expected", None) or getattr(exc, "allowed", None)
        )
        why += f"; expected {expected}" if expected else ""
    where = f"line {line}, column {column}" if "\n" in expression else f"column {column}"
    return CESQL_PARSE.error(f"{where}: {why}", line=line, column=column, expression=expression)


_TERMINAL_WORDS = {
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "STRING": "a quoted string",
    "INT": "an integer",
    "NAME": "an attribute or function name",
    "LOGIC_OP": "AND/OR/XOR",
    "CMP_OP": "a comparison",
    "ADD_OP": "+ or -",
    "MUL_OP": "*, / or %",
    "MINUS": "'-'",
    "PLUS": "'+'",
    "NOT": "NOT",
    "LIKE": "LIKE",
    "IN": "IN",
    "EXISTS": "EXISTS",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
}


def _describe_expected(names: Iterable[object] | None) -> str:
    if not names:
        return ""
    words = sorted({_TERMINAL_WORDS.get(str(n), str(n)) for n in names if str(n) != "$END"})
    return ", ".join(words[:8]) + (" …" if len(words) > 8 else "")


def _fail(column: int, why: str) -> NotifyError:
    return CESQL_PARSE.error(f"column {column}: {why}", column=column)


def _unquote(text: str) -> str:
    """Only the delimiting quote is unescaped; other backslashes stay for LIKE's escapes."""
    quote, body = text[0], text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if (ch == "\\" and i + 1 < len(body) and body[i + 1] == quote) or ch == quote:
            out.append(quote)
            i += 2
        elif ch == "\\" and i + 1 < len(body):
            out.append(body[i : i + 2])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _checked_int(column: int, number: int) -> Literal:
    if not INT_MIN <= number <= INT_MAX:
        raise _fail(column, f"integer literal {number} is outside the 32-bit range")
    return Literal(number)


@v_args(inline=True)
class _ToNodes(Transformer_NonRecursive[Token, Node]):
    def binary(self, left: Node, op: Token, right: Node) -> Node:
        symbol = str(op).upper()
        return Binary(symbol, left, right)

    def like(self, operand: Node, negation: Token | None, _like: Token, pattern: Token) -> Node:
        return Like(operand, _unquote(str(pattern)), negation is not None)

    def in_(self, operand: Node, negation: Token | None, _in: Token, *items: Node) -> Node:
        return In(operand, items, negation is not None)

    def not_(self, _token: Token, operand: Node) -> Node:
        return Not(operand)

    def negate(self, _token: Token, operand: Node) -> Node:
        # Fold literals so that -2147483648 is valid although 2147483648 is not.
        if isinstance(operand, _RawInt):
            return _checked_int(operand.column, -int(operand.value))
        if isinstance(operand, Literal) and type(operand.value) is int and operand.value != INT_MIN:
            return Literal(-int(operand.value))
        return Negate(operand)

    def plus_int(self, _plus: Token, token: Token) -> Node:
        return _checked_int(token.column or 1, _integer(token))

    def integer(self, token: Token) -> Node:
        number = _integer(token)
        return Literal(number) if number <= INT_MAX else _RawInt(number, token.column or 1)

    def string(self, token: Token) -> Node:
        return Literal(_unquote(str(token)))

    def true(self, _token: Token) -> Node:
        return Literal(True)

    def false(self, _token: Token) -> Node:
        return Literal(False)

    def exists(self, _token: Token, name: Token) -> Node:
        return Exists(_attribute_name(name))

    def attribute(self, name: Token) -> Node:
        return Attribute(_attribute_name(name))

    def call(self, name: Token, *args: Node | None) -> Node:
        arguments = tuple(a for a in args if a is not None)
        function = functions.lookup(str(name).upper(), len(arguments))
        return Call(str(name).upper(), arguments, function.result if function else "bool")


def _integer(token: Token) -> int:
    """An integer literal's value; too many digits for 32 bits even under a minus sign
    is refused before `int()`, which cannot read more than 4,300 digits."""
    if len(str(token).lstrip("0")) > len(str(INT_MAX)):
        raise _fail(
            token.column or 1, f"integer literal {str(token)[:20]}... is outside the 32-bit range"
        )
    return int(token)


def _attribute_name(token: Token) -> str:
    # CloudEvents attribute names are lower case; the TCK expects EXISTS SOURCE to work.
    if "_" in token:
        raise _fail(
            token.column or 1, f"{str(token)!r} is not an attribute name (only letters and digits)"
        )
    return str(token).lower()


@dataclass(frozen=True)
class _RawInt(Literal):
    """An integer literal too large for 32 bits, valid only under a minus sign."""

    column: int = 0


def _reject_raw_ints(node: Node) -> Node:
    if isinstance(node, _RawInt):
        raise _fail(node.column, f"integer literal {node.value} is outside the 32-bit range")
    for child in children(node):
        _reject_raw_ints(child)
    return node
