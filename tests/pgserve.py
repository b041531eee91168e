"""`python -m tests.pgserve PLUGIN,PLUGIN serve ARGS…`: `notifycenter serve` loading only
the named hub plug-ins, for hub processes on PostgreSQL while some plug-ins cannot run
there yet (tests/pgserver.py: PG_PLUGINS)."""

from __future__ import annotations

import functools
import sys

import notifycenter.hub.server as server
from notifycenter.cli import main

if __name__ == "__main__":
    names = tuple(name for name in sys.argv[1].split(",") if name)
    server.run = functools.partial(server.run, plugins=names)  # read by `serve` when it runs
    main(sys.argv[2:])
