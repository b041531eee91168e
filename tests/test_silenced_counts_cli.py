"""`notifycenter events list` says `silenced` for an unhandled notification while its
silence is in force, and its status again once the silence is expired."""

from __future__ import annotations

import json

from tests import httpclient
from tests.clirun import notifycenter
from tests.hubprocess import make_event, post_batch
from tests.hubthread import HubThread

ISTIO = "urn:meshery:adapter:istio"
LINKERD = "urn:meshery:adapter:linkerd"


def statuses(url: str) -> dict[str, str]:
    """Event id -> the STATUS column of the table."""
    ran = notifycenter("--server", url, "events", "list", "-o", "wide")
    assert ran.returncode == 0, ran.stderr
    header, *lines = ran.stdout.splitlines()
    column = header.index("STATUS")  # the columns are aligned
    found = {}
    for line in lines:
        event_id = next(word for word in line.split() if word.startswith("evt-"))
        found[event_id] = line[column:].split()[0]
    return found


def test_the_list_says_silenced_while_the_silence_lasts(hub: HubThread) -> None:
    made = httpclient.post(
        hub.url + "/api/silences", json={"filter": f"source = '{ISTIO}'", "duration": "1h"}
    ).json()
    post_batch(hub.url, [make_event(1), make_event(2), make_event(3, source=LINKERD)])
    httpclient.post(hub.url + "/api/lifecycle/ack", json={"refs": [f"{ISTIO}#evt-2"]}, timeout=10)
    assert statuses(hub.url) == {"evt-1": "silenced", "evt-2": "acknowledged", "evt-3": "unread"}
    ran = notifycenter("--server", hub.url, "events", "list", "-o", "json")
    assert {r["status"] for r in json.loads(ran.stdout)} == {"unread", "acknowledged"}  # as is

    httpclient.post(f"{hub.url}/api/silences/{made['id']}/expire", timeout=10)
    assert statuses(hub.url)["evt-1"] == "unread"
