"""Client starts: the CA bundle is read only for https hubs, and once per process."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from notifycenter.catalogue.client import HUB_UNREACHABLE
from notifycenter.client.emitter import Emitter
from notifycenter.client.http import system_tls
from notifycenter.client.hub import HubClient
from notifycenter.model.errors import NotifyError

if TYPE_CHECKING:  # imported where used: only the worker running these pays its ~0.1 s
    import trustme


@pytest.fixture
def ca_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every reading of a CA bundle (a file, a folder, or the system's default store)."""
    loads: list[str] = []
    load_verify = ssl.SSLContext.load_verify_locations
    load_default = ssl.SSLContext.load_default_certs

    def verify_locations(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append("verify_locations")
        load_verify(self, *args, **kwargs)

    def default_certs(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append("default_certs")
        load_default(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", verify_locations)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", default_certs)
    system_tls.cache_clear()
    yield loads
    system_tls.cache_clear()


def test_a_client_of_an_http_hub_reads_no_ca_bundle(ca_loads: list[str]) -> None:
    for _ in range(3):
        asyncio.run(HubClient(["http://127.0.0.1:9", "http://[::1]:9"]).aclose())
    assert ca_loads == []


def test_an_emitter_of_an_http_hub_reads_no_ca_bundle(ca_loads: list[str], tmp_path: Path) -> None:
    emitter = Emitter("http://127.0.0.1:9", source="tls-test", data_dir=tmp_path, timeout=0.2)
    try:
        assert ca_loads == []
    finally:
        emitter.close(timeout=0)


def test_clients_of_https_hubs_read_the_ca_bundle_once(ca_loads: list[str]) -> None:
    for _ in range(3):
        asyncio.run(HubClient("https://hub.example:9181").aclose())
    asyncio.run(HubClient(["http://127.0.0.1:9", "https://hub.example:9181"]).aclose())
    assert len(ca_loads) == 1
    trust = system_tls()
    assert trust.verify_mode == ssl.CERT_REQUIRED and trust.check_hostname
    assert trust.cert_store_stats()["x509_ca"] > 0


async def _serve_whoami(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A TLS server that answers any request as the hub's `/api/whoami` would."""
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        body = b'{"user": "alice", "role": "viewer"}'
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        writer.write(head.encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        pass  # the client refused the certificate
    finally:
        writer.close()


async def _whoami_over_tls(authority: trustme.CA) -> str:
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_side)
    server = await asyncio.start_server(_serve_whoami, "127.0.0.1", 0, ssl=server_side)
    port = server.sockets[0].getsockname()[1]
    try:
        async with HubClient(f"https://127.0.0.1:{port}", timeout=5) as hub:
            return await hub.whoami()
    finally:
        server.close()
        await server.wait_closed()


def test_the_shared_trust_still_refuses_an_unknown_authority(
    ca_loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    import trustme

    with pytest.raises(NotifyError) as refused:
        asyncio.run(_whoami_over_tls(trustme.CA()))
    assert refused.value.code == HUB_UNREACHABLE.code
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.long_description)


def test_ssl_cert_file_names_the_authority_a_hub_is_trusted_by(
    ca_loads: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import trustme

    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert asyncio.run(_whoami_over_tls(authority)) == "alice"
