"""Numbering equal rows of one file by their order, in memory that does not grow with the file."""

from collections.abc import Hashable

MIN_BITS_LOG2 = 16
MAX_BITS_LOG2 = 28  # two bitmaps of 32 MB at most; a bigger file only makes more keys "maybe repeated"


class OccurrenceCounter:
    """Tells for each key of a file how many equal keys came before it: 0, then 1, 2…

    A dict of every key of a 1.2-million-row file takes hundreds of megabytes. Instead a first
    pass (`survey`) marks each key's hash in two bitmaps, "seen" and "seen again"; the second
    pass (`occurrence`) counts exactly only the keys whose hash was seen again, which are the
    real repeats plus a few hash collisions. Any other key is certainly the only one: 0.
    """

    def __init__(self, file_bytes: int):
        # About one bit per byte of the file: a row has at least 20 bytes, so collisions stay rare.
        bits_log2 = min(max(file_bytes.bit_length(), MIN_BITS_LOG2), MAX_BITS_LOG2)
        self._mask = (1 << bits_log2) - 1
        self._seen = bytearray(1 << (bits_log2 - 3))
        self._seen_again = bytearray(1 << (bits_log2 - 3))
        self._counts: dict[Hashable, int] = {}

    def _slot(self, key: Hashable) -> tuple[int, int]:
        """The byte and the bit mask of the key's hash in the bitmaps."""
        slot = hash(key) & self._mask
        return slot >> 3, 1 << (slot & 7)

    def survey(self, key: Hashable) -> None:
        """First pass: note one occurrence of the key."""
        byte, bit = self._slot(key)
        if self._seen[byte] & bit:
            self._seen_again[byte] |= bit
        else:
            self._seen[byte] |= bit

    def occurrence(self, key: Hashable) -> int:
        """Second pass, in the same order: how many times this key came before (0 for the first)."""
        byte, bit = self._slot(key)
        if not self._seen_again[byte] & bit:
            return 0
        earlier = self._counts.get(key, 0)
        self._counts[key] = earlier + 1
        return earlier
