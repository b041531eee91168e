"""W3C trace context for operations (docs/operations.md): the trace id is the root operation,
the span id the operation that emitted an event.

`current_traceparent` is a ContextVar so that every event emitted inside an operation's
block, in this thread or task, carries the operation's traceparent without the caller
passing it around.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

_FORMAT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

current_traceparent: ContextVar[str | None] = ContextVar("notifycenter_traceparent", default=None)


@dataclass(frozen=True)
class TraceParent:
    trace_id: str
    span_id: str
    flags: str = "01"

    @classmethod
    def new_root(cls) -> TraceParent:
        return cls(secrets.token_hex(16), secrets.token_hex(8))

    @classmethod
    def parse(cls, text: str) -> TraceParent | None:
        match = _FORMAT.fullmatch(text or "")
        return cls(match[1], match[2], match[3]) if match else None

    def child(self) -> TraceParent:
        """A sub-operation: same trace, a span of its own."""
        return TraceParent(self.trace_id, secrets.token_hex(8), self.flags)

    def __str__(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"
