"""The start's imports without the cyclic garbage collector.

The notification center's imports (Textual, pydantic, httpx and its own modules) create
about 100,000 objects that live as long as the process. The collector runs every 700 new
objects and walks the young ones each time, finding nothing to free: about a tenth of
the import time, paid before anything is drawn. Collection is switched off while they
load, and what they made is then frozen out of its sight (`gc.freeze`) so that no later
collection walks it either.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside; everything alive at the end is frozen, and the
    collector is back as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
