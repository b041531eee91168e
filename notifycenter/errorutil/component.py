"""component_info.json: the component's name, type and next error code (MeshKit's format)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from notifycenter.catalogue.errorutil import COMPONENT_INFO_INVALID, COMPONENT_INFO_MISSING

FILENAME = "component_info.json"
_NEXT_CODE = re.compile(rb'("next_error_code"\s*:\s*)(-?[0-9]+)')


@dataclass(frozen=True)
class ComponentInfo:
    name: str
    type: str
    next_error_code: int
    path: Path

    @classmethod
    def read(cls, directory: Path) -> ComponentInfo:
        path = directory / FILENAME
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise COMPONENT_INFO_MISSING.error(f"{path} does not exist", path=str(path)) from None
        except OSError as exc:
            raise COMPONENT_INFO_MISSING.error(f"{path}: {exc.strerror}", path=str(path)) from None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise COMPONENT_INFO_INVALID.error(f"{path}: {exc}", path=str(path)) from None
        return cls._validated(data, path)

    @classmethod
    def _validated(cls, data: object, path: Path) -> ComponentInfo:
        if not isinstance(data, dict):
            raise COMPONENT_INFO_INVALID.error(f"{path}: not a JSON object", path=str(path))
        name, kind, next_code = data.get("name"), data.get("type", ""), data.get("next_error_code")
        if not isinstance(name, str) or not name:
            raise COMPONENT_INFO_INVALID.error(
                f"{path}: name must be a non-empty string", path=str(path)
            )
        if not isinstance(kind, str):
            raise COMPONENT_INFO_INVALID.error(f"{path}: type must be a string", path=str(path))
        if isinstance(next_code, bool) or not isinstance(next_code, int):
            raise COMPONENT_INFO_INVALID.error(
                f"{path}: next_error_code must be an integer", path=str(path)
            )
        return cls(name=name, type=kind, next_error_code=next_code, path=path)

    def with_next_code(self, raw: bytes, next_code: int) -> bytes:
        """The file's bytes with only the number of next_error_code changed."""
        new, count = _NEXT_CODE.subn(lambda m: m.group(1) + str(next_code).encode(), raw, count=1)
        if count:
            return new
        data = json.loads(raw)
        data["next_error_code"] = next_code
        return (json.dumps(data, indent=2) + "\n").encode()
