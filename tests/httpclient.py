"""HTTP clients for the suite's own requests to its hubs and the programs it starts.

Every httpx client built with the default `verify=True` reads the CA bundle: ~50 ms of
CPU, which `httpx.get()` and `httpx.post()` pay on every call, and which 437 clients built
per test paid in every run (21 s of the suite's CPU). The suite's servers speak plain
http, so its clients trust no CA at all (`plain_only`: a TLS connection fails closed).
`get` and `post` share one client that keeps no connection between requests, so a hub
restarted on the same port is never reached through a connection its previous run closed.
Ruff refuses `httpx.get`, `httpx.post` and the like in tests (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx

from notifycenter.client.http import plain_only

TIMEOUT = 30.0


def sync_client(**options: Any) -> httpx.Client:
    """`httpx.Client(**options)` without reading the CA bundle."""
    return httpx.Client(verify=plain_only(), **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    """`httpx.AsyncClient(**options)` without reading the CA bundle."""
    return httpx.AsyncClient(verify=plain_only(), **options)


@cache
def client() -> httpx.Client:
    return sync_client(timeout=TIMEOUT, limits=httpx.Limits(max_keepalive_connections=0))


def get(url: str, **options: Any) -> httpx.Response:
    return client().get(url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return client().post(url, **options)
