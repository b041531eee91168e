"""A source reads the same in a sink's message and in the event list: one rule, in model."""

from __future__ import annotations

import pytest

from notifycenter.model.names import short_source
from notifycenter.routing.sinks import render
from notifycenter.tui import rows


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("urn:meshery:adapter:istio", "istio/adapter"),
        ("urn:meshery:server:meshery:0a1b", "0a1b/meshery"),
        ("urn:x", "x"),
        ("https://alerts.example.com/api/v2/alerts", "alerts.example.com/alerts"),
        ("https://alerts.example.com", "alerts.example.com"),
        ("httpbin-canary", "httpbin-canary"),
    ],
)
def test_sinks_and_the_event_list_shorten_a_source_alike(source: str, shown: str) -> None:
    assert short_source(source) == shown
    assert render.short_source(source) == rows.short_source(source) == shown
