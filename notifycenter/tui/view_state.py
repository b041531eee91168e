"""What the list shows: the bucket, the errors-only switch and the filters, as one query.

The `/` box takes quick tokens, `:filter` takes CESQL; both can be active at once and
the filter bar shows their CESQL so the operator learns the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from notifycenter.catalogue.tui import INVALID_FILTER
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import Filter, QuickFilter, compile_cesql, quick_filter
from notifycenter.model.severity import Bucket

CESQL_HINTS = re.compile(r"[=<>()'\"]|\b(AND|OR|NOT|LIKE|EXISTS|IN)\b")


@dataclass(frozen=True)
class ViewState:
    bucket: Bucket | None = None
    errors_only: bool = False
    quick_text: str = ""
    quick: QuickFilter | None = None
    cesql: Filter | None = None
    operation: str | None = None  # span id: that operation's events (and its children's)
    operation_name: str = ""

    def with_quick(self, text: str) -> "ViewState":
        """Raises the catalogued invalid-filter error; the old state stays in effect."""
        text = text.strip()
        return replace(self, quick_text=text, quick=_compile(quick_filter, text) if text else None)

    def with_cesql(self, expression: str) -> "ViewState":
        expression = expression.strip()
        return replace(self, cesql=_compile(compile_cesql, expression) if expression else None)

    def with_initial(self, text: str) -> "ViewState":
        """`--filter`: CESQL when it reads as CESQL, else quick tokens."""
        try:
            quick = quick_filter(text)
        except NotifyError:
            quick = None
        if quick is not None and (quick.cesql or quick.status or not CESQL_HINTS.search(text)):
            return self.with_quick(text)
        return self.with_cesql(text)

    def cleared(self) -> "ViewState":
        return ViewState()

    def predicate(self) -> Any:
        """One callable for the store: every active compiled filter must match."""
        filters = [f for f in (self.quick.filter if self.quick else None, self.cesql) if f is not None]
        if not filters:
            return None
        if len(filters) == 1:
            return filters[0].matches
        return lambda event: all(f.matches(event) for f in filters)

    def query(self) -> Any:
        from notifycenter.store import ViewQuery

        return ViewQuery(
            bucket=self.bucket,
            status=self.quick.status if self.quick else None,
            unacked_errors_only=self.errors_only,
            text=self.quick.text if self.quick and self.quick.text else None,
            predicate=self.predicate(),
            operation=self.operation,
        )

    def describe(self) -> str:
        """The filter bar's text; empty when everything is shown."""
        parts = []
        if self.operation:
            parts.append(f"operation {self.operation_name or self.operation}")
        if self.errors_only:
            parts.append("unacknowledged errors only")
        if self.quick is not None:
            parts.append(f"/{self.quick_text}")
            if self.quick.cesql:
                parts.append(f"CESQL: {self.quick.cesql}")
            if self.quick.status:
                parts.append(f"status: {self.quick.status}")
        if self.cesql is not None:
            parts.append(f":filter {self.cesql.expression}")
        return "  ·  ".join(parts)


def _compile(compiler: Any, text: str) -> Any:
    try:
        return compiler(text)
    except NotifyError as error:
        detail = " ".join(error.short_description + error.long_description)
        raise INVALID_FILTER.error(f"{text!r}: {error.code} {detail}") from None

