"""`[tui] takeover`: the emergency takeover can be turned off in the config file, and a
wrong value stops the start with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifycenter.config import config_path, load_config
from notifycenter.model.errors import NotifyError
from notifycenter.tui.emergency import EmergencyScreen
from notifycenter.tui.settings import parse_tui_settings
from tests.hubprocess import Hub
from tests.test_tui_helpers import event, make_app, post, until


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("takeover", [True, False])
async def test_takeover_in_the_config_file_decides_whether_an_alert_takes_the_screen(
    hub: Hub, tmp_path: Path, takeover: bool
) -> None:
    write_config(f"[tui]\ntakeover = {str(takeover).lower()}\n")
    settings = parse_tui_settings(load_config().tui)
    post(hub.url, [event(1, "ALERT", source="urn:x", summary="disk full on node-7")])
    app = make_app(hub.url, tmp_path, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 1)
        app._tick()  # what the one-second timer does
        await pilot.pause()
        assert isinstance(app.screen, EmergencyScreen) is takeover
        assert "disk full" in str(app.center.detail.detail and app.center.detail.detail.summary)


def test_takeover_defaults_on_and_a_wrong_value_names_the_key() -> None:
    assert parse_tui_settings(None).takeover is True
    write_config('[tui]\ntakeover = "no"\n')
    with pytest.raises(NotifyError) as caught:
        load_config()
        parse_tui_settings(load_config().tui)
    assert caught.value.code == "notifycenter-1500"
    assert "tui.takeover" in caught.value.message
