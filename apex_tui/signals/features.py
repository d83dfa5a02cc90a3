"""The feature columns the generators read, computed over a whole history at once.

Names are shared with the live state (`incremental.LiveFeatures`), which yields the same values
one bar at a time. Features are the public indicators on the bar's own data; a generator that
needs "the channel before this bar" reads the previous row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from apex_tui.signals import kernels
from apex_tui.signals.kernels import F64, Job
from apex_tui.signals.settings import SignalSettings

Features = Mapping[str, F64]

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
BASE_FEATURES = (
    "close",
    "high",
    "low",
    "volume",
    "ema_fast",
    "ema_slow",
    "atr",
    "rsi",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "macd",
    "macd_signal",
    "macd_hist",
    "dc_upper",
    "dc_lower",
    "vol_avg",
)
REGIME_FEATURES = ("adx", "atr_pct")


def percentile_rank(x: F64, window: int) -> F64:
    """Share of the last `window` values (current included) that are <= the current one."""
    out = np.full(len(x), np.nan)
    valid = np.flatnonzero(~np.isnan(x))
    first = int(valid[0]) if len(valid) else len(x)
    if len(x) - first < window:
        return out
    values = x[first:]
    if len(valid) < len(x) - first:  # a NaN after the start: polars' rank semantics
        rank = pl.Series(values).rolling_rank(window, method="max").to_numpy()
        out[first + window - 1 :] = rank[window - 1 :] / window
        return out
    # Count, for each window, the values <= its last one: `window` vectorised comparisons
    # (polars' rolling rank is ~10x slower at the default window of 100).
    m = len(values) - window + 1
    current = values[window - 1 :]
    counts = np.zeros(m, dtype=np.uint16)  # window <= 5000 (settings)
    if window > np.iinfo(np.uint16).max:
        counts = np.zeros(m, dtype=np.int64)
    for k in range(window):
        np.add(counts, values[k : k + m] <= current, out=counts)
    np.divide(counts, window, out=out[first + window - 1 :])
    return out


class _Round:
    """Recursions queued by name, then run together by one `kernels.run_jobs` call."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._index: dict[str, int] = {}
        self._done: list[F64] = []

    def add(self, name: str, job: Job | None) -> None:
        if job is not None:
            self._index[name] = len(self._jobs)
            self._jobs.append(job)

    def run(self) -> _Round:
        self._done = kernels.run_jobs(self._jobs)
        return self

    def get(self, name: str) -> F64 | None:
        i = self._index.get(name)
        return None if i is None else self._done[i]

    def each(self, prefix: str, count: int) -> list[F64]:
        """Outputs of the jobs named prefix0 .. prefix{count - 1}."""
        return [self._done[self._index[f"{prefix}{i}"]] for i in range(count)]


def compute_features(
    high: F64, low: F64, close: F64, volume: F64, settings: SignalSettings, *, regime: bool
) -> dict[str, F64]:
    """Every feature over gap-free arrays (see `indicators` for how gaps are removed).

    The recursions run in two rounds (those that read only the bars, then those that read the
    first round's output), so polars can spread each round over its threads.
    """
    s, m = settings, settings.momentum
    size = len(close)
    rsi_n, bb_n, adx_n = (
        s.mean_reversion.rsi_period,
        s.mean_reversion.bb_period,
        s.regime.adx_period,
    )
    # Round 1: one EMA per distinct period (MACD reuses the trend's), RSI, ATR, ADX, std dev.
    first = _Round()
    periods = sorted({s.trend.fast, s.trend.slow, m.fast, m.slow})
    starts: dict[int, int] = {}
    for p in periods:
        starts[p], job = kernels.ema_job(close, p)
        first.add(f"ema{p}", job)
    rsi_jobs = kernels.rsi_jobs(close, rsi_n)
    for i, job in enumerate(rsi_jobs):
        first.add(f"rsi{i}", job)
    first.add("atr", kernels.atr_job(high, low, close, s.atr_period))
    first.add("std", kernels.rolling_std_job(close, bb_n) if size >= bb_n else None)
    adx_jobs = kernels.adx_jobs(high, low, close, adx_n) if regime else []
    for i, job in enumerate(adx_jobs):
        first.add(f"adx{i}", job)
    first.run()

    emas = {p: kernels.place(size, starts[p], first.get(f"ema{p}")) for p in periods}
    atr = kernels.place(size, s.atr_period, first.get("atr"))
    # Round 2: MACD's signal line and ADX's average of DX.
    second = _Round()
    line, signal_job = kernels.macd_line(close, m.fast, m.slow, m.signal, emas)
    second.add("signal", signal_job)
    if regime:
        sums = first.each("adx", len(adx_jobs))
        second.add("dx", kernels.adx_dx_job(adx_n, sums) if sums else None)
    second.run()

    std = first.get("std")
    nans = np.full(size, np.nan)
    bb_upper, bb_middle, bb_lower = (
        kernels.bollinger_from(close, bb_n, s.mean_reversion.bb_k, std)
        if std is not None
        else (nans, nans.copy(), nans.copy())
    )
    macd, macd_signal, macd_hist = kernels.macd_from(
        size, m.fast, m.slow, m.signal, line=line, smoothed=second.get("signal")
    )
    out: dict[str, F64] = {
        "close": close,
        "high": high,
        "low": low,
        "volume": volume,
        "ema_fast": emas[s.trend.fast],
        "ema_slow": emas[s.trend.slow],
        "atr": atr,
        "rsi": kernels.rsi_from(size, rsi_n, first.each("rsi", len(rsi_jobs))),
        "bb_upper": bb_upper,
        "bb_middle": bb_middle,
        "bb_lower": bb_lower,
        "macd": macd,
        "macd_signal": macd_signal,
        "macd_hist": macd_hist,
        "dc_upper": kernels.rolling_max(high, s.breakout.channel),
        "dc_lower": kernels.rolling_min(low, s.breakout.channel),
        "vol_avg": kernels.sma(volume, s.breakout.volume_period),
    }
    if regime:
        out["adx"] = kernels.place(size, 2 * adx_n - 1, second.get("dx"))
        out["atr_pct"] = percentile_rank(atr, s.regime.atr_window)
    return out


def shifted(features: Features) -> tuple[dict[str, F64], dict[str, F64]]:
    """(current, previous) views for bars 1.. so a generator can compare with the bar before."""
    cur = {k: v[1:] for k, v in features.items()}
    prev = {k: v[:-1] for k, v in features.items()}
    return cur, prev
