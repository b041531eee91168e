"""One parse of each stylesheet per test process, shared by every app the tests start.

Textual parses an app's CSS (its own `.tcss` files and every widget's DEFAULT_CSS) into
rule sets once per app, and keeps them in that app's stylesheet. The suite starts some
three hundred apps per run with the same CSS: parsing it again for each was about 30 ms of
an app's 0.3 s of start-up CPU. A parse depends only on the text, where it was read from,
its scope and priority, and the variables substituted into it (the theme), so rule sets
parsed once are reused under exactly that key. Textual only reads them after the parse.
A parse that fails is not kept: each app reports its own error.
"""

from __future__ import annotations

from typing import Any

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

_PARSED: dict[tuple[Any, ...], list[RuleSet]] = {}
_parse_rules = Stylesheet._parse_rules


def _shared_parse_rules(
    self: Stylesheet,
    css: str,
    read_from: Any,
    is_default_rules: bool = False,
    tie_breaker: int = 0,
    scope: str = "",
) -> list[RuleSet]:
    key = (css, read_from, is_default_rules, tie_breaker, scope, _variables_key(self))
    rules = _PARSED.get(key)
    if rules is None:
        rules = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        _PARSED[key] = rules
    return rules


def _variables_key(stylesheet: Stylesheet) -> tuple[tuple[str, str], ...]:
    """The theme's variables as a key, worked out again only when the theme changes
    (Textual replaces the dictionary then)."""
    variables = stylesheet._variables
    known: tuple[object, tuple[tuple[str, str], ...]] | None
    known = getattr(stylesheet, "_shared_variables_key", None)
    if known is None or known[0] is not variables:
        known = (variables, tuple(sorted(variables.items())))
        stylesheet._shared_variables_key = known  # type: ignore[attr-defined]
    return known[1]


def share_parsed_css() -> None:
    """From now on, apps in this process reuse each other's parsed CSS."""
    Stylesheet._parse_rules = _shared_parse_rules  # type: ignore[method-assign]
