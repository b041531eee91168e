"""Go components: MeshKit's conventions read with a real parser, as errorutil reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifycenter.commands.errors import command
from notifycenter.errorutil import analyze

FIXTURE = Path(__file__).parent / "fixtures" / "errorutil" / "go_component"


@pytest.fixture(scope="module")
def analysis():
    return analyze(FIXTURE, skip_dirs=["vendor"])


def by_name(analysis, name):
    return [e for e in analysis.entries if e.name == name]


def test_multi_line_call_with_concatenation_and_formatting(analysis):
    [entry] = by_name(analysis, "ErrInstallMeshCode")
    assert entry.code == "meshery-test-1001"
    assert entry.severity == "Alert"
    assert entry.short == ["Unable to install the mesh"]
    assert entry.long == ["Installing <mesh> failed after <50>% of the steps", "<err>"]
    assert entry.causes == ["The cluster is not reachable"]
    assert entry.remedies == ["Check the kubeconfig", 'Run "kubectl get nodes"']
    assert str(entry.location) == "pkg/provision/error.go:21"
    assert str(entry.code_location) == "pkg/provision/error.go:11"


def test_newv2_and_bare_number_code(analysis):
    entry = next(
        e
        for e in by_name(analysis, "ErrApplyManifestCode")
        if e.location.path.startswith("pkg/provision")
    )
    assert entry.code == "1002"
    assert entry.severity == "Critical"
    assert entry.causes == ["The manifest is not valid YAML"]


def test_code_passed_as_literal_is_named_after_its_function(analysis):
    [entry] = by_name(analysis, "ErrQuota")
    assert entry.code == "meshery-test-1004"
    assert entry.long == ["limit <limit> reached"]


def test_go_escapes_are_decoded(analysis):
    [entry] = by_name(analysis, "ErrOtherNewCode")
    assert entry.short == ["Something else failed \u2014 badly"]


def test_package_scoped_constants_resolve_to_their_own_package(analysis):
    codes = {e.location.path: e.code for e in by_name(analysis, "ErrApplyManifestCode")}
    assert codes == {"pkg/provision/error.go": "1002", "pkg/mesh/error.go": "meshery-test-1008"}


def test_problems_are_found(analysis):
    assert list(analysis.duplicate_codes) == ["meshery-test-1003"]
    assert {e.name for e in analysis.duplicate_codes["meshery-test-1003"]} == {
        "ErrConnectCode",
        "ErrDeleteCode",
    }
    assert list(analysis.duplicate_names) == ["ErrApplyManifestCode"]
    assert [(e.name, e.code) for e in analysis.placeholders] == [
        ("ErrNewFeatureCode", "replace_me"),
        ("ErrOtherNewCode", ""),
    ]
    assert [e.code for e in analysis.malformed] == ["mesh-test-12a"]
    assert [e.name for e in analysis.unreadable_codes] == ["ErrComputedCode"]
    assert "ErrNewFeatureCode" in {e.name for e in analysis.missing_cause}
    assert "ErrOtherNewCode" in {e.name for e in analysis.missing_remedy}
    assert "ErrInstallMeshCode" not in {
        e.name for e in analysis.missing_cause + analysis.missing_remedy
    }
    assert analysis.highest_code == 1008
    assert analysis.next_code_too_low
    assert analysis.next_free_code == 1009


def test_test_files_and_dot_github_are_never_read(analysis):
    names = {e.name for e in analysis.entries}
    assert "ErrOnlyInTestsCode" not in names
    assert "ErrHiddenCode" not in names


def test_vendor_is_read_unless_skipped():
    # errorutil reads vendor/ unless told otherwise; so do we.
    with_vendor = analyze(FIXTURE)
    assert "ErrVendoredCode" in {e.name for e in with_vendor.entries}
    assert "meshery-test-1001" in with_vendor.duplicate_codes
    without = analyze(FIXTURE, skip_dirs=["vendor"])
    assert "ErrVendoredCode" not in {e.name for e in without.entries}
    assert "meshery-test-1001" not in without.duplicate_codes


def test_skip_dirs_by_relative_path():
    analysis = analyze(FIXTURE, skip_dirs=["vendor/github.com", "pkg/mesh"])
    paths = {
        e.location.path.split("/")[0] + "/" + e.location.path.split("/")[1]
        for e in analysis.entries
    }
    assert paths == {"pkg/provision"}


def test_cli_exits_1_on_duplicates_and_lists_them():
    result = CliRunner().invoke(command, ["analyze", str(FIXTURE), "--skip-dirs", "vendor"])
    assert result.exit_code == 1
    assert result.exception.code == "notifycenter-1402"
    assert "Duplicate codes (1):" in result.output
    assert "ErrNewFeatureCode [replace_me] at pkg/provision/error.go:13" in result.output
    assert "Next free code: meshery-test-1009" in result.output


def test_cli_json_has_every_error_with_its_place():
    result = CliRunner().invoke(
        command, ["analyze", str(FIXTURE), "--skip-dirs", "vendor,.github", "-o", "json"]
    )
    document = json.loads(result.stdout)
    assert document["ok"] is False
    quota = next(e for e in document["errors"] if e["name"] == "ErrQuota")
    assert quota["file"] == "pkg/provision/error.go" and quota["line"] == 50
    assert quota["suggested_remediation"] == ["Delete unused resources"]
    assert document["next_free_code"] == "meshery-test-1009"
    assert document["next_error_code_too_low"] is True


def test_a_clean_go_component_passes(tmp_path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "adapter", "type": "adapter", "next_error_code": 3}'
    )
    (tmp_path / "error.go").write_text(
        'package a\n\nimport "github.com/meshery/meshkit/errors"\n\n'
        'const ErrOneCode = "adapter-1"\nconst ErrTwoCode = "2"\n\n'
        'func ErrOne() error { return errors.New(ErrOneCode, errors.Alert, []string{"a"}, nil, []string{"b"}, []string{"c"}) }\n'
        'func ErrTwo() error { return errors.New(ErrTwoCode, errors.Alert, []string{"a"}, nil, []string{"b"}, []string{"c"}) }\n'
        'func other() error { return fmt.Errorf("x") }\n'
    )
    result = CliRunner().invoke(command, ["analyze", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "adapter (adapter): 2 errors in 1 files" in result.output
    assert "Next free code: adapter-3" in result.output


def test_syntax_errors_are_reported_not_fatal(tmp_path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "x", "type": "component", "next_error_code": 1}'
    )
    (tmp_path / "error.go").write_text('package a\nconst ErrOneCode = "x-1"\nfunc broken( {\n')
    analysis = analyze(tmp_path)
    assert any("syntax errors" in w for w in analysis.warnings)
    assert [e.code for e in analysis.entries] == ["x-1"]


def test_deprecated_newdefault_is_reported(tmp_path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "x", "type": "component", "next_error_code": 1}'
    )
    (tmp_path / "error.go").write_text(
        'package a\nimport "github.com/meshery/meshkit/errors"\nconst ErrOldCode = "x-1"\n'
        'func ErrOld() error {\n\treturn errors.NewDefault(ErrOldCode, "old style")\n}\n'
    )
    assert "error.go:5: deprecated NewDefault call; use New" in analyze(tmp_path).warnings


def test_a_placeholder_that_is_not_one_literal_is_reported_not_rewritten(tmp_path):
    (tmp_path / "component_info.json").write_text(
        '{"name": "x", "type": "component", "next_error_code": 1}'
    )
    source = tmp_path / "error.go"
    source.write_text('package a\nconst ErrJoinedCode = "replace" + "_me"\n')
    before = source.read_bytes()
    result = CliRunner().invoke(command, ["update", str(tmp_path)])
    assert result.exit_code == 0
    assert (
        "ErrJoinedCode at error.go:2: the placeholder is not a single string literal"
        in result.stderr
    )
    assert source.read_bytes() == before
