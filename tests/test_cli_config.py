"""`notifycenter config …`, contexts and environment overrides, seen from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from notifycenter.cli import main
from notifycenter.config import config_path, load_config
from tests.hubprocess import free_port


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_path_is_the_overridden_one(isolated_environment: Path) -> None:
    assert cli("config", "path").output.strip() == str(isolated_environment / "config.toml")


def test_set_and_use_contexts(isolated_environment: Path) -> None:
    created = cli("config", "set-context", "lab", "--server", "http://lab.example:9181")
    assert created.exit_code == 0 and "created and current" in created.output
    (isolated_environment / "prod.token").write_text("secret-value")  # relative to the config file
    cli(
        "config",
        "set-context",
        "prod",
        "--server",
        "https://prod.example:9181",
        "--token-file",
        "prod.token",
    )
    assert load_config().current_context == "lab"
    assert cli("config", "use-context", "prod").exit_code == 0
    config = load_config()
    assert config.current_context == "prod" and config.contexts["prod"].token_file == "prod.token"
    view = cli("config", "view")
    assert (
        "* prod  https://prod.example:9181" in view.output
        and "  lab  http://lab.example:9181" in view.output
    )
    assert "using: https://prod.example:9181 (from context prod)" in view.output
    as_json = json.loads(cli("-o", "json", "config", "view").output)
    assert as_json["current-context"] == "prod" and as_json["target"]["source"] == "context"
    assert "secret-value" not in view.output + json.dumps(as_json)


def test_environment_and_flags_override_the_context() -> None:
    cli("config", "set-context", "lab", "--server", "http://lab.example:9181")
    from_env = cli("config", "view", env={"NOTIFYCENTER_SERVER": "http://env.example:1"})
    assert "using: http://env.example:1" in from_env.output
    from_flag = cli(
        "--server",
        "http://flag.example:2",
        "config",
        "view",
        env={"NOTIFYCENTER_SERVER": "http://env.example:1"},
    )
    assert "using: http://flag.example:2" in from_flag.output


def test_context_flag_picks_another_context(hub) -> None:
    cli("config", "set-context", "down", "--server", f"http://127.0.0.1:{free_port()}")
    cli("config", "set-context", "up", "--server", hub.url, "--no-current")
    assert cli("events", "list").exit_code == 1  # the current context's hub is down
    assert cli("--context", "up", "events", "list").exit_code == 0


def test_token_from_the_environment_reaches_the_hub(hub_factory) -> None:
    hub = hub_factory(tokens={"viewer-secret": ("vera", "viewer")})
    refused = cli("--server", hub.url, "events", "list")
    assert refused.exit_code == 1 and "Error notifycenter-" in refused.output
    allowed = cli(
        "--server", hub.url, "events", "list", env={"NOTIFYCENTER_TOKEN": "viewer-secret"}
    )
    assert allowed.exit_code == 0, allowed.output


def test_unknown_context_is_a_catalogued_error() -> None:
    cli("config", "set-context", "lab", "--server", "http://lab.example:9181")
    result = cli("config", "use-context", "labb")
    assert (
        result.exit_code == 1
        and "Error notifycenter-1203" in result.output
        and "lab" in result.output
    )


def test_a_strict_config_error_stops_every_command_in_a_real_process() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[contexts.lab]\nserver = "http://lab.example:9181"\ntoken_file = "x"\n')
    done = subprocess.run(
        [sys.executable, "-m", "notifycenter", "events", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert (
        "Error notifycenter-1201" in done.stderr
        and str(path) in done.stderr
        and "token-file" in done.stderr
    )


def test_an_invalid_server_is_refused_before_it_is_saved() -> None:
    result = cli("config", "set-context", "lab", "--server", "lab.example:9181")
    assert result.exit_code == 1 and "notifycenter-1205" in result.output
    assert load_config().contexts == {}


def test_view_lists_the_contexts_even_when_the_current_one_is_gone() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'current-context = "gone"\n[contexts.lab]\nserver = "http://lab.example:9181"\n'
    )
    result = cli("config", "view")
    assert result.exit_code == 1
    assert (
        "  lab  http://lab.example:9181" in result.output
        and "Error notifycenter-1203" in result.output
    )


def test_a_missing_token_file_is_refused_at_once(isolated_environment: Path) -> None:
    result = cli(
        "config",
        "set-context",
        "prod",
        "--server",
        "https://prod.example:9181",
        "--token-file",
        str(isolated_environment / "nonexistent.token"),
    )
    assert result.exit_code == 1
    assert "Error notifycenter-1204" in result.output and "nonexistent.token" in result.output
    assert "remediation 1:" in result.output
    assert load_config().contexts == {}  # nothing saved


def test_output_option_after_the_command_merges_with_the_global_one() -> None:
    cli("config", "set-context", "lab", "--server", "http://lab.example:9181")
    after = json.loads(cli("config", "view", "-o", "json").output)
    assert after["current-context"] == "lab"
    assert cli("-o", "json", "config", "view", "-o", "table").output.startswith(
        "file: "
    )  # the last one wins
