"""A refused protocolsettings names the probable causes of the subscription's own protocol."""

from __future__ import annotations

from typing import Any

import pytest

from tests import httpclient


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (
            {
                "protocol": "ntfy",
                "sink": "https://ntfy.example.com/alerts",
                "protocolsettings": {"priority": 5},
            },
            "ntfy:",
        ),
        (
            {
                "protocol": "slack",
                "sink": "https://chat.example.com/hooks/x",
                "protocolsettings": {"format": "cards"},
            },
            "slack:",
        ),
        (
            {
                "protocol": "smtp",
                "sink": "smtp://mail.example.com",
                "protocolsettings": {"to": "a@example.com"},
            },
            "smtp:",
        ),
    ],
)
def test_the_causes_of_a_refused_setting_name_its_protocol(
    hub: Any, body: dict[str, Any], cause: str
) -> None:
    refused = httpclient.post(f"{hub.url}/api/subscriptions", json=body, timeout=10)
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert error["code"] == "notifycenter-2003"
    assert any(c.startswith(cause) for c in error["probableCause"]), error["probableCause"]
