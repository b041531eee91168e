"""What the list shows: the bucket, the errors-only switch and the filters, as one query.

The `/` box takes quick tokens, `:filter` takes CESQL; both can be active at once and
the filter bar shows their CESQL so the operator learns the language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from notifycenter.catalogue.tui import INVALID_FILTER
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import span_ids
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import Bucket, Severity

if TYPE_CHECKING:
    from notifycenter.model.filters import Filter, QuickFilter
    from notifycenter.store import ViewQuery

Predicate = Callable[[Mapping[str, Any]], bool]  # over an event's JSON form
Compiled = TypeVar("Compiled")

CESQL_HINTS = re.compile(r"[=<>()'\"]|\b(AND|OR|NOT|LIKE|EXISTS|IN)\b")
# A word shaped like a quick token (`sev>=bogus`, `status:nope`): the text is quick tokens.
QUICK_TOKEN = re.compile(
    r"-?(sev|severity|src|source|type|status|owner)(>=|<=|!=|==|>|<|=|:)\w\S*", re.IGNORECASE
)


@dataclass(frozen=True)
class ViewState:
    bucket: Bucket | None = None
    errors_only: bool = False
    problems_only: bool = False  # ctrl+z: errors and warnings only (WARNING and above)
    quick_text: str = ""
    quick: QuickFilter | None = None
    cesql: Filter | None = None
    operation: str | None = None  # span id: that operation's events (and its children's)
    operation_name: str = ""
    operation_spans: frozenset[str] = frozenset()  # the operation and its sub-operations

    def with_quick(self, text: str) -> ViewState:
        """Raises the catalogued invalid-filter error; the old state stays in effect."""
        from notifycenter.model.filters import quick_filter  # the parser: not at start

        text = text.strip()
        return replace(self, quick_text=text, quick=_compile(quick_filter, text) if text else None)

    def with_cesql(self, expression: str) -> ViewState:
        from notifycenter.model.filters import compile_cesql  # the parser: not at start

        expression = expression.strip()
        return replace(self, cesql=_compile(compile_cesql, expression) if expression else None)

    def with_initial(self, text: str) -> ViewState:
        """`--filter`: quick tokens when a word is shaped like one or nothing reads as CESQL,
        else CESQL; either way a bad filter raises what `/` or `:filter` would."""
        if any(QUICK_TOKEN.fullmatch(word) for word in text.split()) or not CESQL_HINTS.search(
            text
        ):
            return self.with_quick(text)
        return self.with_cesql(text)

    def cleared(self) -> ViewState:
        return ViewState()

    def predicate(self) -> Predicate | None:
        """One callable for the store: every active compiled filter must match."""
        checks: list[Predicate] = [
            f.matches
            for f in (self.quick.filter if self.quick else None, self.cesql)
            if f is not None
        ]
        if self.operation_spans:
            checks.append(_in_spans(self.operation_spans))
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda event: all(check(event) for check in checks)

    def query(self) -> ViewQuery:
        from notifycenter.store import ViewQuery

        return ViewQuery(
            bucket=self.bucket,
            status=self.quick.status if self.quick else None,
            unacked_errors_only=self.errors_only,
            min_severity=Severity.WARNING if self.problems_only else None,
            text=self.quick.text if self.quick and self.quick.text else None,
            predicate=self.predicate(),
            operation=None if self.operation_spans else self.operation,
            owner=self.quick.owner if self.quick else None,
            silenced=self.quick.silenced if self.quick else None,
        )

    def describe(self, explain: bool = True) -> str:
        """The filter bar's text; empty when everything is shown. Without `explain`, the
        CESQL the quick tokens compile to is left out (the tokens themselves stay)."""
        parts = [f"bucket {self.bucket.value}"] if self.bucket is not None else []
        if self.operation:
            # Both come from the hub's answer: inert text, like every event's.
            parts.append(f"operation {sanitize_line(self.operation_name or self.operation, 120)}")
        if self.errors_only:
            parts.append("unacknowledged errors only")
        if self.problems_only:
            parts.append("errors and warnings")
        if self.quick is not None:
            parts.append(f"/{self.quick_text}")
            if self.quick.cesql and explain:
                parts.append(f"CESQL: {self.quick.cesql}")
            if self.quick.status:
                parts.append(f"status: {self.quick.status}")
            if self.quick.owner:
                parts.append(f"owner: {self.quick.owner}")
            if self.quick.silenced is not None:
                parts.append("silenced" if self.quick.silenced else "not silenced")
        if self.cesql is not None:
            parts.append(f":filter {self.cesql.expression}")
        return "  ·  ".join(parts)


def _compile(compiler: Callable[[str], Compiled], text: str) -> Compiled:
    try:
        return compiler(text)
    except NotifyError as error:
        detail = " ".join(error.short_description + error.long_description)
        raise INVALID_FILTER.error(f"{text!r}: {error.code} {detail}") from None


def _in_spans(spans: frozenset[str]) -> Predicate:
    def matches(event: Mapping[str, Any]) -> bool:
        ids = span_ids(event)
        return ids is not None and ids[1] in spans

    return matches


def subtree_ids(operation: object) -> list[str]:
    """The span ids of an operation (as `GET /api/operations/{id}` answers) and of every
    sub-operation under it."""
    found, stack = [], [operation]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found.append(node["id"])
            children = node.get("children")
            stack.extend(children if isinstance(children, list) else [])
    return found


def fit_description(view: ViewState, room: int) -> str:
    """The filter bar's text in `room` characters: first without the quick tokens' CESQL,
    then with the middle elided, so that both ends of every filter stay readable."""
    text = view.describe()
    if len(text) <= room:
        return text
    text = view.describe(explain=False)
    if len(text) <= room:
        return text
    half = max(room - 1, 2) // 2
    return f"{text[:half]}…{text[len(text) - half :]}"
