import pytest

from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import (
    Bucket,
    Severity,
    bucket_of,
    is_managed,
    parse_severity,
    severity_from_number,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("EMERGENCY", Severity.EMERGENCY),
        ("emerg", Severity.EMERGENCY),
        ("Panic", Severity.EMERGENCY),
        ("alert", Severity.ALERT),
        ("CRIT", Severity.CRITICAL),
        ("fatal", Severity.CRITICAL),
        ("Err", Severity.ERROR),
        ("error", Severity.ERROR),
        ("WARN", Severity.WARNING),
        ("warning", Severity.WARNING),
        ("notice", Severity.NOTICE),
        ("Informational", Severity.INFO),
        ("info", Severity.INFO),
        ("debug", Severity.DEBUG),
        ("success", Severity.SUCCESS),
        (" ERROR ", Severity.ERROR),
    ],
)
def test_every_spelling_parses(text, expected):
    assert parse_severity(text) is expected


@pytest.mark.parametrize("text", ["bogus", "", "errors", "7"])
def test_unknown_severity_is_an_error_not_info(text):
    with pytest.raises(NotifyError) as caught:
        parse_severity(text)
    assert caught.value.code == "notifycenter-1004"


def test_numbers_follow_opentelemetry():
    assert [int(s) for s in Severity] == [5, 9, 10, 11, 13, 17, 18, 19, 21]
    assert severity_from_number(17) is Severity.ERROR
    assert severity_from_number("13") is Severity.WARNING  # binary mode yields strings
    assert severity_from_number(14) is Severity.WARNING
    assert severity_from_number(1) is Severity.DEBUG
    assert severity_from_number(24) is Severity.EMERGENCY
    for bad in (0, 25, "x", 1.5, True, None):
        with pytest.raises(NotifyError):
            severity_from_number(bad)


def test_buckets():
    assert bucket_of(Severity.EMERGENCY) is Bucket.ERRORS
    assert bucket_of(Severity.ERROR) is Bucket.ERRORS
    assert bucket_of(Severity.WARNING) is Bucket.WARNINGS
    assert bucket_of(Severity.SUCCESS) is Bucket.INFOS
    assert bucket_of(Severity.NOTICE) is Bucket.INFOS
    assert bucket_of(Severity.DEBUG) is Bucket.AUDIT
    assert bucket_of(Severity.ERROR, "audit") is Bucket.AUDIT
    assert not is_managed(Bucket.AUDIT) and is_managed(Bucket.ERRORS)
