"""`errors update`: placeholders get the next codes; every other byte stays as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifycenter.commands.errors import command
from notifycenter.errorutil import analyze

FIXTURES = Path(__file__).parent / "fixtures" / "errorutil"


@pytest.fixture
def go_tree(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "go_component", tmp_path / "go"))


@pytest.fixture
def py_tree(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "py_component", tmp_path / "py"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run(*args: str):
    return CliRunner().invoke(command, list(args))


def test_go_placeholders_get_next_codes_and_nothing_else_changes(go_tree: Path):
    before = snapshot(go_tree)
    result = run("update", str(go_tree), "--skip-dirs", "vendor")
    assert result.exit_code == 0, result.output
    after = snapshot(go_tree)
    source = "pkg/provision/error.go"
    expected = (
        before[source]
        .replace(
            b'ErrNewFeatureCode    = "replace_me"', b'ErrNewFeatureCode    = "meshery-test-1009"'
        )
        .replace(b'ErrOtherNewCode      = ""', b'ErrOtherNewCode      = "meshery-test-1010"')
    )
    assert after[source] == expected
    assert json.loads(after["component_info.json"])["next_error_code"] == 1011
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {source, "component_info.json"}
    assert "meshery-test-1009  ErrNewFeatureCode  pkg/provision/error.go:13" in result.output


def test_update_is_idempotent(go_tree: Path):
    run("update", str(go_tree), "--skip-dirs", "vendor")
    once = snapshot(go_tree)
    result = run("update", str(go_tree), "--skip-dirs", "vendor")
    assert result.exit_code == 0
    assert "Nothing to update." in result.output
    assert snapshot(go_tree) == once
    assert analyze(go_tree, ["vendor"]).placeholders == []


def test_component_info_keeps_its_formatting(go_tree: Path):
    info = go_tree / "component_info.json"
    before = info.read_bytes()
    run("update", str(go_tree), "--skip-dirs", "vendor")
    assert info.read_bytes() == before.replace(b"1005", b"1011")


def test_python_placeholders_keep_quotes_and_unicode_neighbours(py_tree: Path):
    hub = py_tree / "demo" / "catalogue" / "hub.py"
    before = hub.read_bytes()
    result = run("update", str(py_tree))
    assert result.exit_code == 0, result.output
    assert hub.read_bytes() == (
        before.replace(b'code="replace_me"', b'code="demo-1003"').replace(
            b"code=''", b"code='demo-1004'"
        )
    )
    assert analyze(py_tree).placeholders == []


def test_crlf_files_keep_their_line_endings(tmp_path: Path):
    (tmp_path / "component_info.json").write_bytes(
        b'{\r\n  "name": "c",\r\n  "next_error_code": 5\r\n}\r\n'
    )
    source = tmp_path / "e.py"
    source.write_bytes(
        b"# \xc3\xa9t\xc3\xa9\r\nA = ErrorSpec(\r\n    code='replace_me',\r\n    name='ErrA',\r\n"
        b"    severity='ERROR', short='s', long='', causes=('c',), remedies=('r',))\r\n"
    )
    before = source.read_bytes()
    assert run("update", str(tmp_path)).exit_code == 0
    assert source.read_bytes() == before.replace(b"'replace_me'", b"'c-5'")
    assert (tmp_path / "component_info.json").read_bytes() == (
        b'{\r\n  "name": "c",\r\n  "next_error_code": 6\r\n}\r\n'
    )


def test_dry_run_shows_a_diff_and_writes_nothing(go_tree: Path):
    before = snapshot(go_tree)
    result = run("update", str(go_tree), "--skip-dirs", "vendor", "--dry-run")
    assert result.exit_code == 0
    assert snapshot(go_tree) == before
    assert '-\tErrNewFeatureCode    = "replace_me"' in result.output
    assert '+\tErrNewFeatureCode    = "meshery-test-1009"' in result.output
    assert "+++ b/component_info.json" in result.output


def test_dry_run_json_lists_assignments(py_tree: Path):
    result = run("update", str(py_tree), "--dry-run", "-o", "json")
    document = json.loads(result.stdout)
    assert [(a["name"], a["code"]) for a in document["assigned"]] == [
        ("ErrTokenExpired", "demo-1003"),
        ("ErrQueueFull", "demo-1004"),
    ]
    assert document["next_error_code"] == 1005
    assert "+++ b/demo/catalogue/hub.py" in document["diff"]


def test_too_low_next_error_code_is_raised_even_without_placeholders(tmp_path: Path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "c", "type": "component", "next_error_code": 2}'
    )
    (tmp_path / "e.py").write_text(
        "A = ErrorSpec(code='c-7', name='ErrA', severity='ERROR', short='s',"
        " long='', causes=('c',), remedies=('r',))\n"
    )
    assert run("update", str(tmp_path)).exit_code == 0
    assert json.loads((tmp_path / "component_info.json").read_text())["next_error_code"] == 8
    assert not analyze(tmp_path).next_code_too_low


def test_a_file_changed_behind_our_back_is_left_alone(py_tree: Path):
    from notifycenter.errorutil import apply, plan_update
    from notifycenter.model.errors import NotifyError

    plan = plan_update(analyze(py_tree))
    hub = py_tree / "demo" / "catalogue" / "hub.py"
    hub.write_bytes(hub.read_bytes() + b"\n# edited meanwhile\n")
    edited = hub.read_bytes()
    with pytest.raises(NotifyError) as caught:
        apply(plan)
    assert caught.value.code == "notifycenter-1405"
    assert hub.read_bytes() == edited
