"""/openapi.json is a valid OpenAPI 3.1 document and documents what the hub really reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from notifycenter.catalogue import hub as codes
from notifycenter.hub.app import load_plugins
from notifycenter.hub.openapi import openapi_document
from notifycenter.hub.operations import OperationQuery
from notifycenter.hub.query import parse_query
from notifycenter.hub.server import start_embedded
from notifycenter.hub.settings import HubSettings
from tests import httpclient


@pytest.fixture
async def served(tmp_path: Path) -> Any:
    hub = await start_embedded(HubSettings(data_dir=tmp_path / "hub", bind="127.0.0.1:0"))
    async with httpclient.async_client(base_url=hub.url, timeout=10) as client:
        yield client
    await hub.stop()


async def test_the_served_document_passes_openapi_spec_validator(served: httpx.AsyncClient) -> None:
    # Imported here: only the worker that runs this test pays for it (~0.2 s).
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = (await served.get("/openapi.json")).json()
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in OpenAPIV31SpecValidator(document).iter_errors()
    ]
    assert errors == []


class Recorder(dict[str, str]):
    """Query parameters that remember every name a parser asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.asked.add(name)
        return default

    def getlist(self, name: str) -> list[str]:
        self.asked.add(name)
        return []


def documented(path: str) -> set[str]:
    operation = openapi_document(load_plugins())["paths"][path]["get"]
    return {p["name"] for p in operation["parameters"] if p["in"] == "query"}


def test_every_parameter_the_operations_list_reads_is_documented() -> None:
    params = Recorder()
    OperationQuery.parse(params, datetime.now(UTC))
    assert params.asked <= documented("/api/operations")
    assert {"parent", "trace", "filter", "offset"} <= documented("/api/operations")


def test_every_parameter_the_event_list_reads_is_documented() -> None:
    params = Recorder()
    parse_query(params.getlist)
    assert params.asked <= documented("/api/events")


def test_every_operation_documents_405() -> None:
    for path, item in openapi_document(load_plugins())["paths"].items():
        for method, operation in item.items():
            assert "405" in operation["responses"], f"{method.upper()} {path}"


async def test_a_405_is_the_documented_catalogued_answer(served: httpx.AsyncClient) -> None:
    response = await served.delete("/api/events")
    assert response.status_code == 405
    assert response.json()["code"] == codes.METHOD_NOT_ALLOWED.code
    assert "POST" in response.headers["allow"]
