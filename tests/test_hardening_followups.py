"""Follow-ups of the hardening work: operation numbers, plug-in route authorisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifycenter.model.lifecycle import format_time
from notifycenter.model.operations import Phase, fold_events, operation_view

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
OP = "00f067aa0ba902b7"


def _op_event(phase: str, at: float, operation: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"e-{phase}-{at}",
        "source": "urn:x",
        "type": f"io.meshery.operation.{phase}",
        "time": format_time(T0 + timedelta(seconds=at)),
        "data": {"summary": phase, "operation": {"id": OP, "name": "op", **operation}},
    }


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "Infinity", float("inf"), 10**400])
def test_operation_done_and_total_ignore_non_finite_numbers(bad: object) -> None:
    index = fold_events(
        [
            _op_event(Phase.STARTED.value, 0, {"total": 4}),
            _op_event(Phase.PROGRESS.value, 5, {"done": 1}),
            _op_event(Phase.PROGRESS.value, 9, {"done": bad, "total": bad}),
        ]
    )
    record = index.get(OP)
    assert record is not None
    view = operation_view(record, T0 + timedelta(seconds=10))
    assert (view["done"], view["total"]) == (1, 4)
    assert view["progress"] == 0.25
