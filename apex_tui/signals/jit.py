"""Numba kernels for the recursions and rolling windows: TA-Lib's loops, compiled.

Every recursion (EMA, Wilder smoothing of RSI/ATR/ADX, MACD) is a first-order loop whose cost is
the latency of one multiply-add per bar; numpy cannot express it and polars' `ewm_mean` adds a
DataFrame round trip per series. Here each indicator is one compiled pass that follows TA-Lib's
C code operation by operation (same seeds, same update formulas, same TA_IS_ZERO guards), so
the values agree with TA-Lib to the last few bits, and with the live state in `incremental`.

Inputs are gap-free, C-contiguous float64 arrays (the public wrappers below make them so, which
also keeps numba to one compiled specialisation per kernel). Outputs have the input's length,
NaN exactly where TA-Lib's lookback leaves no value.

Compilation: `cache=True` stores the machine code next to this file (`__pycache__`), so only
the first process after an install or an edit pays the compile (2-4 s for these kernels, as
much again for the generators' in `generators.compiled`; loading them takes ~0.3 s);
`nogil=True` lets the app's background warm-up run them beside the event loop.
`warm_up()` compiles (or loads) every kernel on tiny inputs.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

# TA-Lib's TA_IS_ZERO threshold.
_EPS = 1e-14

# Bollinger deviations are summed relative to a shift re-chosen every this many bars, so the
# sums stay of the size of the local spread (no sum-of-squares cancellation on a price level).
_STD_BLOCK = 64


# Numba ships type stubs: a decorated kernel keeps its signature for mypy.
_jit = numba.njit(cache=True, nogil=True)


@_jit
def _nans(size: int, first: int) -> F64:
    """An output whose values before `first` are NaN (the lookback); the kernel writes every
    later one, so filling only the head spares a pass over fresh memory."""
    out = np.empty(size)
    out[: min(first, size)] = np.nan
    return out


@_jit
def _true_range(high: float, low: float, prev_close: float) -> float:
    """TA-Lib's TRUE_RANGE macro, as selects rather than branches (they mispredict)."""
    return max(high - low, abs(high - prev_close), abs(low - prev_close))


@_jit
def _ema(x: F64, n: int, first: int) -> F64:
    out = _nans(x.shape[0], first)
    if x.shape[0] <= first:
        return out
    total = 0.0
    for i in range(first - n + 1, first + 1):
        total += x[i]
    prev = total / n
    out[first] = prev
    k = 2.0 / (n + 1)
    for i in range(first + 1, x.shape[0]):
        prev = (x[i] - prev) * k + prev
        out[i] = prev
    return out


@_jit
def _ema_pair(x: F64, short: int, long: int) -> tuple[F64, F64]:
    """`_ema(x, short, short - 1)` and `_ema(x, long, long - 1)` (short < long) in one loop: the
    two recursions are independent chains, so the processor runs them side by side."""
    size = x.shape[0]
    fast, slow = _nans(size, short - 1), _nans(size, long - 1)
    if size < short:
        return fast, slow
    total = 0.0
    for i in range(short):
        total += x[i]
    prev_fast = total / short
    fast[short - 1] = prev_fast
    k_fast = 2.0 / (short + 1)
    if size < long:
        for i in range(short, size):
            prev_fast = (x[i] - prev_fast) * k_fast + prev_fast
            fast[i] = prev_fast
        return fast, slow
    total = 0.0
    for i in range(long):
        total += x[i]
    prev_slow = total / long
    slow[long - 1] = prev_slow
    k_slow = 2.0 / (long + 1)
    for i in range(short, long):
        prev_fast = (x[i] - prev_fast) * k_fast + prev_fast
        fast[i] = prev_fast
    for i in range(long, size):
        prev_fast = (x[i] - prev_fast) * k_fast + prev_fast
        fast[i] = prev_fast
        prev_slow = (x[i] - prev_slow) * k_slow + prev_slow
        slow[i] = prev_slow
    return fast, slow


@_jit
def _rsi(x: F64, n: int) -> F64:
    size = x.shape[0]
    out = _nans(size, n)
    if size <= n:
        return out
    gain = 0.0
    loss = 0.0
    for i in range(1, n + 1):
        d = x[i] - x[i - 1]
        if d < 0.0:
            loss -= d
        else:
            gain += d
    gain /= n
    loss /= n
    total = gain + loss
    # TA-Lib 0.8 answers 0 only when both averages are exactly zero (a flat start); a long flat
    # run after movement keeps the last ratio while both averages decay together.
    out[n] = 100.0 * (gain / total) if total > 0.0 else 0.0
    alpha = 1.0 / n
    for i in range(n + 1, size):
        d = x[i] - x[i - 1]
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        gain = (up - gain) * alpha + gain
        loss = (down - loss) * alpha + loss
        total = gain + loss
        out[i] = 100.0 * (gain / total) if total > 0.0 else 0.0
    return out


@_jit
def _atr(high: F64, low: F64, close: F64, n: int) -> F64:
    size = close.shape[0]
    out = _nans(size, n)
    if size <= n:
        return out
    total = 0.0
    for i in range(1, n + 1):
        total += _true_range(high[i], low[i], close[i - 1])
    prev = total / n
    out[n] = prev
    alpha = 1.0 / n
    for i in range(n + 1, size):
        prev = (_true_range(high[i], low[i], close[i - 1]) - prev) * alpha + prev
        out[i] = prev
    return out


@_jit
def _adx(high: F64, low: F64, close: F64, n: int) -> F64:
    """TA-Lib's ADX: n - 1 raw sums, n DX values averaged, then Wilder smoothing of DX."""
    size = close.shape[0]
    out = _nans(size, 2 * n - 1)
    if size <= 2 * n - 1:
        return out
    plus = 0.0
    minus = 0.0
    tr = 0.0
    for i in range(1, n):
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        if down > 0.0 and up < down:
            minus += down
        elif up > 0.0 and up > down:
            plus += up
        tr += _true_range(high[i], low[i], close[i - 1])
    adx = 0.0
    alpha = 1.0 / n
    for i in range(n, size):
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        minus -= minus * alpha
        plus -= plus * alpha
        if down > 0.0 and up < down:
            minus += down
        elif up > 0.0 and up > down:
            plus += up
        tr = tr - tr * alpha + _true_range(high[i], low[i], close[i - 1])
        dx = 0.0
        ok = False  # a guarded division: this bar leaves the average as it is
        if not -_EPS < tr < _EPS:
            minus_di = 100.0 * (minus / tr)
            plus_di = 100.0 * (plus / tr)
            di_sum = minus_di + plus_di
            if not -_EPS < di_sum < _EPS:
                dx = 100.0 * (abs(minus_di - plus_di) / di_sum)
                ok = True
        if i < 2 * n - 1:
            adx += dx
        elif i == 2 * n - 1:
            adx = (adx + dx) / n
            out[i] = adx
        else:
            if ok:
                adx = (dx - adx) * alpha + adx
            out[i] = adx
    return out


@_jit
def _macd(x: F64, fast: int, slow: int, signal: int) -> tuple[F64, F64, F64]:
    """Line, signal, histogram; both EMAs seeded on bar slow - 1 (fast <= slow)."""
    size = x.shape[0]
    start = slow - 1
    lookback = start + signal - 1
    line, sig, hist = _nans(size, lookback), _nans(size, lookback), _nans(size, lookback)
    if size <= lookback:
        return line, sig, hist
    total_fast = 0.0
    for i in range(start - fast + 1, start + 1):
        total_fast += x[i]
    total_slow = 0.0
    for i in range(start + 1):
        total_slow += x[i]
    ema_fast = total_fast / fast
    ema_slow = total_slow / slow
    k_fast, k_slow, k_sig = 2.0 / (fast + 1), 2.0 / (slow + 1), 2.0 / (signal + 1)
    total = ema_fast - ema_slow  # the signal EMA's seed: the mean of the first `signal` lines
    for i in range(start + 1, lookback + 1):
        ema_fast = (x[i] - ema_fast) * k_fast + ema_fast
        ema_slow = (x[i] - ema_slow) * k_slow + ema_slow
        total += ema_fast - ema_slow
    value = ema_fast - ema_slow
    smoothed = total / signal
    line[lookback], sig[lookback], hist[lookback] = value, smoothed, value - smoothed
    for i in range(lookback + 1, size):
        ema_fast = (x[i] - ema_fast) * k_fast + ema_fast
        ema_slow = (x[i] - ema_slow) * k_slow + ema_slow
        value = ema_fast - ema_slow
        smoothed = (value - smoothed) * k_sig + smoothed
        line[i], sig[i], hist[i] = value, smoothed, value - smoothed
    return line, sig, hist


@_jit
def _sma(x: F64, n: int) -> F64:
    """TA-Lib's running total: add the new value, emit, subtract the oldest."""
    size = x.shape[0]
    out = _nans(size, n - 1)
    if size < n:
        return out
    total = 0.0
    for i in range(n - 1):
        total += x[i]
    for i in range(n - 1, size):
        total += x[i]
        out[i] = total / n
        total -= x[i - n + 1]
    return out


@_jit
def _bollinger(x: F64, n: int, k: float) -> tuple[F64, F64, F64]:
    """Upper, middle, lower bands: TA-Lib's SMA plus/minus k population standard deviations.

    The middle band is TA-Lib's running total (add the new value, emit, subtract the oldest).
    The deviation comes from sums of x - c and (x - c)^2 sliding along the series, with the
    shift c re-chosen (and the sums recomputed) every `_STD_BLOCK` bars, so they stay of the
    size of the local spread and s2/n - (s1/n)^2 keeps full precision; a window of equal
    values (a flat market) gives exactly 0, as TA-Lib does.
    """
    size = x.shape[0]
    upper, middle, lower = _nans(size, n - 1), _nans(size, n - 1), _nans(size, n - 1)
    if size < n:
        return upper, middle, lower
    total = 0.0
    run = 1  # equal values ending at the current bar
    for i in range(n - 1):
        total += x[i]
        if i > 0:
            run = run + 1 if x[i] == x[i - 1] else 1
    c = 0.0
    s1 = 0.0
    s2 = 0.0
    for i in range(n - 1, size):
        total += x[i]
        mean = total / n
        total -= x[i - n + 1]
        run = run + 1 if x[i] == x[i - 1] else 1
        if (i - n + 1) % _STD_BLOCK == 0:
            c = x[i]
            s1 = 0.0
            s2 = 0.0
            for j in range(i - n + 1, i + 1):
                d = x[j] - c
                s1 += d
                s2 += d * d
        else:
            d_in = x[i] - c
            d_out = x[i - n] - c
            s1 += d_in - d_out
            s2 += d_in * d_in - d_out * d_out
        dev = 0.0
        if run < n:
            m = s1 / n
            var = s2 / n - m * m
            if var > 0.0:
                dev = k * np.sqrt(var)
        upper[i], middle[i], lower[i] = mean + dev, mean, mean - dev
    return upper, middle, lower


@_jit
def _rolling_max(x: F64, n: int) -> F64:
    """Highest of the n values ending at each bar, as TA-Lib's MAX does for long periods (van
    Herk / Gil-Werman): cut the series in blocks of n; a window is the tail of one block and
    the head of the next, so its highest is the larger of a suffix and a prefix maximum. Three
    comparisons a bar whatever the data (tracking the highest and rescanning when it leaves
    the window branches unpredictably). `x` has no NaN."""
    size = x.shape[0]
    out = _nans(size, n - 1)
    suffix = np.empty(size)
    for start in range(0, size, n):
        end = min(start + n, size)
        best = x[end - 1]
        for i in range(end - 1, start - 1, -1):
            best = x[i] if x[i] > best else best
            suffix[i] = best
    for start in range(0, size, n):
        best = x[start]
        for i in range(start, min(start + n, size)):
            best = x[i] if x[i] > best else best
            if i >= n - 1:
                tail = suffix[i - n + 1]
                out[i] = tail if tail > best else best
    return out


@_jit
def _rolling_min(x: F64, n: int) -> F64:
    """Lowest of the n values ending at each bar: `_rolling_max` mirrored."""
    size = x.shape[0]
    out = _nans(size, n - 1)
    suffix = np.empty(size)
    for start in range(0, size, n):
        end = min(start + n, size)
        best = x[end - 1]
        for i in range(end - 1, start - 1, -1):
            best = x[i] if x[i] < best else best
            suffix[i] = best
    for start in range(0, size, n):
        best = x[start]
        for i in range(start, min(start + n, size)):
            best = x[i] if x[i] < best else best
            if i >= n - 1:
                tail = suffix[i - n + 1]
                out[i] = tail if tail < best else best
    return out


def _f64(x: F64) -> F64:
    """A read-only, C-contiguous float64 view (a copy only for other dtypes or strides).

    Numba compiles one specialisation per array type, and writable and read-only arrays (polars
    hands out read-only ones) are different types: presenting every input the same way keeps
    each kernel to one compile.
    """
    out: F64 = np.ascontiguousarray(x, dtype=np.float64)
    if out.flags.writeable:
        out = out.view()
        out.flags.writeable = False
    return out


def ema(x: F64, n: int, first: int | None = None) -> F64:
    """TA-Lib EMA (k = 2 / (n + 1)) seeded with the mean of the n values ending at `first`."""
    return _ema(_f64(x), n, n - 1 if first is None else first)


def ema_pair(x: F64, short: int, long: int) -> tuple[F64, F64]:
    """`ema(x, short)` and `ema(x, long)` (short < long), the same values, in one pass."""
    return _ema_pair(_f64(x), short, long)


def rsi(x: F64, n: int) -> F64:
    """TA-Lib RSI: Wilder averages of gains and losses seeded by their first n-bar means."""
    return _rsi(_f64(x), n)


def atr(high: F64, low: F64, close: F64, n: int) -> F64:
    """TA-Lib ATR: Wilder average of the true range, first value at bar n."""
    return _atr(_f64(high), _f64(low), _f64(close), n)


def adx(high: F64, low: F64, close: F64, n: int) -> F64:
    """TA-Lib ADX with its guarded divisions; first value at bar 2n - 1."""
    return _adx(_f64(high), _f64(low), _f64(close), n)


def macd(x: F64, fast: int, slow: int, signal: int) -> tuple[F64, F64, F64]:
    """TA-Lib MACD line, signal and histogram (periods swapped if fast > slow, as TA-Lib does)."""
    fast, slow = min(fast, slow), max(fast, slow)
    return _macd(_f64(x), fast, slow, signal)


def sma(x: F64, n: int) -> F64:
    """TA-Lib SMA (its running total, added then subtracted)."""
    return _sma(_f64(x), n)


def bollinger(x: F64, n: int, k: float) -> tuple[F64, F64, F64]:
    """TA-Lib BBANDS (SMA middle, population deviation): upper, middle, lower."""
    return _bollinger(_f64(x), n, float(k))


def rolling_max(x: F64, n: int) -> F64:
    """Highest of the n values ending at each bar (TA-Lib MAX); `x` must have no NaN."""
    return _rolling_max(_f64(x), n)


def rolling_min(x: F64, n: int) -> F64:
    """Lowest of the n values ending at each bar (TA-Lib MIN); `x` must have no NaN."""
    return _rolling_min(_f64(x), n)


def warm_up() -> None:
    """Compile (or load from the cache) every kernel, on inputs a few bars long."""
    x = np.linspace(1.0, 2.0, 8)
    ema(x, 2)
    ema_pair(x, 2, 3)
    rsi(x, 2)
    atr(x, x, x, 2)
    adx(x, x, x, 2)
    macd(x, 2, 3, 2)
    sma(x, 2)
    bollinger(x, 2, 2.0)
    rolling_max(x, 2)
    rolling_min(x, 2)
