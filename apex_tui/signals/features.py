"""The feature columns the generators read, computed over a whole history at once.

Names are shared with the live state (`incremental.LiveFeatures`), which yields the same values
one bar at a time. Features are the public indicators on the bar's own data; a generator that
needs "the channel before this bar" reads the previous row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from apex_tui.signals import jit, kernels
from apex_tui.signals.kernels import F64
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


def compute_features(
    high: F64, low: F64, close: F64, volume: F64, settings: SignalSettings, *, regime: bool
) -> dict[str, F64]:
    """Every feature over gap-free arrays (see `indicators` for how gaps are removed)."""
    s, m = settings, settings.momentum
    mr = s.mean_reversion
    t = s.trend
    if t.fast < t.slow:  # as the settings require: both EMAs in one pass
        ema_fast, ema_slow = jit.ema_pair(close, t.fast, t.slow)
    else:
        ema_fast = kernels.ema(close, t.fast)
        ema_slow = ema_fast if t.slow == t.fast else kernels.ema(close, t.slow)
    atr = kernels.atr(high, low, close, s.atr_period)
    bb_upper, bb_middle, bb_lower = kernels.bollinger(close, mr.bb_period, mr.bb_k)
    macd, macd_signal, macd_hist = kernels.macd(close, m.fast, m.slow, m.signal)
    out: dict[str, F64] = {
        "close": close,
        "high": high,
        "low": low,
        "volume": volume,
        "ema_fast": ema_fast,
        "ema_slow": ema_slow,
        "atr": atr,
        "rsi": kernels.rsi(close, mr.rsi_period),
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
        out["adx"] = kernels.adx(high, low, close, s.regime.adx_period)
        out["atr_pct"] = percentile_rank(atr, s.regime.atr_window)
    return out


def shifted(features: Features) -> tuple[dict[str, F64], dict[str, F64]]:
    """(current, previous) views for bars 1.. so a generator can compare with the bar before."""
    cur = {k: v[1:] for k, v in features.items()}
    prev = {k: v[:-1] for k, v in features.items()}
    return cur, prev
