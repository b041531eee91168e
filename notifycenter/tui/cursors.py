"""The last cursor the operator has seen, per context, kept under the data dir.

On a restart the events after it arrive as one digest rather than a flood of toasts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FILENAME = "tui-cursors.json"


class CursorBook:
    """A small JSON file: context name -> last seen cursor. Unreadable means empty."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILENAME

    def load(self, context: str) -> str | None:
        value = self._read().get(context)
        return value if isinstance(value, str) and value.isdigit() else None

    def save(self, context: str, cursor: str) -> None:
        entries = self._read()
        if entries.get(context) == cursor:
            return
        entries[context] = cursor
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)  # never a half-written file after a crash

    def _read(self) -> dict[str, object]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}
