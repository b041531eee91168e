"""`notifycenter errors …` through the root command: global options and catalogued errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from notifycenter.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "errorutil"


def test_global_output_option_reaches_analyze():
    result = CliRunner().invoke(
        main,
        [
            "-o",
            "json",
            "errors",
            "analyze",
            str(FIXTURES / "go_component"),
            "--skip-dirs",
            "vendor",
        ],
    )
    document = json.loads(result.stdout)
    assert document["duplicate_codes"]["meshery-test-1003"][0]["file"] == "pkg/mesh/error.go"


def test_subcommand_output_option_wins_over_the_global_one():
    result = CliRunner().invoke(
        main, ["-o", "table", "errors", "analyze", str(FIXTURES / "py_component"), "-o", "json"]
    )
    assert json.loads(result.stdout)["component"]["name"] == "demo"


def test_failing_analysis_prints_the_catalogued_error_and_exits_1():
    result = CliRunner().invoke(main, ["errors", "analyze", str(FIXTURES / "py_component")])
    assert result.exit_code == 1
    assert "Error notifycenter-1402" in result.stderr
    assert "remediation 1: Run notifycenter errors update" in result.stderr
    assert "Placeholder codes (2):" in result.stdout


def test_missing_component_info_names_the_file(tmp_path):
    result = CliRunner().invoke(main, ["errors", "analyze", str(tmp_path)])
    assert result.exit_code == 1
    assert "Error notifycenter-1400" in result.stderr
    assert str(tmp_path / "component_info.json") in result.stderr
