"""What is failing inside a running hub, for `/healthz`, the log and `/metrics`.

A part (the writer, the checkpoint loop, the publisher) reports each failure and each
success; a probe reports a part that is stuck rather than failing (a commit that does not
return), checked when `/healthz` is asked. The first failure of a run of failures is logged with its traceback; repeats are
only counted, so a loop failing every second does not flood the log. The part is listed
as failing until it next succeeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from notifycenter.catalogue import runtime as codes
from notifycenter.model.errors import ErrorSpec
from notifycenter.model.wire import Degraded, FailingPart

log = logging.getLogger("notifycenter.hub")


@dataclass
class Fault:
    """One failing part: its catalogued error, the latest detail, since when, how often."""

    part: str
    spec: ErrorSpec
    detail: str
    since: float
    failures: int = 1

    def to_dict(self) -> FailingPart:
        return {
            "part": self.part,
            "code": self.spec.code,
            "shortDescription": self.spec.short,
            "detail": self.detail,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since)),
            "failures": self.failures,
        }


class HealthBoard:
    """The hub's failing parts. `on_failure(part)` is called for every failure (metrics)."""

    def __init__(self) -> None:
        self.faults: dict[str, Fault] = {}
        self.on_failure: Callable[[str], None] | None = None
        # Each returns (part, spec, detail) while its part is stuck, else None.
        self.probes: list[Callable[[], tuple[str, ErrorSpec, str] | None]] = []

    def failed(self, part: str, spec: ErrorSpec, exc: BaseException) -> None:
        """Record a failure; log the traceback only when the part was healthy until now."""
        detail = f"{type(exc).__name__}: {exc}"
        fault = self.faults.get(part)
        if fault is None:
            self.faults[part] = Fault(part, spec, detail, time.time())
            log.error("%s: %s: %s", spec.code, spec.short, detail, exc_info=exc)
        else:
            fault.failures += 1
            fault.detail = detail
        if self.on_failure is not None:
            self.on_failure(part)

    def stopped(self, part: str, spec: ErrorSpec, detail: str) -> None:
        """A part that cannot recover by itself (no exception to show)."""
        if part not in self.faults:
            self.faults[part] = Fault(part, spec, detail, time.time())
            log.error("%s: %s: %s", spec.code, spec.short, detail)

    def recovered(self, part: str) -> None:
        fault = self.faults.pop(part, None)
        if fault is not None:
            log.warning(
                "%s recovered after %d failure(s) (%s)", part, fault.failures, fault.spec.code
            )

    def current(self) -> dict[str, Fault]:
        """The failing parts now: recorded faults and what the probes find stuck."""
        faults = dict(self.faults)
        for probe in self.probes:
            stuck = probe()
            if stuck is not None and stuck[0] not in faults:
                part, spec, detail = stuck
                faults[part] = Fault(part, spec, detail, time.time())
        return faults

    @property
    def ok(self) -> bool:
        return not self.current()

    def report(self, last_cursor: str) -> Degraded:
        """The body of a degraded `/healthz`: the catalogued error plus each failing part."""
        faults = self.current()
        error = codes.HUB_DEGRADED.error(", ".join(sorted(faults)) + " failing").to_dict()
        return Degraded(
            **error,
            status="degraded",
            last_cursor=last_cursor,
            failing=[faults[p].to_dict() for p in sorted(faults)],
        )
