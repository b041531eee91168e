"""Python components: module-level ErrorSpec declarations, read with `ast`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from notifycenter.commands.errors import command
from notifycenter.errorutil import analyze

FIXTURE = Path(__file__).parent / "fixtures" / "errorutil" / "py_component"


@pytest.fixture(scope="module")
def analysis():
    return analyze(FIXTURE)


def test_every_module_level_spec_is_read_with_its_texts(analysis):
    names = sorted(e.name for e in analysis.entries)
    assert names == [
        "ErrBindFailed",
        "ErrBindFailed",
        "ErrQueueFull",
        "ErrStoreCorrupt",
        "ErrTokenExpired",
    ]
    bind = next(e for e in analysis.entries if e.code == "demo-1001")
    assert bind.severity == "CRITICAL"
    assert bind.long == ["Another process listens on the port, or the address is not local."]
    assert bind.causes == ["Another hub is running", "The address is not on this host"]
    assert bind.remedies == ["Stop the other hub", "Bind 127.0.0.1"]
    assert str(bind.location) == "demo/catalogue/hub.py:5"


def test_qualified_and_annotated_declarations_count(analysis):
    assert {"ErrStoreCorrupt", "ErrQueueFull"} <= {e.name for e in analysis.entries}


def test_test_modules_virtualenvs_and_nested_calls_are_not_read(analysis):
    names = {e.name for e in analysis.entries}
    assert not names & {"ErrInTest", "ErrInVenv", "ErrLocal"}


def test_problems_are_found(analysis):
    assert list(analysis.duplicate_codes) == ["1002"]
    assert list(analysis.duplicate_names) == ["ErrBindFailed"]
    assert [(e.name, e.code) for e in analysis.placeholders] == [
        ("ErrTokenExpired", "replace_me"),
        ("ErrQueueFull", ""),
    ]
    assert [e.name for e in analysis.missing_cause] == ["ErrTokenExpired"]
    assert [e.name for e in analysis.missing_remedy] == ["ErrQueueFull"]
    assert analysis.next_free_code == 1003


def test_a_module_that_does_not_parse_is_a_warning(analysis):
    assert any(w.startswith("demo/broken.py: not valid Python") for w in analysis.warnings)


def test_non_literal_texts_are_shown_as_expressions(tmp_path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "p", "type": "component", "next_error_code": 2}'
    )
    (tmp_path / "errs.py").write_text(
        "SHORT = 'x'\n"
        "A = ErrorSpec(code='p-1', name='ErrA', severity='ERROR', short=SHORT, long='l' + 'm',"
        " causes=('c',), remedies=REMEDIES)\n"
    )
    [entry] = analyze(tmp_path).entries
    assert entry.short == ["<SHORT>"]
    assert entry.long == ["lm"]
    assert entry.remedies == ["<REMEDIES>"]


def test_missing_component_info_is_a_catalogued_error(tmp_path):
    result = CliRunner().invoke(command, ["analyze", str(tmp_path)])
    assert result.exit_code == 1
    assert result.exception.code == "notifycenter-1400"


def test_invalid_component_info_is_a_catalogued_error(tmp_path):
    (tmp_path / "component_info.json").write_text('{"name": "p", "next_error_code": "12"}')
    result = CliRunner().invoke(command, ["analyze", str(tmp_path)])
    assert result.exception.code == "notifycenter-1401"
    assert "next_error_code must be an integer" in result.exception.long_description[0]


def test_missing_directory_is_a_catalogued_error(tmp_path):
    result = CliRunner().invoke(command, ["analyze", str(tmp_path / "nope")])
    assert result.exception.code == "notifycenter-1403"


def test_info_dir_points_at_component_info_elsewhere(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "e.py").write_text(
        "A = ErrorSpec(code='q-7', name='ErrA', severity='ERROR', short='s',"
        " long='', causes=('c',), remedies=('r',))\n"
    )
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "component_info.json").write_text(
        '{"name": "q", "type": "component", "next_error_code": 8}'
    )
    result = CliRunner().invoke(
        command, ["analyze", str(tmp_path / "src"), "--info-dir", str(tmp_path / "meta")]
    )
    assert result.exit_code == 0, result.output
    assert "q-7" in result.output
