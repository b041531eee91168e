"""Remember which config file texts the schema already accepted, so commands skip pydantic.

Importing pydantic and building the schema costs a CLI command hundreds of milliseconds,
yet the file rarely changes between commands. After a text passes validation, its
SHA-256 (together with the schema's fingerprint: the package version and the size and
mtime of the modules it is written in) is written to a small file in the data folder. A later command
whose file hashes to a remembered key reads it with `tomllib` alone; any change to the
file or the schema misses and validates in full. Only hashes are stored: never a token.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from notifycenter import __version__

CACHE_NAME = "config-validated"
KEPT = 16  # a few config files (contexts of several shells) stay remembered
# What the fast path's values depend on: the schema, and the URL rule it applies to servers.
_SCHEMA = (
    Path(__file__).with_name("config_schema.py"),
    Path(__file__).parent / "model" / "protocol.py",
)


def text_key(text: str) -> str | None:
    """The key of this text under the installed schema; None when the schema is unreadable."""
    digest = hashlib.sha256(f"{__version__}\0".encode())
    for module in _SCHEMA:
        try:
            stat = module.stat()
        except OSError:
            return None
        digest.update(f"{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def is_known(folder: Path, key: str) -> bool:
    """Whether `key` was remembered as valid."""
    try:
        return key in (folder / CACHE_NAME).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return False


def remember(folder: Path, key: str) -> None:
    """Add `key`, keeping the newest `KEPT`; a folder that cannot be written is no error."""
    path = folder / CACHE_NAME
    try:
        known = [k for k in path.read_text(encoding="ascii").split() if k != key]
    except (OSError, UnicodeDecodeError):
        known = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{CACHE_NAME}.{os.getpid()}.tmp")
        temporary.write_text("\n".join([*known[-(KEPT - 1) :], key]) + "\n", encoding="ascii")
        os.replace(temporary, path)
    except OSError:
        pass
