"""The hub's settings: options, the config file's [hub] table, the token file."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from notifycenter.hub.config import resolve_settings
from notifycenter.hub.settings import Role, load_token_file
from notifycenter.model.errors import NotifyError


def test_hub_table_gives_defaults_and_options_win(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        '[[token]]\ntoken = "s3cret-token"\nuser = "alice"\nrole = "operator"\nrate = 5\n'
    )
    Path(os.environ["NOTIFYCENTER_CONFIG"]).write_text(
        f'[hub]\nbind = "0.0.0.0:9999"\ndata-dir = "{tmp_path / "hubdata"}"\n'
        f'token-file = "{tokens}"\nstall-after = "30m"\n'
    )

    from_file = resolve_settings()
    assert (from_file.bind, from_file.data_dir) == ("0.0.0.0:9999", tmp_path / "hubdata")
    assert from_file.stall_after == timedelta(minutes=30)
    assert from_file.tokens["s3cret-token"].role is Role.OPERATOR
    assert from_file.tokens["s3cret-token"].rate == 5
    from_file.check_bind()  # tokens make a non-loopback address acceptable

    overridden = resolve_settings(bind="127.0.0.1:1234", stall_after="2h")
    assert overridden.bind == "127.0.0.1:1234" and overridden.stall_after == timedelta(hours=2)


@pytest.mark.parametrize(
    "bind, stall", [("nohost", None), ("127.0.0.1:99999", None), (None, "soon")]
)
def test_malformed_settings_are_catalogued(bind: str | None, stall: str | None) -> None:
    with pytest.raises(NotifyError) as failure:
        resolve_settings(bind=bind, stall_after=stall)
    assert failure.value.code == "notifycenter-1118"


@pytest.mark.parametrize(
    "content",
    [
        "not toml [",
        '[[token]]\ntoken = "short"\nuser = "a"\nrole = "admin"\n',
        '[[token]]\ntoken = "long-enough"\nrole = "admin"\n',
        '[[token]]\ntoken = "long-enough"\nuser = "a"\nrole = "admin"\nrate = -1\n',
    ],
)
def test_token_file_mistakes_are_catalogued(tmp_path: Path, content: str) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(content)
    with pytest.raises(NotifyError) as failure:
        load_token_file(path)
    assert failure.value.code == "notifycenter-1112"
