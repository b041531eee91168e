"""Interned strings: a column holds a small int, the table holds each distinct string once."""

from __future__ import annotations

from notifycenter.model.sanitize import sanitize_line
from notifycenter.store.columns import SLICE, pause_point
from notifycenter.store.received import as_text

DISPLAY_LIMIT = 200


class StringTable:
    """Raw strings to ids, and each id's sanitised display form.

    Id 0 is the empty string, so a missing attribute costs nothing. A value that is not a
    string is held as its JSON text. Display forms are sanitised once, when a string is
    first seen, not on every render.
    """

    __slots__ = ("_ids", "display", "raw")

    def __init__(self) -> None:
        self._ids: dict[str, int] = {"": 0}
        self.raw: list[str] = [""]
        self.display: list[str] = [""]

    def __len__(self) -> int:
        return len(self.raw)

    def intern(self, value: object) -> int:
        text = value if isinstance(value, str) else as_text(value)
        found = self._ids.get(text)
        if found is None:
            found = len(self.raw)
            self._ids[text] = found
            self.raw.append(text)
            self.display.append(sanitize_line(text, DISPLAY_LIMIT))
        return found

    @classmethod
    def restore(cls, raw: list[str]) -> StringTable:
        """A table from a snapshot's raw strings; display forms are made again here, so
        that nothing a snapshot says reaches the screen unsanitised."""
        if not raw or raw[0] != "":
            raise ValueError("a string table must begin with the empty string")
        table = cls()
        table.raw, table.display, table._ids = raw, [], {}
        for start in range(0, len(raw), SLICE):  # a slice at a time: other threads run between
            pause_point()
            part = raw[start : start + SLICE]
            inert = max(map(len, part)) <= DISPLAY_LIMIT and " ".join(part).isprintable()
            table.display += part if inert else [sanitize_line(t, DISPLAY_LIMIT) for t in part]
            table._ids.update(zip(part, range(start, start + len(part)), strict=True))
        if len(table._ids) != len(raw):
            raise ValueError("a string table holds a string twice")
        return table

    def id_of(self, value: str) -> int | None:
        return self._ids.get(value)

    def ids_containing(self, needle_lower: str) -> set[int]:
        """Ids whose display form contains `needle_lower`, ignoring case."""
        return {i for i, text in enumerate(self.display[:]) if i and needle_lower in text.lower()}

    def ids_with_prefix(self, prefix: str) -> set[int]:
        return {i for i, text in enumerate(self.raw[:]) if i and text.startswith(prefix)}
