"""A request of the client looks for no module: httpcore asks which event loop runs several
times a request, and without sniffio installed each ask was an import that failed after
searching every directory of `sys.path` (~0.1 ms each, thousands of pages in a backlog)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

from notifycenter.client import HubClient
from notifycenter.hub.server import EmbeddedHub


class ImportSpy(MetaPathFinder):
    """Notes every module an import looks for (and finds none: the real finders follow)."""

    def __init__(self) -> None:
        self.looked_for: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.looked_for.append(fullname)
        return None


async def test_pages_after_the_first_look_for_no_module(embedded_hub: EmbeddedHub) -> None:
    async with HubClient(embedded_hub.url) as client:
        await client.list(limit=1)  # the first request may import what it needs, once
        spy = ImportSpy()
        sys.meta_path.insert(0, spy)
        try:
            for _ in range(3):
                await client.list(limit=1)
                await client.summary()
        finally:
            sys.meta_path.remove(spy)
    assert spy.looked_for == []
