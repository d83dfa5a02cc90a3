"""The fixed-capacity ring of closed bars: order, overwrite, closes, and memory fixed at birth."""

from __future__ import annotations

import math
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.domain.quotes import Tick
from apex_tui.market.bar_ring import BarRing, ClosedBar
from apex_tui.market.bars import BarAggregator


def bar(k: int) -> ClosedBar:
    return ClosedBar(60 * k, k + 0.25, k + 0.5, k - 0.5, k + 0.125, 100.0 * k, k)


def test_keeps_the_last_capacity_bars_oldest_first_across_wraparound() -> None:
    ring = BarRing(5)
    assert list(ring) == [] and ring.closes(3) == []
    for k in range(1, 4):
        ring.append(bar(k))
    assert [b.bucket for b in ring] == [60, 120, 180] and len(ring) == 3
    assert ring.closes(2) == [2.125, 3.125] and ring.closes(9) == [1.125, 2.125, 3.125]
    for k in range(4, 13):
        ring.append(bar(k))
    assert list(ring) == [bar(k) for k in range(8, 13)]
    assert len(ring) == 5
    assert ring.closes(2) == [11.125, 12.125]
    assert ring.closes(50) == [k + 0.125 for k in range(8, 13)]


def test_a_ring_without_room_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one bar"):
        BarRing(0)


def test_the_aggregators_memory_does_not_grow_while_its_rings_fill() -> None:
    t0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    symbols = [f"S{i:03d}" for i in range(50)]
    agg = BarAggregator(keep=120)

    def minute(m: int) -> None:
        at = t0 + timedelta(minutes=m, seconds=1)
        for s in symbols:
            agg.add(Tick(at, s, math.nan, math.nan, 100.0 + m % 7 + 0.01 * m, math.nan,
                         math.nan, math.nan, 1000.0 + m))  # fmt: skip

    for m in range(3):  # every ring exists
        minute(m)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for m in range(3, 103):  # 100 more minute bars per symbol, 50 symbols
            minute(m)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # A deque of bar objects grew ~230 bytes a bar here (5,000 bars: > 1 MB).
    assert grown < 50_000, f"{grown} bytes"
    assert len(agg.bars("S000", 60)) == 102
