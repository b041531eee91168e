"""Event filters: CESQL v1, the Subscriptions API filter dialects, and the TUI's quick filter.

    compile_cesql("severitynumber >= 17 AND source LIKE 'urn:meshery:adapter:%'")
    compile_subscription_filters([{"prefix": {"type": "io.meshery."}}, {"sql": "..."}])
    quick_filter("sev>=warning src:istio timeout")

Each gives a `Filter` with `matches(event)`, `evaluate(event)`, `expression` and
`to_sql(columns)`. See docs/filters.md.
"""

from notifycenter.model.filters.dialects import compile_subscription_filters
from notifycenter.model.filters.filter import Filter, compile_cesql
from notifycenter.model.filters.quick import QuickFilter, quick_filter
from notifycenter.model.filters.sql import SqlPushdown
from notifycenter.model.filters.values import CesqlError

__all__ = [
    "CesqlError",
    "Filter",
    "QuickFilter",
    "SqlPushdown",
    "compile_cesql",
    "compile_subscription_filters",
    "quick_filter",
]
