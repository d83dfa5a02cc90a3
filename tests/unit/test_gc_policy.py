"""Freezing the startup heap: survivors leave the collector's walks, new garbage is still freed."""

from __future__ import annotations

import gc
import weakref

from apex_tui.gc_policy import YOUNG_THRESHOLD, freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_survivors_are_frozen_and_later_cycles_are_still_collected() -> None:
    threshold = gc.get_threshold()
    try:
        frozen = freeze_startup_heap()
        assert frozen > 1000 and gc.get_freeze_count() == frozen
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *threshold[1:])
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle made after startup: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
        assert gc.get_freeze_count() == frozen  # a collection leaves the frozen set alone
        c, d = _Node(), _Node()
        c.other, d.other = d, c
        gone = weakref.ref(c)
        del c, d
        # No explicit collect: allocations alone must still trigger a young collection.
        held: list[list[int]] = [[] for _ in range(2 * YOUNG_THRESHOLD)]
        assert gone() is None, "no young collection ran within twice the threshold"
        del held
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert gc.get_freeze_count() == 0
