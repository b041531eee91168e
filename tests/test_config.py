"""Configuration: contexts, overrides, strict validation, and writing the file back."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifycenter.config import (
    DEFAULT_SERVER,
    Config,
    ContextConfig,
    config_path,
    data_dir,
    load_config,
    resolve_target,
    save_config,
)
from notifycenter.model.errors import NotifyError


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_follow_the_environment(isolated_environment: Path) -> None:
    assert config_path() == isolated_environment / "config.toml"
    assert data_dir() == isolated_environment / "data"
    assert data_dir().is_dir()


def test_nothing_configured_means_the_local_default() -> None:
    target = resolve_target()
    assert (target.name, target.server, target.token, target.source) == (
        "local",
        DEFAULT_SERVER,
        None,
        "default",
    )
    assert target.is_default


def test_current_context_with_a_token_file_relative_to_the_config(
    isolated_environment: Path,
) -> None:
    (isolated_environment / "prod.token").write_text("s3cret\n")
    write_config("""
current-context = "prod"
[contexts.local]
server = "http://127.0.0.1:9181"
[contexts.prod]
server = "https://notify.prod.example:9181/"
token-file = "prod.token"
[hub]
stall-after = "30m"
[tui]
bell = false
""")
    target = resolve_target()
    assert (target.name, target.server, target.token, target.source) == (
        "prod",
        "https://notify.prod.example:9181",
        "s3cret",
        "context",
    )
    assert not target.is_default
    config = load_config()
    assert config.hub == {"stall-after": "30m"}
    assert config.tui == {"bell": False}
    assert resolve_target(context="local").server == "http://127.0.0.1:9181"


def test_flags_beat_environment_beat_context(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(
        'current-context = "a"\n[contexts.a]\nserver = "http://ctx:1"\ntoken = "ctx-token"\n'
    )
    monkeypatch.setenv("NOTIFYCENTER_SERVER", "http://env:2")
    monkeypatch.setenv("NOTIFYCENTER_TOKEN", "env-token")
    env = resolve_target()
    assert (env.server, env.token, env.source) == ("http://env:2", "env-token", "env")
    flag = resolve_target(server="http://flag:3", token="flag-token")
    assert (flag.server, flag.token, flag.source) == ("http://flag:3", "flag-token", "flag")


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        (
            'current-context = "a"\ncolour = true\n',
            "notifycenter-1201",
            ["'colour'", "current-context, contexts, hub, tui"],
        ),
        (
            '[contexts.a]\nserver = "http://x:1"\ntoken_file = "t"\n',
            "notifycenter-1201",
            ["'token_file'", "token-file"],
        ),
        (
            "[contexts.a]\nserver = 9181\n",
            "notifycenter-1202",
            ["contexts.a.server", "a string", "an integer"],
        ),
        ('current-context = ["a"]\n', "notifycenter-1202", ["current-context", "an array"]),
        ('[contexts.a]\ntoken = "t"\n', "notifycenter-1202", ["needs server"]),
        ('[contexts.a]\nserver = "127.0.0.1:9181"\n', "notifycenter-1205", ["127.0.0.1:9181"]),
        ('current-context = "a\n', "notifycenter-1200", []),
    ],
)
def test_strict_validation_names_file_key_and_what_is_allowed(
    text: str, code: str, words: list[str]
) -> None:
    path = write_config(text)
    with pytest.raises(NotifyError) as caught:
        load_config()
    assert caught.value.code == code
    assert str(path) in caught.value.message
    for word in words:
        assert word in caught.value.message


def test_unknown_context_lists_the_known_ones() -> None:
    write_config('current-context = "gone"\n[contexts.a]\nserver = "http://x:1"\n')
    with pytest.raises(NotifyError) as caught:
        resolve_target()
    assert caught.value.code == "notifycenter-1203"
    assert "'gone'" in caught.value.message and "contexts: a" in caught.value.message


def test_missing_token_file_is_a_catalogued_error(isolated_environment: Path) -> None:
    write_config(
        'current-context = "a"\n[contexts.a]\nserver = "http://x:1"\ntoken-file = "~/nope.token"\n'
    )
    with pytest.raises(NotifyError) as caught:
        resolve_target()
    assert caught.value.code == "notifycenter-1204"
    assert "nope.token" in caught.value.message


def test_save_keeps_comments_and_round_trips() -> None:
    path = write_config(
        '# my hubs\n[contexts.a]\nserver = "http://a:1"  # the lab\n\n[tui]\n# quiet\nbell = false\n'
    )
    config = load_config()
    config.contexts["b"] = ContextConfig(server="http://b:2", token_file="b.token")
    config.current_context = "b"
    save_config(config)
    text = path.read_text()
    assert "# my hubs" in text and "# the lab" in text and "# quiet" in text
    again = load_config()
    assert again.current_context == "b"
    assert again.contexts["b"] == ContextConfig(server="http://b:2", token_file="b.token")
    assert again.tui == {"bell": False}


def test_save_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "config.toml"
    save_config(
        Config(path=target, current_context="x", contexts={"x": ContextConfig(server="http://x:1")})
    )
    assert load_config(target).contexts["x"].server == "http://x:1"


def test_a_contexts_token_is_never_sent_to_another_server() -> None:
    write_config(
        'current-context = "a"\n[contexts.a]\nserver = "http://ctx:1"\ntoken = "ctx-token"\n'
    )
    assert resolve_target(server="http://elsewhere:2").token is None
    assert resolve_target(server="http://ctx:1/").token == "ctx-token"


def test_the_saved_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    save_config(
        Config(path=target, contexts={"x": ContextConfig(server="http://x:1", token="secret")})
    )
    assert target.stat().st_mode & 0o077 == 0
