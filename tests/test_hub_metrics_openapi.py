"""/metrics counts what happened; /openapi.json documents every route the app serves."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Route, WebSocketRoute

from notifycenter.hub.app import create_app
from notifycenter.hub.settings import HubSettings
from tests import httpclient
from tests.hubprocess import BATCH, make_event


async def test_metrics_count_accepted_duplicate_and_rejected(embedded_hub) -> None:
    async with httpclient.async_client(base_url=embedded_hub.url) as client:
        await client.post(
            "/api/events",
            json=[make_event(1), make_event(1), make_event(2)],
            headers={"content-type": BATCH},
        )
        await client.post(
            "/api/events", json=[make_event(3, specversion="0.3")], headers={"content-type": BATCH}
        )
        text = (await client.get("/metrics")).text

    def value(name: str) -> float:
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        assert match, name
        return float(match[1])

    assert value("notifycenter_events_accepted_total") == 2
    assert value("notifycenter_events_duplicate_total") == 1
    assert value('notifycenter_events_rejected_total{reason="notifycenter-1002"}') == 1
    assert value("notifycenter_subscribers") == 0
    assert value("notifycenter_log_size_bytes") > 0
    assert value('notifycenter_request_seconds_count{method="POST",route="post_events"}') == 2


async def test_openapi_documents_every_route(tmp_path) -> None:
    app = create_app(HubSettings(data_dir=tmp_path))
    async with httpclient.async_client(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]  # no lifespan: no log opened
    for route in app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        assert path in paths, path
        if isinstance(route, Route):
            for method in route.methods - {"HEAD"}:
                assert method.lower() in paths[path], (method, path)
        if isinstance(route, WebSocketRoute):
            assert "get" in paths[path]
