"""How fast can one client address guess tokens? A hub process with a token file, hammered.

    .venv/bin/python bench/hub_login_guessing.py [--seconds 20] [--connections 4]

Counts answers by status: 401 is a guess the hub compared with its tokens, 429 a guess
refused unseen (throttled). The figure that matters is compared guesses per second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from hub_common import Connection, cpu_note, hub_process


def token_file() -> Path:
    path = Path(tempfile.mkdtemp(prefix="nc-bench-tokens-")) / "tokens.toml"
    path.write_text('[[token]]\ntoken = "the-real-secret-token"\nuser = "v"\nrole = "viewer"\n')
    return path


async def guess(port: int, seconds: float, connections: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds

    async def worker(number: int) -> None:
        connection = await Connection.open("127.0.0.1", port)
        n = 0
        try:
            while time.monotonic() < deadline:
                raw = (
                    f"GET /api/summary HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Authorization: Bearer guess-{number}-{n}\r\n\r\n"
                ).encode()
                status, _ = await connection.request(raw)
                statuses[status] += 1
                n += 1
        finally:
            connection.close()

    await asyncio.gather(*(worker(n) for n in range(connections)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    with hub_process("--token-file", str(token_file())) as hub:
        statuses = asyncio.run(guess(hub.port, args.seconds, args.connections))
    total = sum(statuses.values())
    print(f"{args.seconds:.0f} s, {args.connections} connections from one address; {cpu_note()}")
    print(f"answers: {total} ({total / args.seconds:.0f}/s) by status {dict(statuses)}")
    compared = statuses.get(401, 0)
    print(f"guesses compared with the hub's tokens: {compared} ({compared / args.seconds:.2f}/s)")


if __name__ == "__main__":
    main()
