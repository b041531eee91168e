"""Compile the package, assertion-rewrite the tests and let Hypothesis read the package's
constants once, before the workers start.

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

Hypothesis keeps two caches in `.hypothesis` that a fresh clone lacks: its tables of
Unicode characters (which every worker that draws text built again: ~2.9 s of CPU each;
the random-filter test took 3.2 s instead of 0.4 s) and the constants it draws from the
code under test (each worker parsed every module of ours it had loaded). Hypothesis' own
functions fill both here; where they are gone or changed, the workers do as before.
"""

from __future__ import annotations

import compileall
import contextlib
import types
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_config: pytest.Config | None = None  # read by the forked processes


def warm_caches(config: pytest.Config, processes: int) -> None:
    """The package's bytecode, the tests' rewritten modules and Hypothesis' caches, in
    `processes` processes. Hypothesis' are filled only where its folder lacks them (a fresh
    clone): the workers read them anyway, and a module changed since is theirs to parse."""
    compileall.compile_dir(ROOT / "notifycenter", quiet=1)
    global _config
    _config = config
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        tables = (
            pool.submit(_hypothesis_unicode_tables) if _hypothesis_lacks("unicode_data") else None
        )
        try:
            from _pytest.assertion import rewrite

            stale = [str(path) for path in _test_modules() if _cached(rewrite, path) is None]
            list(pool.map(_rewrite, stale, chunksize=_chunk(stale, processes)))
        except INTERNALS_CHANGED:
            pass
        if _hypothesis_lacks("constants"):
            package = [str(path) for path in sorted((ROOT / "notifycenter").rglob("*.py"))]
            list(pool.map(_hypothesis_constants, package, chunksize=_chunk(package, processes)))
        if tables is not None:
            tables.result()


# What pytest's and Hypothesis' private functions raise here if renamed or reshaped.
INTERNALS_CHANGED = (ImportError, AttributeError, TypeError)


def _chunk(items: list[str], processes: int) -> int:
    return max(1, len(items) // (4 * processes))


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


def _hypothesis_lacks(cache: str) -> bool:
    """Whether Hypothesis' folder has no `cache` yet (as in a fresh clone)."""
    try:
        from hypothesis.configuration import storage_directory

        return not storage_directory(cache, intent_to_write=False).path.exists()
    except INTERNALS_CHANGED:
        return False  # nothing to fill it with either


def _hypothesis_constants(name: str) -> None:
    """What Hypothesis caches for the module at `name`, found without importing it."""
    try:
        from hypothesis.internal.constants_ast import constants_from_module
    except INTERNALS_CHANGED:
        return
    module = types.ModuleType(Path(name).stem)
    module.__file__ = name
    with warnings.catch_warnings():  # pytest is still starting: Hypothesis warns of disk use
        warnings.simplefilter("ignore")
        with contextlib.suppress(*INTERNALS_CHANGED):
            constants_from_module(module)


def _hypothesis_unicode_tables() -> None:
    """The character tables Hypothesis caches: all of Unicode, and UTF-8's (the codec
    the suite's text strategies use)."""
    with warnings.catch_warnings(), contextlib.suppress(*INTERNALS_CHANGED):
        warnings.simplefilter("ignore")
        from hypothesis.internal import charmap

        charmap.charmap()
        charmap.intervals_from_codec("utf-8")
