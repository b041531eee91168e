"""The project's own error catalogue: unique codes, and a reference page kept in sync."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from notifycenter.catalogue import all_specs
from notifycenter.commands.errors import command
from notifycenter.errorutil import analyze

ROOT = Path(__file__).resolve().parents[1]
SKIP = ["tests"]  # the fixture trees hold duplicates and placeholders on purpose
REGENERATE = "notifycenter errors doc --skip-dirs tests --markdown docs/errors.md --no-export"


def test_catalogue_has_no_duplicates_or_placeholders():
    result = CliRunner().invoke(command, ["analyze", str(ROOT), "--skip-dirs", ",".join(SKIP)])
    assert result.exit_code == 0, result.output
    analysis = analyze(ROOT, SKIP)
    assert (
        not analysis.duplicate_codes and not analysis.duplicate_names and not analysis.placeholders
    )
    assert not analysis.malformed, [str(e.location) for e in analysis.malformed]


def test_every_catalogued_spec_is_seen_by_the_tool():
    """A spec declared in a way the reader cannot see would be missing from the reference."""
    seen = {
        (e.code, e.name, " ".join(e.short), " ".join(e.long), tuple(e.causes), tuple(e.remedies))
        for e in analyze(ROOT, SKIP).entries
    }
    for spec in all_specs():
        assert (spec.code, spec.name, spec.short, spec.long, spec.causes, spec.remedies) in seen, (
            spec.code
        )


def test_docs_errors_md_is_up_to_date(tmp_path):
    fresh = tmp_path / "errors.md"
    result = CliRunner().invoke(
        command,
        ["doc", str(ROOT), "--skip-dirs", ",".join(SKIP), "--markdown", str(fresh), "--no-export"],
    )
    assert result.exit_code == 0, result.output
    current = ROOT / "docs" / "errors.md"
    up_to_date = current.is_file() and current.read_text() == fresh.read_text()
    assert up_to_date, (
        f"docs/errors.md is out of date; regenerate it from the repository root with: {REGENERATE}"
    )
