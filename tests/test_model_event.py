import pytest

from notifycenter.model.errors import NotifyError
from notifycenter.model.event import bucket_of_event, describe, span_ids, validate_event


def event(**over):
    base = {
        "specversion": "1.0",
        "id": "e1",
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.x",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def code_of(raw):
    with pytest.raises(NotifyError) as caught:
        validate_event(raw)
    return caught.value.code


@pytest.mark.parametrize("name", ["id", "source", "type"])
def test_required_attributes(name):
    assert code_of(event(**{name: ...})) == "notifycenter-1001"
    assert code_of(event(**{name: ""})) == "notifycenter-1001"


def test_specversion_must_be_exactly_1_0():
    assert code_of(event(specversion="2.0")) == "notifycenter-1002"
    assert code_of(event(specversion=...)) == "notifycenter-1002"
    assert code_of(event(specversion=1.0)) == "notifycenter-1002"


@pytest.mark.parametrize("name", ["trace-id", "traceId", "Severity", "a_b", ""])
def test_extension_names_are_lowercase_alphanumeric(name):
    assert code_of(event(**{name: "x"})) == "notifycenter-1003"


def test_attribute_values_are_scalars():
    assert code_of(event(subject={"a": 1})) == "notifycenter-1001"
    assert code_of(event(comexampleext=[1])) == "notifycenter-1001"


def test_time_and_traceparent_formats():
    assert validate_event(event(time="2026-11-28T09:00:00Z"))["time"] == "2026-11-28T09:00:00Z"
    assert validate_event(event(time="2026-11-28T09:00:00.123+02:00"))
    assert code_of(event(time="28/11/2026")) == "notifycenter-1005"
    assert code_of(event(time="2026-13-40T09:00:00Z")) == "notifycenter-1005"
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert span_ids(validate_event(event(traceparent=good))) == (
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
    )
    for bad in ["00-abc-def-01", "00-" + "0" * 32 + "-00f067aa0ba902b7-01", good.upper()]:
        assert code_of(event(traceparent=bad)) == "notifycenter-1006"


def test_severity_is_normalised_and_text_wins():
    assert validate_event(event())["severitytext"] == "INFO"
    normalised = validate_event(event(severitytext="warn"))
    assert (normalised["severitytext"], normalised["severitynumber"]) == ("WARNING", 13)
    both = validate_event(event(severitytext="crit", severitynumber=9))
    assert (both["severitytext"], both["severitynumber"]) == ("CRITICAL", 18)
    from_number = validate_event(event(severitynumber="17"))
    assert (from_number["severitytext"], from_number["severitynumber"]) == ("ERROR", 17)
    assert code_of(event(severitytext="loud")) == "notifycenter-1004"
    assert code_of(event(severitynumber="high")) == "notifycenter-1004"


def test_producer_cursor_is_dropped_and_input_untouched():
    raw = event(cursor="999", subject=None)
    out = validate_event(raw)
    assert "cursor" not in out and "subject" not in out
    assert raw["cursor"] == "999"


CANONICAL = {
    "code": "meshery-istio-1002",
    "probableCause": ["istioctl is not installed"],
    "suggestedRemediation": ["Install istioctl", "Add its folder to PATH"],
}


@pytest.mark.parametrize(
    "data",
    [
        {"error": dict(CANONICAL)},
        {
            "errorCode": "meshery-istio-1002",
            "ProbableCause": "istioctl is not installed",
            "SuggestedRemediation": ["Install istioctl", "Add its folder to PATH"],
        },
        {
            "Code": "meshery-istio-1002",
            "ProbableCause": ["istioctl is not installed"],
            "SuggestedRemediation": ["Install istioctl", "Add its folder to PATH"],
        },
        {
            "metadata": {
                "error": {
                    "Code": "meshery-istio-1002",
                    "ProbableCause": ["istioctl is not installed"],
                    "SuggestedRemediation": ["Install istioctl", "Add its folder to PATH"],
                }
            }
        },
    ],
    ids=["canonical", "seed", "meshkit", "meshery-metadata"],
)
def test_error_payload_shapes_normalise_to_one(data):
    out = validate_event(event(data={"summary": "Could not provision Istio", **data}))
    assert out["data"]["error"] == CANONICAL
    text = describe(out)
    assert text.summary == "Could not provision Istio"
    assert text.code == "meshery-istio-1002"
    assert text.remedies == ("Install istioctl", "Add its folder to PATH")


def test_bad_error_payload_is_rejected():
    assert code_of(event(data={"error": {"code": {"nested": 1}}})) == "notifycenter-1010"
    assert code_of(event(data={"error": {"probableCause": [1, 2]}})) == "notifycenter-1010"


def test_describe_falls_back_sensibly():
    assert describe(validate_event(event(subject="design-1"))).summary == "design-1"
    assert describe(validate_event(event())).summary == "io.meshery.x"
    meshkit = validate_event(
        event(data={"error": {"ShortDescription": "short", "LongDescription": ["long"]}})
    )
    assert (describe(meshkit).summary, describe(meshkit).details) == ("short", "long")


def test_audit_bucket():
    assert bucket_of_event(validate_event(event(category="audit", severitytext="error"))) == "audit"
    assert bucket_of_event(validate_event(event(severitytext="alert"))) == "errors"
