"""Kernels behind the indicators: TA-Lib's arithmetic on gap-free float64 arrays.

Every kernel takes arrays with no NaN (the public wrappers in `indicators.py` drop gaps first)
and returns arrays of the same length with NaN exactly where TA-Lib's lookback leaves no value.
Recursions (EMA, Wilder smoothing, MACD), the sliding Bollinger sums and the rolling maxima and
minima are compiled loops in `jit` (numba); what numpy does well stays here: the true range,
and the rolling extremes of a series holding NaN, built from pairwise combinations (log2(n)
array passes, exact, NaN propagating through every window that holds one).
"""

from __future__ import annotations

import numpy as np

from apex_tui.signals import jit
from apex_tui.signals.jit import F64, adx, atr, bollinger, ema, macd, rsi, sma

__all__ = [
    "F64",
    "adx",
    "atr",
    "bollinger",
    "check_period",
    "ema",
    "macd",
    "rolling_max",
    "rolling_min",
    "rsi",
    "sma",
    "true_range",
]


def _nans(size: int) -> F64:
    return np.full(size, np.nan)


def check_period(n: int, name: str = "n") -> None:
    """Refuse periods TA-Lib refuses (it needs at least 2 bars for every smoothed series)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n!r}")


def true_range(high: F64, low: F64, close: F64) -> F64:
    """TA-Lib's TRANGE: NaN at index 0 (no previous close)."""
    size = len(close)
    out = np.empty(size)
    if size:
        out[0] = np.nan
    if size > 1:
        h, lo, prev, r = high[1:], low[1:], close[:-1], out[1:]
        np.subtract(h, lo, out=r)
        tmp = np.subtract(prev, h)
        np.maximum(r, np.abs(tmp, out=tmp), out=r)
        np.subtract(prev, lo, out=tmp)
        np.maximum(r, np.abs(tmp, out=tmp), out=r)
    return out


def rolling_max(x: F64, n: int) -> F64:
    """Max over the n bars ending at each bar (NaN where the window holds a NaN)."""
    if np.isnan(x).any():
        return _rolling_extreme(x, n, np.maximum)
    return jit.rolling_max(x, n)


def rolling_min(x: F64, n: int) -> F64:
    """Min over the n bars ending at each bar (NaN where the window holds a NaN)."""
    if np.isnan(x).any():
        return _rolling_extreme(x, n, np.minimum)
    return jit.rolling_min(x, n)


def _rolling_extreme(x: F64, n: int, op: np.ufunc) -> F64:
    """Sparse-table style: extremes of 2, 4, 8, ... values, then two overlapping halves."""
    size = len(x)
    out = _nans(size)
    if size < n:
        return out
    power, width = x, 1  # power[i] = extreme of x[i : i + width]
    while 2 * width <= n:
        power = op(power[:-width], power[width:])
        width *= 2
    m = size - n + 1
    # The window [i, i + n) is covered by [i, i + width) and [i + n - width, i + n).
    op(power[:m], power[n - width : n - width + m], out=out[n - 1 :])
    return out
