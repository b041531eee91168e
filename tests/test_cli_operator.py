"""The operator's day on the command line: habits from kubectl, `run` on a terminal, the demo,
and a config file that costs a command nothing once it has been checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from notifycenter.config import config_path

VALID = '[contexts.lab]\nserver = "http://lab.example:9181/"\n\n[tui]\ntheme = "textual-dark"\n'
PYDANTIC_LOADED = (
    "import sys; from notifycenter.config import load_config; c = load_config(); "
    "print(c.contexts['lab'].server, 'pydantic' in sys.modules)"
)


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_checked_config_file_is_read_without_the_schema_and_a_changed_one_is_checked() -> None:
    write_config(VALID)
    first, second = python(PYDANTIC_LOADED), python(PYDANTIC_LOADED)
    assert first.stdout.split() == ["http://lab.example:9181", "True"], first.stderr
    assert second.stdout.split() == ["http://lab.example:9181", "False"], second.stderr
    # The same file with a misspelt key: validated again, and refused as before.
    write_config(VALID.replace("theme", "theem"))
    refused = python(PYDANTIC_LOADED)
    assert refused.returncode == 1 and "notifycenter-1500" in refused.stderr
    assert "did you mean 'theme'" in refused.stderr


def test_the_remembered_checks_hold_no_token() -> None:
    write_config(VALID.replace('/"\n', '/"\ntoken = "s3cret-token-value"\n', 1))
    assert python(PYDANTIC_LOADED).returncode == 0
    data = Path(os.environ["NOTIFYCENTER_DATA_DIR"])
    remembered = "".join(p.read_text() for p in data.rglob("*") if p.is_file())
    assert remembered and "s3cret" not in remembered
