"""A fixed-capacity ring of closed bars for one symbol and timeframe.

The bars live in one preallocated array of doubles (bucket, open, high, low, close, volume,
count per bar), so a ring's memory is fixed when it is made: 500 symbols' rings neither grow
for the two hours they take to fill nor leave an object per bar for the allocator (a deque of
bar objects grew the process ~0.12 MB a minute until full, read by the soak as a leak).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass

_WIDTH = 7  # doubles per bar; epoch seconds and counts are exact in a double


@dataclass(slots=True)
class ClosedBar:
    """One bar's numbers (the aggregator's builder is one too, mutated while it builds)."""

    bucket: int  # epoch seconds of the bar's start
    open: float
    high: float
    low: float
    close: float
    volume: float
    count: int


class BarRing:
    """The last `capacity` closed bars, oldest first."""

    __slots__ = ("_capacity", "_data", "_next", "_size")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a bar ring needs room for at least one bar, got {capacity}")
        self._capacity = capacity
        self._data = array("d", bytes(8 * _WIDTH * capacity))
        self._next = 0  # slot the next bar goes into
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, bar: ClosedBar) -> None:
        """Keep a copy of a closed bar, overwriting the oldest once the ring is full."""
        # Seven stores rather than a slice from a temporary array: no allocation per bar.
        d, i = self._data, self._next * _WIDTH
        d[i] = bar.bucket
        d[i + 1] = bar.open
        d[i + 2] = bar.high
        d[i + 3] = bar.low
        d[i + 4] = bar.close
        d[i + 5] = bar.volume
        d[i + 6] = bar.count
        self._next = (self._next + 1) % self._capacity
        if self._size < self._capacity:
            self._size += 1

    def _column(self, k: int) -> array[float]:
        """Field `k` of every kept bar, oldest first."""
        # Array slices run in C: the Quotes pane asks for ten closes on every row it redraws,
        # dozens of times a second, and a Python loop over the slots cost ~15 us a call.
        column = self._data[k::_WIDTH]  # every slot's field k, in slot order
        if self._size < self._capacity:  # not yet wrapped: slots 0.._size-1 are in order
            return column[: self._size]
        return column[self._next :] + column[: self._next]

    def __iter__(self) -> Iterator[ClosedBar]:
        for bucket, open_, high, low, close, volume, count in zip(
            *(self._column(k) for k in range(_WIDTH)), strict=True
        ):
            yield ClosedBar(int(bucket), open_, high, low, close, volume, int(count))

    def closes(self, n: int) -> list[float]:
        """The last `n` closes, oldest first."""
        return self._column(4)[-n:].tolist() if n > 0 else []
