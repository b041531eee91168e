"""`notifycenter silences add|list|expire` against an in-process hub, and the client's calls."""

from __future__ import annotations

import json

import pytest
import yaml

from notifycenter.client.hub import HubClient
from notifycenter.model.errors import NotifyError
from tests.clirun import notifycenter
from tests.hubprocess import make_event, post_structured
from tests.hubthread import HubThread

ISTIO = "urn:meshery:adapter:istio"


def test_add_list_expire_from_the_command_line(hub: HubThread) -> None:
    added = notifycenter(
        "--server", hub.url, "-o", "json", "silences", "add", "--source", ISTIO,
        "--type", "io.meshery.provisioning.istio", "--for", "2h", "-c", "upgrade",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    [silence] = json.loads(added.stdout)
    assert silence["state"] == "active" and silence["comment"] == "upgrade"
    assert silence["filter"] == f"source = '{ISTIO}' AND type = 'io.meshery.provisioning.istio'"

    post_structured(hub.url, make_event(1))
    table = notifycenter("--server", hub.url, "silences", "list")
    assert table.returncode == 0 and silence["id"][:8] in table.stdout and "upgrade" in table.stdout

    expired = notifycenter(
        "--server", hub.url, "silences", "expire", silence["id"][:8], "-o", "yaml"
    )
    assert expired.returncode == 0, expired.stderr
    assert yaml.safe_load(expired.stdout)[0]["state"] == "expired"
    assert "No silences." in notifycenter("--server", hub.url, "silences", "list").stdout
    every = notifycenter("--server", hub.url, "-o", "json", "silences", "list", "--all")
    assert [s["id"] for s in json.loads(every.stdout)] == [silence["id"]]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("add", "--for", "2h"), "notifycenter-2050"),
        (("add", "--source", ISTIO), "notifycenter-2050"),
        (("add", "--filter", "source =", "--for", "2h"), "notifycenter-2051"),
        (("add", "--source", ISTIO, "--for", "forever"), "notifycenter-2052"),
        (("expire", "no-such-silence"), "notifycenter-2053"),
    ],
)
def test_a_refused_command_prints_the_code_and_exits_1(
    hub: HubThread, args: tuple[str, ...], code: str
) -> None:
    ran = notifycenter("--server", hub.url, "silences", *args)
    assert ran.returncode == 1 and code in ran.stderr


async def test_the_client_adds_lists_and_expires(hub: HubThread) -> None:
    async with HubClient(hub.url) as client:
        made = await client.add_silence(f"source = '{ISTIO}'", duration="30m")
        assert [s["id"] for s in await client.silences()] == [made["id"]]
        assert (await client.silence(made["id"][:6]))["state"] == "active"
        assert (await client.expire_silence(made["id"]))["state"] == "expired"
        with pytest.raises(NotifyError) as again:
            await client.expire_silence(made["id"])
        assert again.value.code == "notifycenter-2054"


def test_events_list_and_verbs_take_silenced_and_not_silenced(hub: HubThread) -> None:
    notifycenter("--server", hub.url, "silences", "add", "--source", ISTIO, "--for", "1h")
    post_structured(hub.url, make_event(1))
    post_structured(hub.url, make_event(2, source="urn:meshery:adapter:linkerd"))

    def ids(*flags: str) -> list[str]:
        ran = notifycenter("--server", hub.url, "-o", "json", "events", "list", *flags)
        assert ran.returncode == 0, ran.stderr
        return [record["event"]["id"] for record in json.loads(ran.stdout)]

    assert ids("--silenced") == ["evt-1"]
    assert ids("--not-silenced") == ["evt-2"]
    acked = notifycenter("--server", hub.url, "-o", "json", "events", "ack", "--not-silenced")
    assert acked.returncode == 0 and json.loads(acked.stdout)["changed"] == 1
    assert ids("--status", "unacked") == ["evt-1"]


def test_events_show_names_the_silence_and_says_when_it_ended(hub: HubThread) -> None:
    added = notifycenter(
        "--server", hub.url, "-o", "json", "silences", "add", "--source", ISTIO, "--for", "1h"
    )
    silence = json.loads(added.stdout)[0]["id"]
    post_structured(hub.url, make_event(1))
    shown = notifycenter("--server", hub.url, "events", "show", f"{ISTIO}#evt-1")
    assert f"silenced by:  {silence}" in shown.stdout and "(ended)" not in shown.stdout
    notifycenter("--server", hub.url, "silences", "expire", silence)
    shown = notifycenter("--server", hub.url, "events", "show", f"{ISTIO}#evt-1")
    assert f"silenced by:  {silence} (ended)" in shown.stdout
