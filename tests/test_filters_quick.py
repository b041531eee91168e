"""The TUI's quick filter: severity, source, type and status tokens plus free text."""

from __future__ import annotations

import pytest

from notifycenter.catalogue.filters import INVALID_QUICK_FILTER
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import quick_filter


def event(
    severity: int,
    source: str = "urn:meshery:adapter:istio",
    type_: str = "io.meshery.provisioning.x",
) -> dict:
    return {
        "specversion": "1.0",
        "id": "1",
        "source": source,
        "type": type_,
        "severitynumber": severity,
    }


@pytest.mark.parametrize(
    ("text", "matching", "not_matching"),
    [
        ("sev>=warning", [13, 17, 21], [5, 9, 11]),
        ("sev>=WARN", [13], [11]),
        ("sev>error", [18, 19, 21], [17]),
        ("sev:error", [17], [13, 18]),
        ("severity=crit", [18], [17]),
        ("sev<=notice", [5, 9, 10], [11, 13]),
        ("sev<info", [5], [9]),
        ("sev!=debug", [9], [5]),
        ("sev>=fatal", [18, 21], [17]),
        ("sev:panic", [21], [19]),
        ("sev>=informational", [9, 10], [5]),
        ("sev:emerg", [21], [18]),
    ],
)
def test_severity_tokens(text: str, matching: list[int], not_matching: list[int]) -> None:
    quick = quick_filter(text)
    assert quick.filter is not None and quick.text == "" and quick.status is None
    assert all(quick.filter.matches(event(n)) for n in matching)
    assert not any(quick.filter.matches(event(n)) for n in not_matching)


def test_source_contains_and_type_prefix() -> None:
    quick = quick_filter("src:istio type:io.meshery.provisioning")
    assert quick.filter is not None
    assert quick.filter.matches(event(9))
    assert not quick.filter.matches(event(9, source="urn:meshery:adapter:linkerd"))
    assert not quick.filter.matches(event(9, type_="x.io.meshery.provisioning"))


def test_same_key_tokens_are_alternatives() -> None:
    quick = quick_filter("src:istio src:linkerd sev>=error")
    assert quick.filter is not None
    assert quick.filter.matches(event(17, source="urn:meshery:adapter:linkerd"))
    assert not quick.filter.matches(event(13, source="urn:meshery:adapter:linkerd"))
    assert not quick.filter.matches(event(17, source="urn:meshery:adapter:consul"))


def test_minus_negates_an_attribute_token() -> None:
    quick = quick_filter("-src:istio")
    assert quick.filter is not None
    assert not quick.filter.matches(event(9))
    assert quick.filter.matches(event(9, source="urn:meshery:server:x"))


def test_exclusions_all_apply() -> None:
    quick = quick_filter("-src:istio -src:linkerd")
    assert quick.filter is not None
    assert not quick.filter.matches(event(9))
    assert not quick.filter.matches(event(9, source="urn:meshery:adapter:linkerd"))
    assert quick.filter.matches(event(9, source="urn:meshery:adapter:consul"))


def test_wildcards_in_tokens_are_literal() -> None:
    quick = quick_filter("src:a_b")
    assert quick.filter is not None
    assert quick.filter.matches(event(9, source="x:a_b:y")) and not quick.filter.matches(
        event(9, source="axb")
    )


def test_status_and_free_text_are_left_to_the_caller() -> None:
    quick = quick_filter('status:UNACKED disk "is full" sev>=err')
    assert (quick.status, quick.text) == ("unacked", "disk is full")
    assert quick.cesql == "severitynumber >= 17"


def test_only_free_text() -> None:
    quick = quick_filter("  connection refused: retry ")
    assert (quick.cesql, quick.filter, quick.status, quick.text) == (
        "",
        None,
        None,
        "connection refused: retry",
    )


def test_half_typed_input_is_not_an_error() -> None:
    assert quick_filter('sev>=error "disk').text == '"disk'
    assert quick_filter("sev:").text == "sev:"


@pytest.mark.parametrize("text", ["sev>=bogus", "status:later", "src>istio"])
def test_bad_tokens_raise_catalogued_errors(text: str) -> None:
    with pytest.raises(NotifyError) as raised:
        quick_filter(text)
    assert raised.value.code == INVALID_QUICK_FILTER.code
