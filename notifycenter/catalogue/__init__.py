"""The project's own error catalogue: one module per area, each a list of `ErrorSpec`s.

Convention (read by `notifycenter errors analyze`): every error is a module-level
`NAME = ErrorSpec(code="notifycenter-NNNN", name="ErrName", severity=..., short=...,
long=..., causes=(...), remedies=(...))` call with literal keyword arguments. A new
error takes `code="replace_me"` and `notifycenter errors update` gives it the next code.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from notifycenter.model.errors import ErrorSpec


@cache
def all_specs() -> tuple[ErrorSpec, ...]:
    """Every catalogued spec, in code order."""
    specs: list[ErrorSpec] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        specs.extend(v for v in vars(module).values() if isinstance(v, ErrorSpec))
    return tuple(sorted(specs, key=lambda s: s.code))


def by_code(code: str) -> ErrorSpec | None:
    return next((s for s in all_specs() if s.code == code), None)
