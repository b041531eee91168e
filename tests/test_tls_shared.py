"""Sinks and sources share the process's trust store: building one per subscription or
per source does not read the CA bundle again (~50 ms of CPU each time)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from notifycenter.routing.egress import Egress
from notifycenter.routing.registry import create_sink
from notifycenter.sources.meshery import MesheryClient
from notifycenter.tls import system_tls


@pytest.fixture
def bundle_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    reads: list[object] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        reads.append(args or kwargs)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    system_tls.cache_clear()
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    yield reads
    system_tls.cache_clear()


async def test_many_webhook_sinks_read_the_ca_bundle_once(bundle_reads: list[object]) -> None:
    egress = Egress()
    sinks = [
        create_sink("HTTP", f"https://receiver.example/{n}", {}, None, egress=egress)
        for n in range(5)
    ]
    sinks += [create_sink("HTTP", f"https://receiver.example/d{n}", {}, None) for n in range(5)]
    assert len(bundle_reads) <= 1
    for sink in sinks:
        await sink.aclose()


async def test_many_source_clients_read_the_ca_bundle_once(bundle_reads: list[object]) -> None:
    clients = [MesheryClient(f"https://meshery.example/{n}", None, None) for n in range(5)]
    assert len(bundle_reads) <= 1
    for client in clients:
        await client.close()
