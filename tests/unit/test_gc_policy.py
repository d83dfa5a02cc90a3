"""Freezing the startup heap: survivors leave the collector's walks, new garbage is still freed."""

from __future__ import annotations

import gc
import weakref

from apex_tui.gc_policy import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_survivors_are_frozen_and_later_cycles_are_still_collected() -> None:
    try:
        frozen = freeze_startup_heap()
        assert frozen > 1000 and gc.get_freeze_count() == frozen
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle made after startup: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
        assert gc.get_freeze_count() == frozen  # a collection leaves the frozen set alone
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
