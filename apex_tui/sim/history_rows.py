"""The finest rows a history request is built from: minutes or seconds of one session.

A row is (time, open, high, low, close, volume) in path prices, as parallel numpy arrays.
Rows at one resolution aggregate exactly into the coarser ones, so bars of any size agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apex_tui.sim.prices import FloatArray, IntArray, MinutePath, SymbolPrices


@dataclass(slots=True)
class Rows:
    """Parallel arrays of fine rows in time order."""

    time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.time)

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        if not parts:
            empty_f = np.empty(0)
            return Rows(np.empty(0, dtype=np.int64), empty_f, empty_f, empty_f, empty_f, empty_f)
        return Rows(
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.open for p in parts]),
            np.concatenate([p.high for p in parts]),
            np.concatenate([p.low for p in parts]),
            np.concatenate([p.close for p in parts]),
            np.concatenate([p.volume for p in parts]),
        )


def minute_rows(sym: SymbolPrices, path: MinutePath, lo: int, hi: int) -> Rows:
    """Rows for [lo, hi): whole minutes from the path; a trailing part-minute from seconds."""
    m0 = max((lo - path.start) // 60, 0)
    full_end = min((hi - path.start) // 60, path.minutes)
    idx = np.arange(m0, max(full_end, m0))
    rows = Rows(
        path.start + 60 * idx,
        path.price[idx],
        path.high[idx],
        path.low[idx],
        path.price[idx + 1],
        path.volume[idx].astype(np.float64),
    )
    rest = (hi - path.start) - 60 * full_end
    if full_end < path.minutes and rest > 0 and full_end >= m0:
        sp = sym.seconds(path, full_end)
        seg = sp.price[: rest + 1]
        part = Rows(
            np.array([path.start + 60 * full_end]),
            np.array([seg[0]]),
            np.array([max(seg)]),
            np.array([min(seg)]),
            np.array([seg[-1]]),
            np.array([float(sum(sp.volume[:rest]))]),
        )
        rows = Rows.concat([rows, part])
    return rows


def second_rows(sym: SymbolPrices, path: MinutePath, lo: int, hi: int) -> Rows:
    """One-second rows for [lo, hi) (both clipped to the path)."""
    lo = max(lo, path.start)
    hi = min(hi, path.end)
    if hi <= lo:
        return Rows.concat([])
    parts: list[Rows] = []
    for m in range((lo - path.start) // 60, (hi - 1 - path.start) // 60 + 1):
        sp = sym.seconds(path, m)
        price = np.array(sp.price)
        a, b = price[:-1], price[1:]
        t = path.start + 60 * m + np.arange(60, dtype=np.int64)
        keep = (t >= lo) & (t < hi)
        parts.append(
            Rows(
                t[keep],
                a[keep],
                np.maximum(a, b)[keep],
                np.minimum(a, b)[keep],
                b[keep],
                np.array(sp.volume, dtype=np.float64)[keep],
            )
        )
    return Rows.concat(parts)
