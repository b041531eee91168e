"""JSON answers (orjson: 5-10x faster than json for records) and catalogued error bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from notifycenter.model.errors import ErrorBody, NotifyError


class JSONAnswer(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            # orjson stops at 255 levels of nesting; a stored event may sit just under it
            # and the record around it add the rest. The standard library goes deeper.
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def answer(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONAnswer:
    return JSONAnswer(content, status_code=status, headers=dict(headers or {}))


def error_answer(error: NotifyError, headers: Mapping[str, str] | None = None) -> JSONAnswer:
    """The error's catalogued body; its `retry_after` becomes the Retry-After header."""
    body: ErrorBody = error.to_dict()
    merged = dict(headers or {})
    if error.retry_after is not None:
        merged.setdefault("Retry-After", str(error.retry_after))
    return answer(body, error.http_status, merged)
