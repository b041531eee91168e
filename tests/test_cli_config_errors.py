"""A broken config file, seen from the command line: the catalogued error points at the
line to fix, and no command runs on a file it would misread."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from notifycenter.cli import main
from notifycenter.config import config_path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_misspelt_key_is_reported_with_its_line_and_the_right_spelling() -> None:
    path = write_config(
        'current-context = "prod"\n\n[contexts.prod]\nserver = "https://hub.example:9181"\n'
        'token_flie = "prod.token"\n'
    )
    result = cli("events", "list")
    assert result.exit_code == 1
    assert "Error notifycenter-1201" in result.output
    assert f"{path}:5: unknown key 'token_flie' in [contexts.prod]" in result.output
    assert "did you mean 'token-file'?" in result.output
    assert "Traceback" not in result.output


def test_a_bad_tui_table_stops_every_command_not_only_the_tui() -> None:
    path = write_config('[tui.notifications]\nwindow = "10s"\n')
    result = cli("config", "view")
    assert result.exit_code == 1
    assert "Error notifycenter-1500" in result.output
    assert f"{path}:2: tui.notifications.window must be a number above 0, not '10s'" in (
        result.output
    )


def test_a_misspelt_context_name_suggests_the_one_meant() -> None:
    write_config(
        '[contexts.prod]\nserver = "https://hub.example:9181"\n[contexts.lab]\nserver = "http://lab:1"\n'
    )
    result = cli("--context", "prd", "config", "view")
    assert result.exit_code == 1
    assert "Error notifycenter-1203" in result.output
    assert "context 'prd' is not in" in result.output
    assert "(contexts: lab, prod); did you mean 'prod'?" in result.output
