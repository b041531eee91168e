"""`hub_factory(extra_args=[...])` serves in-process with the same source options as
`notifycenter serve`: --source, --alertmanager-url and --accept-json take effect."""

from __future__ import annotations

import socket
from pathlib import Path

from tests import httpclient
from tests.conftest import HubFactory
from tests.hubthread import settings_from_arguments
from tests.test_source_kubewatch import kubewatch_event


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_serve_options_of_sources_reach_the_in_process_hub(tmp_path: Path) -> None:
    url = f"meshery+http://127.0.0.1:{closed_port()}"
    settings = settings_from_arguments(
        tmp_path,
        0,
        ["--source", url, "--alertmanager-url", "http://am:9093", "--accept-json"],
    )
    assert [s.url for s in settings.sources] == [url]
    assert settings.alertmanager_url == "http://am:9093" and settings.accept_json is True


def test_an_in_process_hub_follows_its_source_and_reads_plain_json(
    hub_factory: HubFactory,
) -> None:
    url = f"meshery+http://127.0.0.1:{closed_port()}"
    hub = hub_factory(extra_args=["--source", url, "--accept-json"])
    sources = httpclient.get(f"{hub.url}/api/sources").json()["sources"]
    assert [s["url"] for s in sources] == [url]
    answer = httpclient.post(
        f"{hub.url}/api/events",
        json=[kubewatch_event(1, "delete")],
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 202, answer.text
