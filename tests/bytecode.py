"""Compile the package and assertion-rewrite the tests once, before the workers start.

Every xdist worker imports every test module. In a fresh clone nothing is cached yet,
so each of the four workers compiled the package and rewrote the asserts of all the
test modules itself, at the same time: about 6 s of CPU each (12 s of collection instead
of 5.5), some 12 s of the suite's wall time on two cores. Done here, the work is done
once, split over the cores, and each worker finds the caches warm. With warm caches this
only reads the cached files' headers and code (0.17 s).

The rewriting uses pytest's own functions, so the cached files are exactly the ones its
import hook would write (and it still checks them before use). Where pytest's internals
differ (a name gone, a signature changed), nothing more is warmed and the workers do the
rest as before.
"""

from __future__ import annotations

import compileall
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_config: pytest.Config | None = None  # read by the forked processes


def warm_caches(config: pytest.Config, processes: int) -> None:
    """The package's bytecode and the tests' rewritten modules, in `processes` processes."""
    compileall.compile_dir(ROOT / "notifycenter", quiet=1)
    try:
        from _pytest.assertion import rewrite

        stale = [str(path) for path in _test_modules() if _cached(rewrite, path) is None]
        if stale:
            _rewrite_all(config, stale, processes)
    except PYTEST_INTERNALS_CHANGED:
        return


# What pytest's private rewrite functions raise here if they are renamed or reshaped.
PYTEST_INTERNALS_CHANGED = (ImportError, AttributeError, TypeError)


def _rewrite_all(config: pytest.Config, stale: list[str], processes: int) -> None:
    global _config
    _config = config
    context = get_context("fork")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        list(pool.map(_rewrite, stale, chunksize=max(1, len(stale) // (4 * processes))))


def _test_modules() -> list[Path]:
    tests = ROOT / "tests"
    return sorted([*tests.rglob("test_*.py"), *tests.rglob("conftest.py")])


def _pyc(rewrite: Any, path: Path) -> Path:
    cache = Path(rewrite.get_cache_dir(path))
    return cache / (path.name[:-3] + str(rewrite.PYC_TAIL))


def _cached(rewrite: Any, path: Path) -> object:
    return rewrite._read_pyc(path, _pyc(rewrite, path), lambda message: None)


def _rewrite(name: str) -> None:
    from _pytest.assertion import rewrite

    assert _config is not None
    path = Path(name)
    source_stat, code = rewrite._rewrite_test(path, _config)
    pyc = _pyc(rewrite, path)
    if rewrite.try_makedirs(pyc.parent):
        state = _config.stash[rewrite.assertstate_key]
        rewrite._write_pyc(state, code, source_stat, pyc)
