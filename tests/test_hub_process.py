"""What a hub in a process of its own (`notifycenter serve`) does before it serves: fewer
garbage collections, and the CESQL parser built so that no request waits for it."""

from __future__ import annotations

import gc
import socket
from pathlib import Path

import pytest

from notifycenter.hub import server


def test_a_hub_process_collects_garbage_less_often_and_has_its_filter_parser_ready() -> None:
    from notifycenter.model.filters import parser

    parser._lark.cache_clear()
    before = gc.get_threshold()
    try:
        server.prepare_process()
        assert gc.get_threshold() == server.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert parser._lark.cache_info().currsize == 1  # no request builds it
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_serve_prepares_its_process_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from notifycenter.hub.settings import HubSettings

    prepared: list[bool] = []
    monkeypatch.setattr(server, "prepare_process", lambda: prepared.append(True))

    def serve_nothing(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        assert prepared, "prepared after serving began"
        self.started = True
        sockets[0].close()

    monkeypatch.setattr(uvicorn.Server, "run", serve_nothing)
    server.run(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    assert prepared == [True]
