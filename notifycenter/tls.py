"""The process's one trust store for outgoing TLS.

Every httpx client or transport built with the default `verify=True` reads the CA
bundle again: ~50 ms of CPU each time. Sinks, sources and clients are built per
subscription, per source and per request burst, so they share one context instead.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def system_tls() -> ssl.SSLContext:
    """The system's trust as httpx builds it (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured,
    read once per process)."""
    return httpx.create_ssl_context()
