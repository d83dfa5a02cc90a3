"""Stop Textual's Strip from keeping itself in its own caches (a reference cycle per line).

`Strip.crop_extend` and `Strip.divide` cache their answers on the strip, and when the answer
is the strip itself (a line already as wide as asked; a line the compositor cuts nowhere,
which is every Quotes row of a partial update) the strip lands in its own cache.
Only Python's cyclic collector frees such a strip. At 500 streaming symbols that was every
Quotes row of every frame plus the header clock, ~70 strips a second with their seven caches
and segments, ~1,500 objects a second: all the cyclic garbage the app made (gc.DEBUG_SAVEALL,
20 s at 500 symbols). It ran a young-generation collection every ~5 s, 5-10 ms with the loop
stopped each time, and held the memory until then. With `install()` the same two methods
answer those cases with the strip without caching it: the same results, no cycle, and over
the same 20 s no cyclic garbage at all (2 collections in 2 minutes instead of 27).

The replacements wrap textual 8.2.8's (pinned in pyproject.toml); tests/tui/test_strip_cycles.py
fails when a new Textual no longer makes the cycle, or when the results differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.style import Style
from textual.strip import Strip

# Textual's own methods, kept for the wrappers and for the tests.
ORIGINALS: dict[str, Callable[..., Any]] = {
    "crop_extend": Strip.crop_extend,
    "divide": Strip.divide,
}


def _crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    # Textual's answer is extend_cell_length(end).crop(start, end), which is the strip itself
    # when it already ends at `end` and the crop starts at (or before) 0.
    if start <= 0 and end == self.cell_length:
        return self
    result: Strip = ORIGINALS["crop_extend"](self, start, end, style)
    return result


def _divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cell_length = self.cell_length
    kept = [cut for cut in cuts if cut <= cell_length]
    if kept == [cell_length]:
        return [self]
    result: Sequence[Strip] = ORIGINALS["divide"](self, kept)
    return result


def install() -> None:
    """Replace the two methods on Strip (idempotent; process-wide, as Strip is)."""
    Strip.crop_extend = _crop_extend  # type: ignore[method-assign]
    Strip.divide = _divide  # type: ignore[method-assign]


def installed() -> bool:
    return Strip.divide is _divide
