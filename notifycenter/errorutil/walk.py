"""Which files of a component are read: errorutil's rules, plus Python sources."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

# errorutil always skips these; --skip-dirs adds to them.
DEFAULT_SKIP_DIRS = (".git", ".github")


def parse_skip_dirs(values: Iterable[str]) -> tuple[str, ...]:
    """Flatten repeated, comma-separated --skip-dirs values (errorutil's StringSlice)."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip().strip("/") for part in value.split(",") if part.strip())
    return tuple(out)


def is_source_file(name: str) -> bool:
    """Go files but not `_test.go` (errorutil), Python files but not pytest's test modules."""
    if name.endswith(".go"):
        return not name.endswith("_test.go")
    if name.endswith(".py"):
        return not (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")
    return False


def iter_sources(root: Path, skip_dirs: Iterable[str] = ()) -> Iterator[Path]:
    """Source files under root in a stable order, skipping excluded directories.

    A skip entry without a slash matches a directory name at any depth (as errorutil
    does); one with a slash matches that path relative to root. Virtual environments
    (a directory holding pyvenv.cfg) are never part of a component's sources.
    """
    names = set(DEFAULT_SKIP_DIRS)
    paths: set[str] = set()
    for entry in skip_dirs:
        (paths if "/" in entry else names).add(entry)
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skipped(here / d, root, names, paths))
        for name in sorted(filenames):
            if is_source_file(name):
                yield here / name


def _skipped(path: Path, root: Path, names: set[str], paths: set[str]) -> bool:
    if path.name in names:
        return True
    if paths and path.relative_to(root).as_posix() in paths:
        return True
    return (path / "pyvenv.cfg").is_file()
