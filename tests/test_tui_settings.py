"""The [tui] table is validated strictly; bad values name the key and what is allowed."""

from __future__ import annotations

import pytest

from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Severity
from notifycenter.tui.settings import check_keymap, parse_tui_settings


def test_defaults_when_absent():
    settings = parse_tui_settings(None)
    assert settings.keymap == {} and settings.theme is None
    assert (
        settings.policy.min_severity is Severity.NOTICE and settings.policy.bell is Severity.ALERT
    )


def test_full_table():
    settings = parse_tui_settings(
        {
            "theme": "textual-light",
            "bell": False,
            "keymap": {"lifecycle.ack": "K", "app.quit": ["q", "ctrl+q"]},
            "notifications": {
                "min-severity": "warn",
                "mute": ["urn:x"],
                "max-toasts": 5,
                "window": 2,
                "operations": False,
                "sources": {"urn:meshery:adapter:istio": "off", "urn:y": "crit"},
            },
        }
    )
    assert settings.keymap == {"lifecycle.ack": "K", "app.quit": "q,ctrl+q"}
    policy = settings.policy
    assert (
        policy.bell is None
        and policy.min_severity is Severity.WARNING
        and policy.mute == ("urn:x",)
    )
    assert policy.sources == {"urn:meshery:adapter:istio": None, "urn:y": Severity.CRITICAL}
    assert (policy.max_toasts, policy.window_seconds, policy.operations) == (5, 2.0, False)


@pytest.mark.parametrize(
    "raw, words",
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"bell": "loud"}, "tui.bell"),
        ({"notifications": {"min-severity": 3}}, "min-severity"),
        ({"notifications": {"max-toasts": 0}}, "max-toasts"),
        ({"notifications": {"window": -1}}, "window"),
        ({"notifications": {"mute": "urn:x"}}, "mute"),
        ({"notifications": {"popups": True}}, "unknown key 'popups'"),
        ({"keymap": {"lifecycle.ack": "a b"}}, "tui.keymap.lifecycle.ack"),
        ({"keymap": "a"}, "tui.keymap must be a table"),
    ],
)
def test_invalid_values_fail_with_the_key(raw, words):
    with pytest.raises(NotifyError) as caught:
        parse_tui_settings(raw)
    assert caught.value.code == "notifycenter-1500"
    assert words in caught.value.message


def test_keymap_ids_must_exist():
    check_keymap({"lifecycle.ack": "K"}, ["lifecycle.ack", "app.quit"])
    with pytest.raises(NotifyError, match=r"lifecycle\.acknowledge"):
        check_keymap({"lifecycle.acknowledge": "K"}, ["lifecycle.ack"])
