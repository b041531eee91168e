"""Building events the short way, and error events from exceptions."""

from __future__ import annotations

import pytest

from notifycenter.catalogue.client import HUB_UNREACHABLE
from notifycenter.client.builder import build_event, error_event
from notifycenter.model.errors import NotifyError
from notifycenter.model.tracecontext import TraceParent, current_traceparent


def test_shortcuts_fill_the_payload_and_the_required_attributes() -> None:
    event = build_event(
        type="io.meshery.provisioning",
        source="urn:meshery:adapter:istio",
        severity="crit",
        summary="Could not provision Istio",
        details="istioctl exited 1",
        code="meshery-istio-1002",
        causes="istioctl is missing",
        remedies=["Install istioctl", "Add it to PATH"],
        data={"metadata": {"cluster": "prod-eu"}},
        category="system",
        correlationid="req-1",
    )
    assert event["specversion"] == "1.0" and event["id"] and event["time"].endswith("Z")
    assert (event["severitytext"], event["severitynumber"]) == ("CRITICAL", 18)
    assert event["data"] == {
        "metadata": {"cluster": "prod-eu"},
        "summary": "Could not provision Istio",
        "details": "istioctl exited 1",
        "error": {
            "code": "meshery-istio-1002",
            "probableCause": ["istioctl is missing"],
            "suggestedRemediation": ["Install istioctl", "Add it to PATH"],
        },
    }
    assert (event["category"], event["correlationid"]) == ("system", "req-1")


def test_each_event_gets_its_own_id() -> None:
    first, second = (build_event(type="t", source="s") for _ in range(2))
    assert first["id"] != second["id"]


def test_a_given_mapping_is_kept_and_not_modified() -> None:
    base = {"type": "t", "source": "s", "id": "fixed", "severitytext": "INFO", "severitynumber": 9}
    event = build_event(base, severity="error")
    assert event["id"] == "fixed" and event["severitytext"] == "ERROR"
    assert base["severitytext"] == "INFO"


def test_an_invalid_event_raises_a_catalogued_error() -> None:
    with pytest.raises(NotifyError) as caught:
        build_event(type="t", source="s", severity="loud")
    assert caught.value.code == "notifycenter-1004"
    with pytest.raises(NotifyError) as caught:
        build_event(type="t", source="s", summary="x" * 70_000)
    assert caught.value.code == "notifycenter-1009"


def test_traceparent_of_the_current_operation_is_attached() -> None:
    parent = str(TraceParent.new_root())
    token = current_traceparent.set(parent)
    try:
        assert build_event(type="t", source="s")["traceparent"] == parent
        own = str(TraceParent.new_root())
        assert build_event(type="t", source="s", traceparent=own)["traceparent"] == own
    finally:
        current_traceparent.reset(token)
    assert "traceparent" not in build_event(type="t", source="s")


def test_error_event_keeps_code_causes_and_remedies() -> None:
    event = error_event(
        HUB_UNREACHABLE.error("http://hub:9181: refused"), source="urn:meshery:server"
    )
    error = event["data"]["error"]
    assert event["type"] == "io.meshery.error" and event["severitytext"] == "ERROR"
    assert error["code"] == "notifycenter-1207"
    assert error["probableCause"] == list(HUB_UNREACHABLE.causes)
    assert error["suggestedRemediation"] == list(HUB_UNREACHABLE.remedies)
    assert event["data"]["summary"] == HUB_UNREACHABLE.short
    assert event["data"]["details"] == "http://hub:9181: refused"


def test_error_event_from_a_plain_exception_carries_the_traceback() -> None:
    try:
        raise ValueError("disk quota exceeded")
    except ValueError as exc:
        event = error_event(exc, source="s", type="io.meshery.backup", severity="alert")
    assert event["severitytext"] == "ALERT" and event["type"] == "io.meshery.backup"
    assert event["data"]["summary"] == "disk quota exceeded"
    assert "Traceback" in event["data"]["details"] and "ValueError" in event["data"]["details"]
