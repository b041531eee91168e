"""Shared fixtures: a fixed environment for every test, and hubs to talk to.

Every test starts from the same environment whatever the shell that runs it: no user
config or data, no terminal size, colour or tracing variables, a temporary home, UTC.
`hub` is the real hub served by a thread of the test process; `process_hub` (or
`hub_factory(process=True)`) is a `notifycenter serve` process, for tests whose point is
the process boundary.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.environment import fix_environment, memory_temp_root
from tests.pgserver import pg_database, pg_server  # noqa: F401 - fixtures

# The hub and httpx are imported where used: the xdist controller, which runs no test,
# then starts the workers without paying for them.
if TYPE_CHECKING:
    from notifycenter.hub.server import EmbeddedHub
    from tests.hubprocess import Hub, HubProcess
    from tests.hubthread import Stopping


# Each xdist worker imports the whole suite and the package. Without cached bytecode (a
# shell with PYTHONDONTWRITEBYTECODE set) every worker recompiles and assertion-rewrites
# all of it at every run: about 3 s of CPU per worker, so the suite keeps its caches.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Workers per core for `-n auto`: a test spends much of its time waiting (hub threads,
# subprocesses, timers), so more workers than cores keep both busy; each worker also
# imports and collects the whole suite (~4 s of CPU). Measured on two cores, the same
# code: 4 workers 124 s with the machine idle 40 s of the run; 5 workers 116 s;
# 6 workers 109-128 s (this machine varies by +-8 s) with it idle 9-12 s.
WORKERS_PER_CORE = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """What `-n auto` (the default in pyproject.toml) means for this suite."""
    return WORKERS_PER_CORE * usable_cores()


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # the cores this process may use (Linux)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


PG_TEMPLATE = pytest.StashKey["TemplateCluster | None"]()


def pytest_configure(config: pytest.Config) -> None:
    """Temporary directories in memory when there is room (read before any is made), the
    Hypothesis profile (Hypothesis' own hook, which runs next, applies
    --hypothesis-profile over it), and, where tests run, one parse of the apps' CSS; in
    the xdist controller, the caches and a PostgreSQL cluster for the workers to copy."""
    from tests import hypothesis_profiles

    root = memory_temp_root(config.option.basetemp)
    if root is not None:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(root)
    hypothesis_profiles.load_profile()
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        from tests.textual_css import share_parsed_css

        share_parsed_css()
    else:  # the xdist controller, before it starts the workers
        from tests.bytecode import warm_caches
        from tests.pgserver import start_template_cluster

        config.stash[PG_TEMPLATE] = start_template_cluster()
        warm_caches(config, usable_cores())


def pytest_unconfigure(config: pytest.Config) -> None:
    template = config.stash.get(PG_TEMPLATE, None)
    if template is not None:
        template.remove()


# The cyclic garbage collector, once the suite is collected. The modules and test items
# then alive live to the end, yet every full collection walked them again; and the
# default young-generation threshold (700 allocations) runs a collection every few
# hundred objects a Textual app makes. Frozen and with larger thresholds, the four
# workers spent 8.7 s in collections instead of 18.3 s (gc.callbacks around each), and
# the whole machine 218-234 s of CPU instead of 249 s. Garbage is still collected.
GC_THRESHOLDS = (50_000, 50, 100)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection left alive and collect less often from here on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hub",
        choices=("thread", "process"),
        default="thread",
        help="serve the `hub` fixtures in-process (default) or as `notifycenter serve` processes",
    )


def scratch_dir(tmp_path_factory: pytest.TempPathFactory, kind: str) -> Path:
    """A new empty folder for a test's home or hub, in a folder of its kind. Not
    `mktemp`: it lists the whole base folder to number each new one, and at a few
    thousand folders per worker that took milliseconds a test."""
    folder = tmp_path_factory.getbasetemp() / kind
    folder.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=folder))


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Tests never read the real user's config, data or terminal settings."""
    home = scratch_dir(tmp_path_factory, "nc-env")
    fix_environment(monkeypatch, home)
    yield home
    monkeypatch.undo()
    time.tzset()


HubFactory = Callable[..., "Hub"]


@pytest.fixture(scope="session")
def stopping_hubs() -> Iterator[list[Stopping]]:
    """In-process hubs winding down while the next test runs; all have stopped at the end."""
    stopping: list[Stopping] = []
    yield stopping
    join_all(stopping)


def join_all(stopping: list[Stopping]) -> None:
    while stopping:
        stopping.pop().join()


@pytest.fixture
def backend() -> str:
    """Where hubs keep their log: "sqlite"; a module that overrides this fixture with
    params ["sqlite", "postgresql"] runs its hub tests on both."""
    return "sqlite"


@pytest.fixture
def hub_factory(
    tmp_path_factory: pytest.TempPathFactory,
    stopping_hubs: list[Stopping],
    pytestconfig: pytest.Config,
    backend: str,
    request: pytest.FixtureRequest,
) -> Iterator[HubFactory]:
    """Start hubs: `hub_factory(tokens={"secret-token": ("alice", "operator")}, extra_args=[...])`.

    `tokens` writes a token file and passes it with --token-file; `data_dir` reuses a
    directory (for restarts across hubs); `extra_args` are `serve` options; `process=True`
    runs `notifycenter serve` in a process of its own (so does every hub with `--hub
    process`); `database` is a PostgreSQL URL (the test's own database when `backend` is
    "postgresql"). Every hub started is stopped at the end.
    """
    from tests.hubprocess import HubProcess
    from tests.hubthread import HubThread

    started: list[Hub] = []
    always_process = pytestconfig.getoption("hub") == "process"

    def start(
        *,
        tokens: dict[str, tuple[str, str]] | None = None,
        data_dir: Path | None = None,
        extra_args: Sequence[str] = (),
        process: bool = False,
        database: str | None = None,
    ) -> Hub:
        directory = data_dir or scratch_dir(tmp_path_factory, "hub")
        args = list(extra_args)
        if database is None and backend == "postgresql":
            database = request.getfixturevalue("pg_database")
        if database is not None:
            args += ["--database", database]
        if tokens:
            args += [
                "--token-file",
                str(write_token_file(directory.parent / f"{directory.name}.tokens.toml", tokens)),
            ]
        hub: Hub = (
            HubProcess(directory, extra_args=args)
            if process or always_process
            else HubThread(directory, extra_args=args)
        )
        started.append(hub)
        return hub.start()

    yield start
    join_all(stopping_hubs)  # the previous test's: a hub that cannot stop fails near its test
    for hub in started:
        if isinstance(hub, HubThread):
            stopping_hubs.append(hub.stop_later())
        else:
            hub.stop()


@pytest.fixture
def hub(hub_factory: HubFactory) -> Hub:
    """A started, open hub on a free port with an empty data dir, served in this process."""
    return hub_factory()


@pytest.fixture
def process_hub(hub_factory: HubFactory) -> HubProcess:
    """A `notifycenter serve` process: for kill -9, signals and the command itself."""
    from tests.hubprocess import HubProcess

    hub = hub_factory(process=True)
    assert isinstance(hub, HubProcess)
    return hub


def write_token_file(path: Path, tokens: dict[str, tuple[str, str]]) -> Path:
    """tokens: secret -> (user, role)."""
    lines = []
    for secret, (user, role) in tokens.items():
        lines += ["[[token]]", f'token = "{secret}"', f'user = "{user}"', f'role = "{role}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
async def embedded_hub(tmp_path: Path) -> AsyncIterator[EmbeddedHub]:
    """A hub served by the test's own event loop on a free port (the TUI's embedded mode)."""
    from notifycenter.hub.server import start_embedded
    from notifycenter.hub.settings import HubSettings

    running = await start_embedded(HubSettings(data_dir=tmp_path / "embedded", bind="127.0.0.1:0"))
    yield running
    await running.stop()
