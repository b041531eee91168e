"""Sources in the hub: configuration refused with catalogued errors, checkpoints that make
a restart read only what is new, `GET /api/sources` and `notifycenter sources`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from notifycenter.hub.config import resolve_settings
from notifycenter.hub.server import start_embedded
from notifycenter.model.errors import NotifyError
from notifycenter.sources import meshery as meshery_source
from notifycenter.sources.runner import parse_source, parse_sources
from tests import httpclient
from tests.clirun import notifycenter
from tests.meshery_server import MesheryServer
from tests.test_source_meshery import eventually, meshery_ids, settings_for


def refused(url: str, settings: dict[str, Any] | None = None) -> NotifyError:
    with pytest.raises(NotifyError) as caught:
        parse_source(url, settings)
    return caught.value


def test_credentials_in_the_url_are_refused_and_not_repeated() -> None:
    error = refused("meshery+http://admin:s3cret@meshery.example:9081")
    assert error.code == "notifycenter-1931"
    assert "s3cret" not in error.message and "admin" not in error.message


@pytest.mark.parametrize(
    "url",
    ["http://meshery:9081", "meshery://meshery:9081", "meshery+http://", "meshery+http://h:port"],
)
def test_a_url_of_no_known_kind_is_refused(url: str) -> None:
    assert refused(url).code == "notifycenter-1930"


def test_unreadable_credentials_are_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "meshery+http://meshery:9081"
    assert refused(url, {"token-file": str(tmp_path / "missing")}).code == "notifycenter-1932"
    monkeypatch.delenv("MESHERY_TOKEN", raising=False)
    assert refused(url, {"token-env": "MESHERY_TOKEN"}).code == "notifycenter-1932"
    auth = tmp_path / "auth.json"
    auth.write_text('{"meshery-provider": "Meshery"}')
    assert refused(url, {"auth-json": str(auth)}).code == "notifycenter-1932"
    assert refused(url, {"tokenfile": "x"}).code == "notifycenter-1932"


def test_two_sources_of_the_same_name_are_refused() -> None:
    with pytest.raises(NotifyError) as caught:
        parse_sources(["meshery+http://a:9081", {"url": "meshery+http://a:9081/"}])
    assert caught.value.code == "notifycenter-1932"


def test_auth_json_gives_the_token_and_the_provider(tmp_path: Path) -> None:
    auth = tmp_path / "auth.json"
    auth.write_bytes(orjson.dumps({"token": "jwt", "meshery-provider": "Layer5"}))
    config = parse_source("meshery+https://meshery.example", {"auth-json": str(auth)})
    assert config.credentials() == ("jwt", "Layer5")
    assert config.target == "https://meshery.example"


def test_config_file_sources_and_source_options_add_up(isolated_environment: Path) -> None:
    token = isolated_environment / "meshery.token"
    token.write_text("jwt\n")
    (isolated_environment / "config.toml").write_text(
        f'[[hub.sources]]\nurl = "meshery+http://one:9081"\ntoken-file = "{token}"\nprovider = "Meshery"\n'
    )
    settings = resolve_settings(sources=["meshery+http://two:9081"])
    assert [s.url for s in settings.sources] == [
        "meshery+http://two:9081",
        "meshery+http://one:9081",
    ]
    assert settings.sources[1].credentials() == ("jwt", "Meshery")


def test_a_misspelt_source_setting_in_the_config_file_is_refused(
    isolated_environment: Path,
) -> None:
    (isolated_environment / "config.toml").write_text(
        '[[hub.sources]]\nurl = "meshery+http://one:9081"\ntoken_file = "x"\n'
    )
    ran = notifycenter("serve", "--bind", "127.0.0.1:0")
    assert ran.returncode != 0
    assert "notifycenter-1201" in ran.stderr and "token_file" in ran.stderr


def test_serve_refuses_a_source_url_with_credentials() -> None:
    ran = notifycenter("serve", "--bind", "127.0.0.1:0", "--source", "meshery+http://u:pw@h:9081")
    assert ran.returncode == 1
    assert "notifycenter-1931" in ran.stderr and "pw" not in ran.stderr


async def test_a_restart_reads_only_what_changed_since_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(meshery_source, "PAGE_SIZE", 10)
    with MesheryServer(keepalive=0.2) as meshery:
        meshery.add_many(55)
        settings = settings_for(tmp_path, meshery, resync=3600)
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _has(client, 55), "the backfill")
        finally:
            await hub.stop()
        assert meshery.page_requests == 6  # 55 events, 10 a page
        meshery.add_many(3)
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _has(client, 58), "the new events")
                sources = (await client.get("/api/sources")).json()["sources"]
        finally:
            await hub.stop()
        assert meshery.page_requests == 7  # one page back to the checkpoint, not 6 again
        assert sources[0]["events_taken"] == 3


async def _has(client: httpx.AsyncClient, count: int) -> bool:
    return len(await meshery_ids(client)) == count


async def test_sources_command_shows_state_and_error(tmp_path: Path) -> None:
    with MesheryServer(keepalive=0.2) as meshery:
        settings = settings_for(tmp_path, meshery)
        meshery.token = "revoked"
        hub = await start_embedded(settings)
        try:
            async with httpclient.async_client(base_url=hub.url) as client:
                await eventually(lambda: _state(client, "failing"), "a failing source")
            table = await _run("--server", hub.url, "sources")
            as_json = await _run("--server", hub.url, "sources", "-o", "json")
        finally:
            await hub.stop()
    assert "failing" in table and "notifycenter-1934" in table
    (source,) = orjson.loads(as_json)
    assert source["state"] == "failing" and source["error"]["code"] == "notifycenter-1934"


async def _state(client: httpx.AsyncClient, state: str) -> bool:
    return bool((await client.get("/api/sources")).json()["sources"][0]["state"] == state)


async def _run(*args: str) -> str:
    import asyncio

    ran = await asyncio.to_thread(notifycenter, *args)  # the command runs its own loop
    assert ran.returncode == 0, ran.stderr
    return ran.stdout
