"""One HTTP client for the suite's own requests to its hubs.

`httpx.get()` and `httpx.post()` build a client per call, and each new client loads the CA
bundle: ~50 ms of CPU, paid again on every poll of a wait loop. This one is built once.
It keeps no connection between requests, so a hub restarted on the same port is never
reached through a connection its previous run closed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx

TIMEOUT = 30.0


@cache
def client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, limits=httpx.Limits(max_keepalive_connections=0))


def get(url: str, **options: Any) -> httpx.Response:
    return client().get(url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return client().post(url, **options)
