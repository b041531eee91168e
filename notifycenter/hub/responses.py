"""JSON answers (orjson: 5-10x faster than json for records) and catalogued error bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from notifycenter.model.errors import NotifyError


class JSONAnswer(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def answer(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONAnswer:
    return JSONAnswer(content, status_code=status, headers=dict(headers or {}))


def error_answer(error: NotifyError, headers: Mapping[str, str] | None = None) -> JSONAnswer:
    return answer(error.to_dict(), error.http_status, headers)
