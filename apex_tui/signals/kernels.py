"""Numpy kernels behind the indicators: TA-Lib's arithmetic on gap-free float64 arrays.

Every kernel takes arrays with no NaN (the public wrappers in `indicators.py` drop gaps first)
and returns arrays of the same length with NaN exactly where TA-Lib's lookback leaves no value.
Recursions (EMA, Wilder smoothing) run through polars' `ewm_mean(adjust=False)`, which is the
same first-order recurrence implemented in Rust; running window sums are built with
`np.add.accumulate` over an interleaved add/subtract sequence so that they round exactly as
TA-Lib's running totals do (this matters for Bollinger bands in flat runs, where TA-Lib's
variance is pure rounding noise).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

F64 = NDArray[np.float64]

# TA-Lib's TA_IS_ZERO / TA_IS_ZERO_OR_NEG threshold.
TA_EPSILON = 1e-14


def _nans(size: int) -> F64:
    return np.full(size, np.nan)


def check_period(n: int, name: str = "n") -> None:
    """Refuse periods TA-Lib refuses (it needs at least 2 bars for every smoothed series)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n!r}")


def smooth(seed: float, x: F64, alpha: float) -> F64:
    """y[0] = seed, y[i] = (1 - alpha) * y[i-1] + alpha * x[i-1]; returns len(x) + 1 values."""
    seq = np.empty(len(x) + 1)
    seq[0] = seed
    seq[1:] = x
    out: F64 = pl.Series(seq).ewm_mean(alpha=alpha, adjust=False).to_numpy()
    return out


def smooth_skipping(seed: float, x: F64, alpha: float) -> F64:
    """Like `smooth`, but a NaN in `x` holds the previous value (TA-Lib's guarded updates)."""
    seq = np.empty(len(x) + 1)
    seq[0] = seed
    seq[1:] = x
    series = pl.Series(seq).fill_nan(None)
    out: F64 = (
        series.ewm_mean(alpha=alpha, adjust=False, ignore_nulls=True).forward_fill().to_numpy()
    )
    return out


def window_totals(x: F64, n: int) -> F64:
    """TA-Lib's running total of each n-window, rounded exactly as its add-then-subtract loop.

    Returns len(x) - n + 1 totals, the first for the window ending at index n - 1.
    """
    m = len(x) - n + 1
    seq = np.empty(n - 1 + 2 * m)
    seq[: n - 1] = x[: n - 1]
    seq[n - 1 :: 2] = x[n - 1 :]
    seq[n::2] = -x[:m]
    acc: F64 = np.add.accumulate(seq)[n - 1 :: 2]
    return acc


def sma(x: F64, n: int) -> F64:
    out = _nans(len(x))
    if len(x) >= n:
        out[n - 1 :] = window_totals(x, n) / n
    return out


def ema(x: F64, n: int, first: int | None = None) -> F64:
    """EMA with k = 2 / (n + 1), seeded with the mean of the n values ending at `first`."""
    first = n - 1 if first is None else first
    out = _nans(len(x))
    if len(x) > first:
        seed = float(np.add.accumulate(x[first - n + 1 : first + 1])[-1]) / n
        out[first:] = smooth(seed, x[first + 1 :], 2.0 / (n + 1))
    return out


def rsi(x: F64, n: int) -> F64:
    out = _nans(len(x))
    if len(x) <= n:
        return out
    d = np.diff(x)
    gain = np.where(d > 0, d, 0.0)
    loss = np.where(d < 0, -d, 0.0)
    avg_gain = smooth(float(gain[:n].sum()) / n, gain[n:], 1.0 / n)
    avg_loss = smooth(float(loss[:n].sum()) / n, loss[n:], 1.0 / n)
    total = avg_gain + avg_loss
    # TA-Lib 0.8 answers 0 only when both averages are exactly zero (a flat start); a long
    # flat run after movement keeps the last ratio while both averages decay together.
    out[n:] = np.divide(100.0 * avg_gain, total, out=np.zeros_like(total), where=total > 0.0)
    return out


def true_range(high: F64, low: F64, close: F64) -> F64:
    """TA-Lib's TRANGE: NaN at index 0 (no previous close)."""
    out = _nans(len(close))
    if len(close) > 1:
        prev = close[:-1]
        out[1:] = np.maximum(
            high[1:] - low[1:], np.maximum(np.abs(prev - high[1:]), np.abs(prev - low[1:]))
        )
    return out


def atr(high: F64, low: F64, close: F64, n: int) -> F64:
    out = _nans(len(close))
    if len(close) <= n:
        return out
    tr = true_range(high, low, close)
    seed = float(np.add.accumulate(tr[1 : n + 1])[-1]) / n
    out[n:] = smooth(seed, tr[n + 1 :], 1.0 / n)
    return out


def macd(x: F64, fast: int, slow: int, signal: int) -> tuple[F64, F64, F64]:
    """MACD line, signal and histogram; both EMAs are seeded so they start at bar slow - 1."""
    if slow < fast:  # TA-Lib swaps them too
        fast, slow = slow, fast
    size = len(x)
    lookback = (slow - 1) + (signal - 1)
    line, sig, hist = _nans(size), _nans(size), _nans(size)
    if size <= lookback:
        return line, sig, hist
    start = slow - 1
    full_line = ema(x, fast, first=start)[start:] - ema(x, slow, first=start)[start:]
    sig_part = ema(full_line, signal)
    line[lookback:] = full_line[signal - 1 :]
    sig[lookback:] = sig_part[signal - 1 :]
    hist[lookback:] = line[lookback:] - sig[lookback:]
    return line, sig, hist


def bollinger(x: F64, n: int, k: float) -> tuple[F64, F64, F64]:
    """Upper, middle, lower: SMA plus/minus k population standard deviations."""
    size = len(x)
    upper, middle, lower = _nans(size), _nans(size), _nans(size)
    if size < n:
        return upper, middle, lower
    mean = window_totals(x, n) / n
    # TA-Lib 0.8 computes the deviation accurately (exactly 0 on a flat window, no
    # sum-of-squares cancellation); polars' rolling variance is accurate in the same way.
    std: F64 = pl.Series(x).rolling_std(n, ddof=0).to_numpy()[n - 1 :]
    dev = std * k
    middle[n - 1 :] = mean
    upper[n - 1 :] = mean + dev
    lower[n - 1 :] = mean - dev
    return upper, middle, lower


def rolling_max(x: F64, n: int) -> F64:
    """Max over the n bars ending at each bar (van Herk / Gil-Werman: O(len) at any n)."""
    return _rolling_extreme(x, n, np.maximum, -np.inf)


def rolling_min(x: F64, n: int) -> F64:
    return _rolling_extreme(x, n, np.minimum, np.inf)


def _rolling_extreme(x: F64, n: int, op: np.ufunc, pad_value: float) -> F64:
    size = len(x)
    out = _nans(size)
    if size < n:
        return out
    padded = np.concatenate([x, np.full((-size) % n, pad_value)]).reshape(-1, n)
    prefix = op.accumulate(padded, axis=1).ravel()
    suffix = op.accumulate(padded[:, ::-1], axis=1)[:, ::-1].ravel()
    out[n - 1 :] = op(suffix[: size - n + 1], prefix[n - 1 : size])
    return out


def adx(high: F64, low: F64, close: F64, n: int) -> F64:
    """Wilder's ADX as TA-Lib computes it (first value at bar 2n - 1, guarded divisions)."""
    size = len(close)
    out = _nans(size)
    if size <= 2 * n - 1:
        return out
    up = high[1:] - high[:-1]
    down = low[:-1] - low[1:]
    plus_dm = np.where((up > 0) & (up > down), up, 0.0)
    minus_dm = np.where((down > 0) & (up < down), down, 0.0)
    tr = true_range(high, low, close)[1:]
    # Index i of these arrays is bar i + 1. TA-Lib sums n - 1 raw values, then smooths with
    # prev - prev/n + new; we carry everything divided by n so the ewm recurrence applies.
    alpha = 1.0 / n
    s_plus = smooth(float(plus_dm[: n - 1].sum()) / n, plus_dm[n - 1 :], alpha)[1:]
    s_minus = smooth(float(minus_dm[: n - 1].sum()) / n, minus_dm[n - 1 :], alpha)[1:]
    s_tr = smooth(float(np.add.accumulate(tr[: n - 1])[-1]) / n, tr[n - 1 :], alpha)[1:]
    # s_* index j is bar n + j.
    tr_ok = np.abs(s_tr * n) >= TA_EPSILON
    safe_tr = np.where(tr_ok, s_tr, 1.0)
    plus_di = 100.0 * s_plus / safe_tr
    minus_di = 100.0 * s_minus / safe_tr
    di_sum = plus_di + minus_di
    ok = tr_ok & (np.abs(di_sum) >= TA_EPSILON)
    dx = np.where(ok, 100.0 * np.abs(minus_di - plus_di) / np.where(ok, di_sum, 1.0), np.nan)
    first = float(np.where(ok[:n], dx[:n], 0.0).sum()) / n
    out[2 * n - 1 :] = smooth_skipping(first, dx[n:], alpha)
    return out
