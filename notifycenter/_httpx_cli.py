"""Keep httpx's command-line tool out of every process's start.

httpx's package imports its own command-line tool (`httpx._main`: click, and rich's
console, progress, syntax and table, and pygments' lexers) whenever rich and pygments are
installed, as they are beside Textual: 82 ms of the import of httpx, paid by every hub,
command and center at start, for a tool notifycenter never runs. A stand-in registered
before httpx is first imported takes its place; called, it loads the real one.
"""

from __future__ import annotations

import sys
import types


def _main() -> None:
    """httpx's `main`, loaded on use."""
    del sys.modules["httpx._main"]
    from httpx._main import main

    main()


def defer() -> None:
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return  # too late, or already done
    stand_in = types.ModuleType("httpx._main", _main.__doc__)
    stand_in.main = _main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in
