"""Numpy kernels behind the indicators: TA-Lib's arithmetic on gap-free float64 arrays.

Every kernel takes arrays with no NaN (the public wrappers in `indicators.py` drop gaps first)
and returns arrays of the same length with NaN exactly where TA-Lib's lookback leaves no value.
Recursions (EMA, Wilder smoothing) run through polars' `ewm_mean(adjust=False)`, which is the
same first-order recurrence implemented in Rust and rounds exactly as TA-Lib's loop does.
Several independent recursions can be queued as `Job`s and run by `run_jobs` in one polars
collect, which spreads them over polars' thread pool (the whole-history path does this).
Window sums, maxima and minima are built from pairwise combinations (log2(n) array passes),
which is far cheaper than a running loop in numpy and at least as accurate as TA-Lib's totals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

F64 = NDArray[np.float64]

# TA-Lib's TA_IS_ZERO / TA_IS_ZERO_OR_NEG threshold.
TA_EPSILON = 1e-14

# A job is an input array and the polars expression (over column "v") that turns it into one
# output of the same length.
Job = tuple[F64, pl.Expr]

# Below this many values a job runs eagerly: a lazy collect costs ~0.1 ms of fixed overhead.
_LAZY_MIN = 20_000

# Two recursions with the same factor but different seeds differ by (1 - alpha)^t after t steps;
# past 2^-60 of the first difference they agree to the last bit that matters (see `reseeded`).
_CONVERGED = 2.0**-60


def _nans(size: int) -> F64:
    return np.full(size, np.nan)


def check_period(n: int, name: str = "n") -> None:
    """Refuse periods TA-Lib refuses (it needs at least 2 bars for every smoothed series)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n!r}")


def run_jobs(jobs: Sequence[Job]) -> list[F64]:
    """Every job's output, in order; long inputs run together in one polars collect."""
    if not jobs:
        return []
    if len(jobs) == 1 or len(jobs[0][0]) < _LAZY_MIN:
        frames = [pl.DataFrame({"v": x}).select(expr) for x, expr in jobs]
    else:
        frames = pl.collect_all([pl.LazyFrame({"v": x}).select(expr) for x, expr in jobs])
    return [f.to_series().to_numpy() for f in frames]


def _seeded(seed: float, x: F64) -> F64:
    seq = np.empty(len(x) + 1)
    seq[0] = seed
    seq[1:] = x
    return seq


def smooth_job(seed: float, x: F64, alpha: float) -> Job:
    """y[0] = seed, y[i] = (1 - alpha) * y[i-1] + alpha * x[i-1]; len(x) + 1 values."""
    return _seeded(seed, x), pl.col("v").ewm_mean(alpha=alpha, adjust=False)


def smooth_skipping_job(seed: float, x: F64, alpha: float) -> Job:
    """Like `smooth_job`, but a NaN in `x` holds the previous value (TA-Lib's guarded updates)."""
    expr = (
        pl.col("v")
        .fill_nan(None)
        .ewm_mean(alpha=alpha, adjust=False, ignore_nulls=True)
        .forward_fill()
    )
    return _seeded(seed, x), expr


def smooth(seed: float, x: F64, alpha: float) -> F64:
    """y[0] = seed, y[i] = (1 - alpha) * y[i-1] + alpha * x[i-1]; returns len(x) + 1 values."""
    return run_jobs([smooth_job(seed, x, alpha)])[0]


def smooth_skipping(seed: float, x: F64, alpha: float) -> F64:
    """Like `smooth`, but a NaN in `x` holds the previous value (TA-Lib's guarded updates)."""
    return run_jobs([smooth_skipping_job(seed, x, alpha)])[0]


def converge_steps(alpha: float) -> int:
    """Steps after which two recursions with factor `alpha` no longer depend on their seeds."""
    return math.ceil(math.log(_CONVERGED) / math.log1p(-alpha))


def window_totals(x: F64, n: int) -> F64:
    """The total of each n-window: len(x) - n + 1 values, the first for the window ending at n - 1.

    Pairwise: totals of 2, 4, 8, ... values are built by adding shifted copies, then the bits
    of n are combined, so the work is O(len * log2(n)) in a few vectorised passes. Each total
    is a sum of at most log2(n) + popcount(n) rounded terms, so it is at least as accurate as
    TA-Lib's running add-then-subtract total (which carries rounding along the whole series).
    """
    m = len(x) - n + 1
    out: F64 | None = None
    offset = 0  # values of each window already summed into `out`
    power, width = x, 1  # power[i] = sum of x[i : i + width]
    while True:
        if n & width:
            part = power[offset : offset + m]
            out = part.copy() if out is None else np.add(out, part, out=out)
            offset += width
        if 2 * width > n:
            break
        power = power[:-width] + power[width:]
        width *= 2
    assert out is not None  # n >= 1 has a set bit
    return out


def sma(x: F64, n: int) -> F64:
    out = _nans(len(x))
    if len(x) >= n:
        np.divide(window_totals(x, n), n, out=out[n - 1 :])
    return out


def ema_job(x: F64, n: int, first: int | None = None) -> tuple[int, Job | None]:
    """Where `ema` starts and the recursion that computes it (None when x is too short)."""
    first = n - 1 if first is None else first
    if len(x) <= first:
        return first, None
    seed = float(np.add.accumulate(x[first - n + 1 : first + 1])[-1]) / n
    return first, smooth_job(seed, x[first + 1 :], 2.0 / (n + 1))


def place(size: int, start: int, values: F64 | None) -> F64:
    """A length-`size` array: NaN before `start`, then `values` (all NaN if None)."""
    out = _nans(size)
    if values is not None:
        out[start:] = values
    return out


def ema(x: F64, n: int, first: int | None = None) -> F64:
    """EMA with k = 2 / (n + 1), seeded with the mean of the n values ending at `first`."""
    first, job = ema_job(x, n, first)
    return place(len(x), first, run_jobs([job])[0] if job is not None else None)


def reseeded(x: F64, n: int, first: int, ref: F64) -> F64:
    """`ema(x, n, first)` given `ref`, the same EMA seeded earlier (`ema(x, n)`).

    Both follow the same recursion from `first` on, so their difference shrinks by (1 - k) each
    bar: after `converge_steps(k)` bars it is below 2^-60 of the initial gap, and from there on
    `ref` is used as it is. Only the first few hundred bars are computed again.
    """
    k = 2.0 / (n + 1)
    stop = min(len(x), first + converge_steps(k) + 1)
    head = ema(x[:stop], n, first)
    if stop == len(x):
        return head
    out = np.empty(len(x))
    out[:stop] = head
    out[stop:] = ref[stop:]
    return out


def _seed_in_place(buf: F64, seed: float, start: int) -> F64:
    """`[seed, *buf[start:]]` without a copy, overwriting buf[start - 1] (already summed)."""
    seq = buf[start - 1 :]
    seq[0] = seed
    return seq


def rsi_jobs(x: F64, n: int) -> list[Job]:
    """The two Wilder averages (gains, losses) behind `rsi`; empty when x is too short."""
    if len(x) <= n:
        return []
    gain = np.diff(x)
    loss = np.minimum(gain, 0.0)
    np.negative(loss, out=loss)
    np.maximum(gain, 0.0, out=gain)
    expr = pl.col("v").ewm_mean(alpha=1.0 / n, adjust=False)
    return [
        (_seed_in_place(gain, float(gain[:n].sum()) / n, n), expr),
        (_seed_in_place(loss, float(loss[:n].sum()) / n, n), expr),
    ]


def rsi_from(size: int, n: int, averages: Sequence[F64]) -> F64:
    """RSI from the outputs of `rsi_jobs`."""
    out = _nans(size)
    if not averages:
        return out
    avg_gain, avg_loss = averages
    total = avg_gain + avg_loss
    # TA-Lib 0.8 answers 0 only when both averages are exactly zero (a flat start); a long
    # flat run after movement keeps the last ratio while both averages decay together.
    part = out[n:]
    part.fill(0.0)
    np.divide(100.0 * avg_gain, total, out=part, where=total > 0.0)
    return out


def rsi(x: F64, n: int) -> F64:
    return rsi_from(len(x), n, run_jobs(rsi_jobs(x, n)))


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


def atr_job(high: F64, low: F64, close: F64, n: int) -> Job | None:
    """The Wilder average of the true range behind `atr` (placed from bar n)."""
    if len(close) <= n:
        return None
    tr = true_range(high, low, close)
    seed = float(np.add.accumulate(tr[1 : n + 1])[-1]) / n
    return _seed_in_place(tr, seed, n + 1), pl.col("v").ewm_mean(alpha=1.0 / n, adjust=False)


def atr(high: F64, low: F64, close: F64, n: int) -> F64:
    job = atr_job(high, low, close, n)
    return place(len(close), n, run_jobs([job])[0] if job is not None else None)


def macd_line(
    x: F64, fast: int, slow: int, signal: int, emas: dict[int, F64] | None = None
) -> tuple[F64 | None, Job | None]:
    """The MACD line from bar slow - 1 on and the signal EMA's job (None, None if too short).

    `emas` may hold `ema(x, p)` for some periods p: the slow EMA is then reused as it is (it
    is seeded on the same bar) and the fast one via `reseeded`, saving two recursions.
    """
    if slow < fast:  # TA-Lib swaps them too
        fast, slow = slow, fast
    if len(x) <= (slow - 1) + (signal - 1):
        return None, None
    start = slow - 1
    emas = emas or {}
    ema_fast = reseeded(x, fast, start, emas[fast]) if fast in emas else ema(x, fast, start)
    ema_slow = emas[slow] if slow in emas else ema(x, slow, start)
    line = ema_fast[start:] - ema_slow[start:]
    return line, ema_job(line, signal)[1]


def macd_from(
    size: int, fast: int, slow: int, signal: int, *, line: F64 | None, smoothed: F64 | None
) -> tuple[F64, F64, F64]:
    """MACD line, signal and histogram from `macd_line`'s line and its signal job's output."""
    lookback = (max(fast, slow) - 1) + (signal - 1)
    out_line, sig, hist = _nans(size), _nans(size), _nans(size)
    if line is None or smoothed is None:
        return out_line, sig, hist
    out_line[lookback:] = line[signal - 1 :]
    sig[lookback:] = smoothed
    np.subtract(out_line[lookback:], smoothed, out=hist[lookback:])
    return out_line, sig, hist


def macd(x: F64, fast: int, slow: int, signal: int) -> tuple[F64, F64, F64]:
    """MACD line, signal and histogram; both EMAs are seeded so they start at bar slow - 1."""
    line, job = macd_line(x, fast, slow, signal)
    smoothed = run_jobs([job])[0] if job is not None else None
    return macd_from(len(x), fast, slow, signal, line=line, smoothed=smoothed)


def rolling_std_job(x: F64, n: int) -> Job:
    """Population standard deviation of each n-window (NaN before the first full one).

    TA-Lib 0.8 computes the deviation accurately (exactly 0 on a flat window, no
    sum-of-squares cancellation); polars' rolling variance is accurate in the same way.
    """
    return x, pl.col("v").rolling_std(n, ddof=0)


def bollinger_from(x: F64, n: int, k: float, std: F64) -> tuple[F64, F64, F64]:
    """Upper, middle, lower from the close and `rolling_std_job`'s output."""
    middle = sma(x, n)
    dev = std * k
    return middle + dev, middle, middle - dev


def bollinger(x: F64, n: int, k: float) -> tuple[F64, F64, F64]:
    """Upper, middle, lower: SMA plus/minus k population standard deviations."""
    if len(x) < n:
        return _nans(len(x)), _nans(len(x)), _nans(len(x))
    return bollinger_from(x, n, k, run_jobs([rolling_std_job(x, n)])[0])


def rolling_max(x: F64, n: int) -> F64:
    """Max over the n bars ending at each bar."""
    return _rolling_extreme(x, n, np.maximum)


def rolling_min(x: F64, n: int) -> F64:
    return _rolling_extreme(x, n, np.minimum)


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


def adx_jobs(high: F64, low: F64, close: F64, n: int) -> list[Job]:
    """The three Wilder sums behind `adx` (+DM, -DM, TR); empty when the input is too short."""
    if len(close) <= 2 * n - 1:
        return []
    up = high[1:] - high[:-1]
    down = low[:-1] - low[1:]
    plus_dm = np.where((up > 0) & (up > down), up, 0.0)
    minus_dm = np.where((down > 0) & (up < down), down, 0.0)
    tr = true_range(high, low, close)[1:]
    # Index i of these arrays is bar i + 1. TA-Lib sums n - 1 raw values, then smooths with
    # prev - prev/n + new; we carry everything divided by n so the ewm recurrence applies.
    alpha = 1.0 / n
    return [
        smooth_job(float(plus_dm[: n - 1].sum()) / n, plus_dm[n - 1 :], alpha),
        smooth_job(float(minus_dm[: n - 1].sum()) / n, minus_dm[n - 1 :], alpha),
        smooth_job(float(np.add.accumulate(tr[: n - 1])[-1]) / n, tr[n - 1 :], alpha),
    ]


def adx_dx_job(n: int, sums: Sequence[F64]) -> Job:
    """DX from the outputs of `adx_jobs`, and the guarded Wilder average that turns it into ADX."""
    s_plus, s_minus, s_tr = (s[1:] for s in sums)  # s_* index j is bar n + j
    tr_ok = np.abs(s_tr * n) >= TA_EPSILON
    safe_tr = np.where(tr_ok, s_tr, 1.0)
    plus_di = 100.0 * s_plus / safe_tr
    minus_di = 100.0 * s_minus / safe_tr
    di_sum = plus_di + minus_di
    ok = tr_ok & (np.abs(di_sum) >= TA_EPSILON)
    dx = np.where(ok, 100.0 * np.abs(minus_di - plus_di) / np.where(ok, di_sum, 1.0), np.nan)
    first = float(np.where(ok[:n], dx[:n], 0.0).sum()) / n
    return smooth_skipping_job(first, dx[n:], 1.0 / n)


def adx(high: F64, low: F64, close: F64, n: int) -> F64:
    """Wilder's ADX as TA-Lib computes it (first value at bar 2n - 1, guarded divisions)."""
    jobs = adx_jobs(high, low, close, n)
    if not jobs:
        return _nans(len(close))
    smoothed = run_jobs([adx_dx_job(n, run_jobs(jobs))])[0]
    return place(len(close), 2 * n - 1, smoothed)
