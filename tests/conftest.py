"""Shared fixtures: an isolated environment for every test, and real hub processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.hubprocess import HubProcess


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Tests never read the real user's config or data."""
    home = tmp_path_factory.mktemp("nc-env")
    monkeypatch.setenv("NOTIFYCENTER_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("NOTIFYCENTER_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("NOTIFYCENTER_SERVER", raising=False)
    monkeypatch.delenv("NOTIFYCENTER_TOKEN", raising=False)
    return home


HubFactory = Callable[..., HubProcess]


@pytest.fixture
def hub_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubFactory]:
    """Start hubs: `hub_factory(tokens={"secret-token": ("alice", "operator")}, extra_args=[...])`.

    `tokens` writes a token file and passes it with --token-file; `data_dir` reuses a
    directory (for restarts across hubs). Every hub started is stopped at the end.
    """
    started: list[HubProcess] = []

    def start(
        *,
        tokens: dict[str, tuple[str, str]] | None = None,
        data_dir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> HubProcess:
        directory = data_dir or tmp_path_factory.mktemp("hub")
        args = list(extra_args)
        if tokens:
            args += [
                "--token-file",
                str(write_token_file(directory.parent / f"{directory.name}.tokens.toml", tokens)),
            ]
        hub = HubProcess(directory, extra_args=args)
        started.append(hub)
        return hub.start()

    yield start
    for hub in started:
        hub.stop()


@pytest.fixture
def hub(hub_factory: HubFactory) -> HubProcess:
    """A started, open hub on a free port with an empty data dir."""
    return hub_factory()


def write_token_file(path: Path, tokens: dict[str, tuple[str, str]]) -> Path:
    """tokens: secret -> (user, role)."""
    lines = []
    for secret, (user, role) in tokens.items():
        lines += ["[[token]]", f'token = "{secret}"', f'user = "{user}"', f'role = "{role}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
async def embedded_hub(tmp_path: Path):
    """A hub served by the test's own event loop on a free port (the TUI's embedded mode).

    Faster than a process; use `hub` when a test needs a real process (kill, restart).
    """
    from notifycenter.hub.server import start_embedded
    from notifycenter.hub.settings import HubSettings

    running = await start_embedded(HubSettings(data_dir=tmp_path / "embedded", bind="127.0.0.1:0"))
    yield running
    await running.stop()
