"""httpx's command-line tool stays out of notifycenter's processes until it is called."""

from __future__ import annotations

import subprocess
import sys


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_httpx_after_notifycenter_leaves_its_tool_unloaded() -> None:
    done = python(
        "import sys, notifycenter, httpx\n"
        "print(sorted(m for m in ('pygments.lexers', 'rich.progress', 'click') if m in sys.modules))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_tool_still_runs_when_called() -> None:
    done = python("import sys, notifycenter, httpx\nsys.argv = ['httpx', '--help']\nhttpx.main()")
    assert done.returncode == 0, done.stderr
    assert "Usage: httpx" in done.stdout
