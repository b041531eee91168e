"""The hub's sink-host and public-url settings: read from options and `[hub]`, refused
with a catalogued error when malformed, and the links notifications carry."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from notifycenter.hub.config import resolve_settings
from notifycenter.model.errors import NotifyError
from notifycenter.routing.hostrules import HostRule
from tests import httpclient
from tests.sinks_receivers import web_receiver
from tests.sinks_samples import notification
from tests.waiting import async_wait_until

REF = "urn%3Ameshery%3Aadapter%3Aistio%23e-1"


def write_config(text: str) -> None:
    Path(os.environ["NOTIFYCENTER_CONFIG"]).write_text(text, encoding="utf-8")


def test_sink_hosts_and_public_url_come_from_the_hub_table_and_options_add(
    tmp_path: Path,
) -> None:
    write_config(
        '[hub]\nsink-hosts = ["10.0.0.5:8080", "*.corp.example"]\n'
        'public-url = "https://notify.example.com/"\n'
    )
    settings = resolve_settings(data_dir=tmp_path, sink_hosts=["[fd00::1]"])
    assert settings.sink_hosts == (
        HostRule("10.0.0.5", 8080),
        HostRule("*.corp.example"),
        HostRule("fd00::1"),
    )
    assert settings.link_url == "https://notify.example.com"
    option = resolve_settings(data_dir=tmp_path, public_url="http://hub.internal:9181")
    assert option.link_url == "http://hub.internal:9181"


@pytest.mark.parametrize(
    "options",
    [
        {"sink_hosts": ["http://10.0.0.5/"]},
        {"sink_hosts": ["10.0.0.5:http"]},
        {"sink_hosts": ["[fd00::1"]},
        {"public_url": "notify.example.com"},
        {"public_url": "ftp://notify.example.com"},
    ],
)
def test_a_malformed_setting_stops_the_hub_with_its_code(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    with pytest.raises(NotifyError) as raised:
        resolve_settings(data_dir=tmp_path, **options)
    assert raised.value.code == "notifycenter-2016"


def test_a_hub_bound_to_every_interface_has_no_link_without_public_url(tmp_path: Path) -> None:
    wildcard = resolve_settings(data_dir=tmp_path, bind="0.0.0.0:9181")
    assert wildcard.link_url is None
    wildcard.public_url = "https://notify.example.com"
    assert wildcard.link_url == "https://notify.example.com"


async def _click(hub: Any) -> str:
    """The click link of the first notification an ntfy subscription delivers."""
    async with (
        web_receiver() as phone,
        httpclient.async_client(base_url=hub.url, timeout=10) as client,
    ):
        made = await client.post(
            "/api/subscriptions", json={"sink": f"{phone.url}/me", "protocol": "ntfy"}
        )
        assert made.status_code == 201, made.text
        posted = await client.post(
            "/api/events",
            json=[notification()],
            headers={"content-type": "application/cloudevents-batch+json"},
        )
        assert posted.status_code == 202, posted.text
        await async_wait_until(lambda: phone.requests, what="the notification")
    click: str = phone.json()[0]["click"]
    return click


async def test_links_use_the_address_the_hub_bound(hub: Any) -> None:
    # the hub was asked for port 0: the link names the port it got
    assert await _click(hub) == f"{hub.url}/api/events/{REF}"


async def test_links_use_the_public_url(hub_factory: Any) -> None:
    hub = hub_factory(extra_args=["--public-url", "https://notify.example.com/"])
    assert await _click(hub) == f"https://notify.example.com/api/events/{REF}"
