"""Technical indicators on polars Series, equal to TA-Lib (default settings) within 1e-9.

Inputs are polars Series; outputs are Series/DataFrames of the same length. During the warm-up
the output is null at exactly the positions where TA-Lib returns NaN.

Gaps: a null (or NaN) input is a missing bar. It is skipped: the indicator is computed over
the remaining bars as if the gap were not there, the output at the gap is null, and warm-up
counts only real bars. For multi-input indicators (ATR, ADX) a row with any null input is a
gap. TA-Lib itself skips leading NaNs the same way but lets an interior NaN poison every later
value; a feed gap should not silence an indicator for good, so here the two differ only after
an interior gap, where our value equals TA-Lib's on the series with the gaps removed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from apex_tui.signals import kernels
from apex_tui.signals.kernels import F64, check_period

__all__ = ["adx", "atr", "bollinger", "donchian", "ema", "macd", "rsi", "sma", "true_range"]


def _arrays(*series: pl.Series) -> tuple[np.ndarray, list[F64]]:
    """Float64 arrays of the inputs and the mask of rows where every input has a value."""
    lengths = {len(s) for s in series}
    if len(lengths) != 1:
        raise ValueError(f"inputs must have the same length, got {sorted(lengths)}")
    arrays = [s.cast(pl.Float64).to_numpy() for s in series]
    mask = np.ones(len(series[0]), dtype=bool)
    for a in arrays:
        mask &= ~np.isnan(a)
    return mask, arrays


def _run(
    name: str, series: tuple[pl.Series, ...], kernel: Callable[..., tuple[F64, ...]]
) -> list[pl.Series]:
    """Run a kernel on the gap-free rows and put the results back in place, nulls elsewhere."""
    mask, arrays = _arrays(*series)
    if mask.all():
        results = kernel(*arrays)
        return [pl.Series(name, r).fill_nan(None) for r in results]
    compact = kernel(*(np.ascontiguousarray(a[mask]) for a in arrays))
    out = []
    for r in compact:
        full = np.full(len(mask), np.nan)
        full[mask] = r
        out.append(pl.Series(name, full).fill_nan(None))
    return out


def sma(close: pl.Series, n: int) -> pl.Series:
    """Simple moving average over n bars (TA-Lib SMA)."""
    check_period(n)
    return _run("sma", (close,), lambda c: (kernels.sma(c, n),))[0]


def ema(close: pl.Series, n: int) -> pl.Series:
    """Exponential moving average, k = 2/(n+1), seeded with the SMA of the first n (TA-Lib EMA)."""
    check_period(n)
    return _run("ema", (close,), lambda c: (kernels.ema(c, n),))[0]


def rsi(close: pl.Series, n: int = 14) -> pl.Series:
    """Wilder's RSI, averages seeded by the simple mean of the first n changes (TA-Lib RSI)."""
    check_period(n)
    return _run("rsi", (close,), lambda c: (kernels.rsi(c, n),))[0]


def macd(close: pl.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pl.DataFrame:
    """MACD line, signal line and histogram, columns `macd`, `signal`, `hist` (TA-Lib MACD)."""
    for value, label in ((fast, "fast"), (slow, "slow"), (signal, "signal")):
        check_period(value, label)
    line, sig, hist = _run("macd", (close,), lambda c: kernels.macd(c, fast, slow, signal))
    return pl.DataFrame([line.alias("macd"), sig.alias("signal"), hist.alias("hist")])


def bollinger(close: pl.Series, n: int = 20, k: float = 2.0) -> pl.DataFrame:
    """Bollinger bands with population std, columns `upper`, `middle`, `lower` (TA-Lib BBANDS)."""
    check_period(n)
    upper, middle, lower = _run("bb", (close,), lambda c: kernels.bollinger(c, n, k))
    return pl.DataFrame([upper.alias("upper"), middle.alias("middle"), lower.alias("lower")])


def true_range(high: pl.Series, low: pl.Series, close: pl.Series) -> pl.Series:
    """True range; null at the first bar, which has no previous close (TA-Lib TRANGE)."""
    return _run("tr", (high, low, close), lambda h, lo, c: (kernels.true_range(h, lo, c),))[0]


def atr(high: pl.Series, low: pl.Series, close: pl.Series, n: int = 14) -> pl.Series:
    """Average true range with Wilder smoothing seeded by a simple mean (TA-Lib ATR)."""
    check_period(n)
    return _run("atr", (high, low, close), lambda h, lo, c: (kernels.atr(h, lo, c, n),))[0]


def adx(high: pl.Series, low: pl.Series, close: pl.Series, n: int = 14) -> pl.Series:
    """Wilder's average directional index (TA-Lib ADX); first value at bar 2n - 1."""
    check_period(n)
    return _run("adx", (high, low, close), lambda h, lo, c: (kernels.adx(h, lo, c, n),))[0]


def donchian(high: pl.Series, low: pl.Series, n: int = 20) -> pl.DataFrame:
    """Highest high and lowest low of the n bars ending at each bar (TA-Lib MAX / MIN).

    Columns `upper` and `lower`. A breakout compares a close with the previous bar's channel.
    """
    check_period(n)
    upper, lower = _run(
        "dc", (high, low), lambda h, lo: (kernels.rolling_max(h, n), kernels.rolling_min(lo, n))
    )
    return pl.DataFrame([upper.alias("upper"), lower.alias("lower")])
