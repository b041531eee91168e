"""`notifycenter subscriptions create|list|show|delete|test` against a real hub and receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.clirun import notifycenter
from tests.waiting import wait_until
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def test_create_list_show_test_delete(hub, receiver, tmp_path):
    token = tmp_path / "sink.token"
    token.write_text("tok-123\n")
    made = notifycenter(
        "subscriptions", "create", "--server", hub.url, "--sink", receiver.url,
        "--type", "io.x.failed", "--filter", '{"prefix": {"source": "urn:"}}',
        "--config", "ratelimit=30", "--config", "lifecycle=true",
        "--setting", "mode=structured", "--sink-token-file", str(token), "-o", "json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    ident = created["id"]
    assert created["config"]["ratelimit"] == 30 and created["config"]["lifecycle"] is True
    assert created["protocolsettings"] == {"mode": "structured"}
    assert "tok-123" not in made.stdout

    listed = notifycenter("subscriptions", "list", "--server", hub.url)
    assert listed.returncode == 0, listed.stderr
    assert ident in listed.stdout and "active" in listed.stdout

    shown = notifycenter("subscriptions", "show", ident, "--server", hub.url)
    assert "credential:" in shown.stdout and "ACCESSTOKEN" in shown.stdout
    assert "tok-123" not in shown.stdout

    tested = notifycenter("subscriptions", "test", ident, "--server", hub.url)
    assert tested.returncode == 0, tested.stderr
    assert "Delivered a test notification" in tested.stdout
    assert receiver.received[0].headers["authorization"] == "Bearer tok-123"

    receiver.status = 500
    failed = notifycenter("subscriptions", "test", ident, "--server", hub.url)
    assert failed.returncode == 1
    assert "notifycenter-2011" in failed.stderr and "500" in failed.stderr

    gone = notifycenter("subscriptions", "delete", ident, "--server", hub.url, "-o", "yaml")
    assert gone.returncode == 0 and f"deleted: {ident}" in gone.stdout
    missing = notifycenter("subscriptions", "show", ident, "--server", hub.url)
    assert missing.returncode == 1 and "notifycenter-2006" in missing.stderr


def test_list_shows_a_failing_subscription_with_its_error(hub, receiver):
    made = notifycenter(
        "subscriptions", "create", "--server", hub.url, "--sink", receiver.url,
        "--config", "maxfailures=1", "--config", "backoffmin=0.05", "--config", "backoffmax=0.1",
        "-o", "json",
    )  # fmt: skip
    ident = json.loads(made.stdout)["id"]
    receiver.status = 503
    emitted = notifycenter(
        "emit", "--server", hub.url, "--type", "io.x.failed", "--source", "urn:test",
        "--severity", "error", "--summary", "disk full",
    )  # fmt: skip
    assert emitted.returncode == 0, emitted.stderr

    def failing() -> str | None:
        out = notifycenter("subscriptions", "list", "--server", hub.url).stdout
        return out if "failing" in out else None

    out = wait_until(failing, what="failing in the list")
    assert ident in out and "notifycenter-2009" in out


@pytest.mark.parametrize(
    "option", [("--filter", "{not json"), ("--config", "ratelimit"), ("--setting", "=x")]
)
def test_unreadable_options_are_catalogued(hub, option):
    ran = notifycenter(
        "subscriptions", "create", "--server", hub.url, "--sink", "http://127.0.0.1:9/", *option
    )
    assert ran.returncode == 1
    assert "notifycenter-2013" in ran.stderr
