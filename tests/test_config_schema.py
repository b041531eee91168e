"""Every settings file is checked by one schema: errors name the file, the line and the key,
unknown keys come with a "did you mean", and each part of the file keeps its own code."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifycenter.config import config_path, data_dir, load_config
from notifycenter.hub.config import resolve_settings
from notifycenter.hub.settings import load_token_file
from notifycenter.model.errors import NotifyError
from notifycenter.toml_lines import key_lines, line_of
from notifycenter.tui.settings import check_keymap


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error() -> NotifyError:
    with pytest.raises(NotifyError) as caught:
        load_config()
    return caught.value


def test_a_misspelt_context_key_names_file_line_and_the_right_spelling() -> None:
    path = write_config(
        'current-context = "prod"\n\n[contexts.prod]\nserver = "https://hub:9181"\n'
        'token_flie = "prod.token"\n'
    )
    error = load_error()
    assert error.code == "notifycenter-1201"
    assert f"{path}:5:" in error.message
    assert "unknown key 'token_flie' in [contexts.prod]" in error.message
    assert "did you mean 'token-file'?" in error.message


def test_a_bad_tui_value_fails_when_the_file_is_read_with_its_line() -> None:
    path = write_config(
        '[contexts.a]\nserver = "http://a:1"\n[tui]\ntheme = "nord"\n'
        '[tui.notifications]\nmin-severity = "NOTICE"\nmax-toasts = 0\n'
    )
    error = load_error()
    assert error.code == "notifycenter-1500"
    assert f"{path}:7: tui.notifications.max-toasts must be an integer of at least 1" in (
        error.message
    )


def test_quoted_keys_are_found_and_named() -> None:
    path = write_config('[tui.keymap]\n"app.quit" = "q"\n"lifecycle.ack" = "a b"\n')
    error = load_error()
    assert f"{path}:3: tui.keymap.lifecycle.ack must be keys" in error.message


def test_an_unknown_top_level_key_lists_what_is_allowed() -> None:
    path = write_config('current-contxt = "a"\n')
    error = load_error()
    assert f"{path}:1: unknown key 'current-contxt' in the top level" in error.message
    assert "did you mean 'current-context'?" in error.message
    assert "allowed: current-context, contexts, hub, tui" in error.message


def test_the_first_problem_in_the_file_is_reported_and_the_rest_counted() -> None:
    path = write_config('[contexts.a]\nserver = "http://a:1"\nport = 1\n[hub]\nbind = 9181\n')
    error = load_error()
    assert f"{path}:3: unknown key 'port'" in error.message
    assert error.message.endswith("(and 1 more)")


def test_a_mistyped_hub_table_is_refused_instead_of_ignored() -> None:
    path = write_config("[hub]\n# where serve listens\nbind = 9999\n")
    with pytest.raises(NotifyError) as caught:
        resolve_settings()
    assert caught.value.code == "notifycenter-1118"
    assert f"{path}:3: hub.bind must be a string, not an integer" in caught.value.message


def test_a_malformed_hub_bind_in_the_file_names_its_line() -> None:
    path = write_config('[hub]\nstall-after = "10m"\nbind = "nohost"\n')
    with pytest.raises(NotifyError) as caught:
        resolve_settings()
    assert caught.value.code == "notifycenter-1118"
    assert f"{path}:3: hub.bind must be HOST:PORT" in caught.value.message


def test_token_file_errors_point_at_the_token_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(
        '[[token]]\ntoken = "first-secret"\nuser = "alice"\nrole = "admin"\n\n'
        '[[token]]\ntoken = "second-secret"\nuser = "bob"\nrole = "root"\n'
    )
    with pytest.raises(NotifyError) as caught:
        load_token_file(path)
    assert caught.value.code == "notifycenter-1112"
    assert f"{path}:9: token[1].role must be one of producer, viewer, operator, admin" in (
        caught.value.message
    )


def test_a_misspelt_token_key_is_an_error_not_a_token_without_a_role(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text('[[token]]\ntoken = "long-enough"\nuser = "a"\nrole = "viewer"\nrat = 5\n')
    with pytest.raises(NotifyError) as caught:
        load_token_file(path)
    assert caught.value.code == "notifycenter-1112"
    assert f"{path}:5: unknown key 'rat' in [token[0]] (did you mean 'rate'?)" in (
        caught.value.message
    )


def test_hub_and_clients_share_one_data_dir_and_both_expand_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NOTIFYCENTER_DATA_DIR", "~/nc-data")
    assert data_dir() == tmp_path / "nc-data"
    assert resolve_settings().data_dir == tmp_path / "nc-data"


def test_key_lines_follow_headers_arrays_of_tables_and_dotted_keys() -> None:
    text = 'top = 1\n[a.b]\nc.d = """\ne = not a key\n"""\nf = { g = 1 }\n[[t]]\n[[t]]\nx = 2\n'
    lines = key_lines(text)
    assert lines[("top",)] == 1
    assert lines[("a", "b", "c", "d")] == 3
    assert ("a", "b", "e") not in lines
    assert line_of(lines, ("a", "b", "f", "g")) == 6
    assert lines[("t", 1, "x")] == 9
    assert line_of(lines, ("nowhere",)) is None


def test_an_unknown_binding_id_in_the_keymap_suggests_the_one_meant() -> None:
    with pytest.raises(NotifyError) as caught:
        check_keymap({"lifecycle.acknowledge": "K"}, ["lifecycle.ack", "app.quit"])
    assert caught.value.code == "notifycenter-1500"
    assert "lifecycle.acknowledge (did you mean 'lifecycle.ack'?)" in caught.value.message


def test_a_token_given_twice_is_refused_rather_than_the_last_role_winning(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(
        '[[token]]\ntoken = "shared-secret"\nuser = "alice"\nrole = "viewer"\n\n'
        '[[token]]\ntoken = "shared-secret"\nuser = "bob"\nrole = "admin"\n'
    )
    with pytest.raises(NotifyError) as caught:
        load_token_file(path)
    assert caught.value.code == "notifycenter-1112"
    assert f"{path}:7: token[1].token is already the token of user 'alice'" in (
        caught.value.message
    )
