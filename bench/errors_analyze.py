"""How long `notifycenter errors analyze` takes on a Go component of 2,000 files.

Generates the tree in a temporary directory (400 packages, each with an error.go of 10
MeshKit errors and four ordinary source files that
call New-named functions, so every file is parsed), then times the analysis in-process and
as a command. Run: .venv/bin/python bench/errors_analyze.py [--files 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from notifycenter.errorutil import analyze

ERRORS_PER_PACKAGE = 10
FILES_PER_PACKAGE = 5  # error.go plus four ordinary files


def error_file(package: int, first_code: int) -> str:
    consts = "\n".join(
        f'\tErrStep{package}x{i}Code = "bench-{first_code + i}"' for i in range(ERRORS_PER_PACKAGE)
    )
    funcs = "\n".join(
        f"""
func ErrStep{package}x{i}(err error, name string) error {{
	return errors.New(ErrStep{package}x{i}Code, errors.Alert,
		[]string{{"Step {i} of package {package} failed"}},
		[]string{{fmt.Sprintf("Running %s failed", name), err.Error()}},
		[]string{{"The cluster is not reachable", "The " + "manifest is not valid"}},
		[]string{{"Check the kubeconfig", "Validate the manifest"}})
}}"""
        for i in range(ERRORS_PER_PACKAGE)
    )
    return (
        f'package pkg{package}\n\nimport (\n\t"fmt"\n\n\t"github.com/meshery/meshkit/errors"\n)\n\n'
        f"const (\n{consts}\n)\n{funcs}\n"
    )


def ordinary_file(package: int, index: int) -> str:
    body = "\n".join(
        f"""
// Handler{index}x{n} does ordinary work.
func Handler{index}x{n}(items []string) (map[string]int, error) {{
	counts := make(map[string]int, len(items))
	for _, item := range items {{
		if item == "" {{
			return nil, stderrors.New("empty item")
		}}
		if _, err := fmt.Fscan(strings.NewReader(item)); err != nil {{
			return nil, fmt.Errorf("item %d: %w", len(counts), err)
		}}
		counts[item]++
	}}
	return counts, nil
}}"""
        for n in range(12)
    )
    imports = 'import (\n\tstderrors "errors"\n\t"fmt"\n\t"strings"\n)\n'
    return f"package pkg{package}\n\n{imports}{body}\n"


def generate(root: Path, files: int) -> int:
    packages = files // FILES_PER_PACKAGE
    (root / "component_info.json").write_text(
        f'{{"name": "bench", "type": "component", "next_error_code": {1000 + packages * ERRORS_PER_PACKAGE}}}'
    )
    for package in range(packages):
        directory = root / "pkg" / f"pkg{package}"
        directory.mkdir(parents=True)
        (directory / "error.go").write_text(
            error_file(package, 1000 + package * ERRORS_PER_PACKAGE)
        )
        for index in range(1, FILES_PER_PACKAGE):
            (directory / f"file{index}.go").write_text(ordinary_file(package, index))
    return packages * FILES_PER_PACKAGE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        count = generate(root, args.files)
        size = sum(p.stat().st_size for p in root.rglob("*.go"))
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            analysis = analyze(root)
            timings.append(time.perf_counter() - start)
        assert (
            not analysis.failed
            and len(analysis.entries) == count // FILES_PER_PACKAGE * ERRORS_PER_PACKAGE
        )
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "notifycenter", "errors", "analyze", str(root), "-o", "json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        command_time = time.perf_counter() - start
    best, median = min(timings), statistics.median(timings)
    print(f"tree: {count} Go files, {size / 1e6:.1f} MB, {len(analysis.entries)} errors")
    print(
        f"analyze in-process: median {median:.2f} s, best {best:.2f} s over {args.repeat} runs "
        f"({count / median:.0f} files/s)"
    )
    print(
        f"notifycenter errors analyze -o json (new process, incl. start-up): {command_time:.2f} s"
    )


if __name__ == "__main__":
    main()
