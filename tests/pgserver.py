"""Run Debian's PostgreSQL (`initdb` + `pg_ctl`) for the tests: one server per xdist
worker in a temporary directory, on a free port, trust authentication, fsync on (what a
hub answers must survive), and a fresh database per test.

Under root, initdb refuses to run: the server then runs as the `postgres` user, which
owns the directory. Without the binaries the tests are skipped, except under CI.

`initdb` costs ~0.8 s of CPU, once per worker. Under xdist the controller runs it once in
the background while the workers collect (`TemplateCluster`), and each worker copies the
result (~0.05 s) when it first needs a server; it runs initdb itself when there is none.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hubprocess import free_port
from tests.realprograms import missing

START_TIMEOUT = 30
SERVER_USER = "postgres"
# Enough for several hubs per test (each holds a writer, readers and a listener).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "fsync": "on",
    "synchronous_commit": "on",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, else the folder of `initdb` on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name or 0),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def require_bin_dir() -> Path:
    """The binaries' folder; without it the test is skipped, except under CI."""
    found = bin_dir()
    if found is None:
        missing("PostgreSQL", "apt-get install postgresql")
    return found


TEMPLATE_VARIABLE = "NOTIFYCENTER_TEST_PG_TEMPLATE"
TEMPLATE_WAIT = 60.0


def initdb_command(data: Path) -> list[str]:
    return [
        "initdb", "-D", str(data), "-U", SERVER_USER, "-A", "trust", "-E", "UTF8", "--locale=C",
        "--no-sync",  # the cluster's own files; fsync is on for what the hub writes
    ]  # fmt: skip


def as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv


def owned_by_server_user(*paths: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVER_USER)
        for path in paths:
            os.chown(path, owner.pw_uid, owner.pw_gid)


class TemplateCluster:
    """An initdb run in the background by the xdist controller, for its workers to copy.

    Its folder is handed to the workers in TEMPLATE_VARIABLE; `ready` or `failed` appears
    in it when initdb ends.
    """

    def __init__(self, binaries: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nc-pg-template-", dir=temp_root()))
        owned_by_server_user(self.root)
        command = [str(binaries / "initdb"), *initdb_command(self.root / "data")[1:]]
        script = (
            'root=$1; shift; if "$@" >"$root/initdb.log" 2>&1;'
            ' then touch "$root/ready"; else touch "$root/failed"; fi'
        )
        self.process = subprocess.Popen(
            as_server_user(["sh", "-c", script, "sh", str(self.root), *command])
        )
        os.environ[TEMPLATE_VARIABLE] = str(self.root)

    def remove(self) -> None:
        os.environ.pop(TEMPLATE_VARIABLE, None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=TEMPLATE_WAIT)
        shutil.rmtree(self.root, ignore_errors=True)


def start_template_cluster() -> TemplateCluster | None:
    """For the xdist controller: None where PostgreSQL is not installed."""
    binaries = bin_dir()
    return TemplateCluster(binaries) if binaries is not None else None


def temp_root() -> str | None:
    return os.environ.get("PYTEST_DEBUG_TEMPROOT")


def template_data() -> Path | None:
    """The controller's initialised cluster, once initdb has ended well; else None."""
    root = os.environ.get(TEMPLATE_VARIABLE)
    if not root:
        return None
    ready, failed = Path(root) / "ready", Path(root) / "failed"
    deadline = time.monotonic() + TEMPLATE_WAIT
    while not (ready.exists() or failed.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return Path(root) / "data" if ready.exists() else None


class PgServer:
    """One PostgreSQL cluster; `restart()` keeps its port, data and databases."""

    def __init__(self, root: Path, binaries: Path) -> None:
        self.root = root
        self.binaries = binaries
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log_path = root / "server.log"
        self.port = free_port()

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        argv = as_server_user([str(self.binaries / command[0]), *command[1:]])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT + 30)
        if done.returncode != 0:
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            raise RuntimeError(
                f"{command[0]} failed ({done.returncode}): {done.stdout}{done.stderr}{log}"
            )

    def init(self) -> None:
        self.sockets.mkdir()
        owned_by_server_user(self.root, self.sockets)
        template = template_data()
        if template is not None:
            copy = as_server_user(["cp", "-a", str(template), str(self.data)])
            subprocess.run(copy, check=True, capture_output=True, timeout=START_TIMEOUT)
        else:
            self._run(*initdb_command(self.data))
        lines = [f"{key} = {value}" for key, value in SETTINGS.items()]
        lines += [f"port = {self.port}", f"unix_socket_directories = '{self.sockets}'"]
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w",
            "-t", str(START_TIMEOUT), "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (closing every client's connection) and start again on the same port."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-m", "fast", "-w",
            "-t", str(START_TIMEOUT), "restart",
        )  # fmt: skip

    def create_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a test's database, closing any connection a stopping hub still holds."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """This worker's PostgreSQL server, started on first use, stopped at the end."""
    binaries = require_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="nc-pg-", dir=temp_root()))
    server = PgServer(root, binaries)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            if (server.data / "postmaster.pid").exists():
                server.stop("immediate")
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh database for this test (dropped afterwards)."""
    url = pg_server.create_database()
    yield url
    with contextlib.suppress(Exception):  # a server a test stopped: the session ends it
        pg_server.drop_database(url)
