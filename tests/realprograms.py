"""What the tests that drive real programs (PostgreSQL, Alertmanager, NATS) share."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(program: str, install: str) -> NoReturn:
    """A real program the test needs is not installed: skipped on a developer's machine,
    a failure under CI, which installs every one of them (.ci/run)."""
    if os.environ.get("CI"):
        pytest.fail(f"{program} is not installed, and CI requires it ({install})")
    pytest.skip(f"{program} is not installed ({install})")
