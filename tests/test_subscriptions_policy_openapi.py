"""Plug-ins' OpenAPI paths join the core's path items instead of replacing them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from notifycenter.hub.openapi import openapi_document
from tests import httpclient


def plugin(paths: dict[str, Any]) -> Any:
    return SimpleNamespace(__name__="tests.plugin", openapi_paths=lambda: paths)


def test_a_plugins_method_on_a_core_path_keeps_the_cores_methods() -> None:
    core = openapi_document()["paths"]["/api/events"]
    head = {"summary": "headers only", "responses": {"200": {"description": "ok"}}}
    merged = openapi_document([plugin({"/api/events": {"head": head}})])["paths"]
    assert merged["/api/events"] == {**core, "head": head}


def test_a_plugin_cannot_document_a_core_operation_twice() -> None:
    with pytest.raises(ValueError, match="/api/events"):
        openapi_document([plugin({"/api/events": {"get": {"responses": {}}}})])


def test_the_served_document_has_the_events_path_with_the_handshake(hub: Any) -> None:
    served = httpclient.get(f"{hub.url}/openapi.json", timeout=10).json()["paths"]["/api/events"]
    core = openapi_document()["paths"]["/api/events"]
    assert {"get", "post", "options"} <= set(served)
    assert served["get"] == core["get"] and served["post"] == core["post"]
