"""A hash index from 64-bit integer keys to row numbers, kept in one `array`.

A dict of a million ints costs about 100 bytes an entry (the table plus an int object per
key and per value). This table holds only the row number (4 bytes a slot, at most 70% full): the
key is read back from the caller's own key column, so it is not stored twice.
"""

from __future__ import annotations

from array import array

from notifycenter.store.columns import bounds, count_of

_GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing spreads sequential keys (cursors) evenly
_MASK64 = (1 << 64) - 1
_MIN_BITS = 10


class IntIndex:
    """Maps `keys[value] -> value` for values put into it; `keys` is the caller's column."""

    __slots__ = ("_bits", "_keys", "_slots", "_used")

    def __init__(self, keys: array[int], capacity_hint: int = 0) -> None:
        self._keys = keys
        self._bits = max(_MIN_BITS, (capacity_hint * 10 // 7).bit_length())
        self._slots = array("i", bytes(4 << self._bits))  # 0 = empty, else value + 1
        self._used = 0

    def __len__(self) -> int:
        return self._used

    @property
    def slots(self) -> array[int]:
        """The table itself, for a snapshot (`restore` takes it back)."""
        return self._slots

    @classmethod
    def restore(cls, keys: array[int], slots: array[int]) -> IntIndex:
        """An index over `keys` from a snapshot's table. Keys hash alike in every process
        (ints only), so the table is valid as it is once its values are in range."""
        size = len(slots)
        if size < 1 << _MIN_BITS or size & (size - 1):
            raise ValueError("an index table of a size it cannot have")
        low, high = bounds(slots)
        if low < 0 or high > len(keys):
            raise ValueError("an index table that does not fit its key column")
        index = cls.__new__(cls)
        index._keys, index._slots = keys, slots
        index._bits, index._used = size.bit_length() - 1, size - count_of(slots, 0)
        return index

    def get(self, key: int) -> int | None:
        """The most recently put value whose key is `key`, or None."""
        slots, keys = self._slots, self._keys
        mask = len(slots) - 1
        slot = ((key * _GOLDEN) & _MASK64) >> (64 - self._bits)
        while True:
            stored = slots[slot]
            if stored == 0:
                return None
            if keys[stored - 1] == key:
                return stored - 1
            slot = (slot + 1) & mask

    def put(self, key: int, value: int) -> None:
        """Point `key` at `value` (which must already hold `key` in the key column)."""
        slots, keys = self._slots, self._keys
        mask = len(slots) - 1
        slot = ((key * _GOLDEN) & _MASK64) >> (64 - self._bits)
        while True:
            stored = slots[slot]
            if stored == 0:
                break
            if keys[stored - 1] == key:
                slots[slot] = value + 1
                return
            slot = (slot + 1) & mask
        slots[slot] = value + 1
        self._used += 1
        if self._used * 10 > len(slots) * 7:
            self._grow()

    def reserve(self, entries: int) -> None:
        """Room for `entries` without growing again (cheap while the index is small)."""
        bits = (entries * 10 // 7).bit_length()
        if bits > self._bits:
            self._grow(bits)

    def _grow(self, bits: int = 0) -> None:
        old = self._slots
        self._bits = max(bits, self._bits + 1)
        self._slots = array("i", bytes(4 << self._bits))
        self._used = 0
        keys = self._keys
        for stored in old:
            if stored:
                self.put(keys[stored - 1], stored - 1)
