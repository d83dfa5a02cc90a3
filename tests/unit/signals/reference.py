"""The generators' numpy scoring as it was before the compiled kernels: the oracle they match.

Each function is the former `raw_score` of one generator (array operations over rows), and
`filtered` the former `Generator.score` pipeline; the helpers are `generators.base`'s.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import keep_where, nan_where, ratio, strong, zero_nan
from apex_tui.signals.generators.ensemble import MEMBERS, member_feature
from apex_tui.signals.kernels import F64
from apex_tui.signals.settings import SignalSettings


def trend(s: SignalSettings, cur: Features, prev: Features) -> F64:
    p = s.trend
    gap = cur["ema_fast"] - cur["ema_slow"]
    score = np.abs(gap)
    ratio(score, cur["atr"], out=score)
    keep = score > p.atr_filter
    np.divide(score, p.atr_full, out=score)
    np.minimum(score, 1.0, out=score)
    np.copysign(score, gap, out=score)
    keep_where(score, keep)
    return nan_where(score, gap, cur["atr"])


def mean_reversion(s: SignalSettings, cur: Features, prev: Features) -> F64:
    p = s.mean_reversion
    close, rsi = cur["close"], cur["rsi"]
    upper, middle, lower = cur["bb_upper"], cur["bb_middle"], cur["bb_lower"]
    score = np.zeros(len(close))
    long_ = np.flatnonzero((rsi < p.oversold) & (close < lower))
    if long_.size:
        r, c, lo = rsi[long_], close[long_], lower[long_]
        depth = (p.oversold - r) / p.oversold + ratio(lo - c, upper[long_] - middle[long_])
        score[long_] = np.minimum(1.0, depth)
    short = np.flatnonzero((rsi > p.overbought) & (close > upper))
    if short.size:
        r, c, up = rsi[short], close[short], upper[short]
        depth = (r - p.overbought) / (100.0 - p.overbought) + ratio(c - up, up - middle[short])
        score[short] = -np.minimum(1.0, depth)
    return nan_where(score, rsi, middle)


def momentum(s: SignalSettings, cur: Features, prev: Features) -> F64:
    p = s.momentum
    macd, hist, atr = cur["macd"], cur["macd_hist"], cur["atr"]
    agree = (macd > 0) == (hist > 0)
    agree &= (macd < 0) == (hist < 0)
    score = np.abs(hist)
    ratio(score, atr, out=score)
    np.divide(score, p.hist_full, out=score)
    np.minimum(score, 1.0, out=score)
    np.copysign(score, hist, out=score)
    keep_where(score, agree)
    return nan_where(score, hist, atr)


def breakout(s: SignalSettings, cur: Features, prev: Features) -> F64:
    p = s.breakout
    close, atr = cur["close"], cur["atr"]
    upper, lower, vol_avg = prev["dc_upper"], prev["dc_lower"], prev["vol_avg"]
    score = np.zeros(len(close))
    rows = np.flatnonzero((close > upper) | (close < lower))
    if rows.size:
        c, a, up, lo = close[rows], atr[rows], upper[rows], lower[rows]
        vol_ratio = ratio(cur["volume"][rows], vol_avg[rows])
        confirmed = vol_ratio > p.volume_mult
        vol_part = np.minimum(1.0, vol_ratio / (2.0 * max(p.volume_mult, 0.5)))
        up_part = np.minimum(1.0, ratio(c - up, a))
        down_part = np.minimum(1.0, ratio(lo - c, a))
        sc = np.where(confirmed & (c > up), 0.5 * (up_part + vol_part), 0.0)
        score[rows] = np.where(confirmed & (c < lo), -0.5 * (down_part + vol_part), sc)
    return nan_where(score, upper, vol_avg, atr)


RAW = {
    "trend": trend,
    "mean_reversion": mean_reversion,
    "momentum": momentum,
    "breakout": breakout,
}


def filtered(
    raw: F64,
    threshold: float,
    regime: NDArray[np.int8] | None = None,
    muted_in: Collection[int] = (),
) -> F64:
    """The former `Generator.score` after the raw score (in place)."""
    np.clip(raw, -1.0, 1.0, out=raw)
    if regime is not None and muted_in:
        muted = np.zeros(len(regime), dtype=bool)
        for code in muted_in:
            muted |= regime == code
        raw[np.flatnonzero(muted)] = 0.0
    return keep_where(raw, strong(raw, threshold))


def ensemble_raw(
    s: SignalSettings, cur: Features, active: Collection[str], *, learned: bool
) -> F64:
    """The former `EnsembleGenerator.raw_score`."""
    if learned:
        score: F64 = 2.0 * cur["ml_p"] - 1.0
        return score
    e = s.ensemble
    weights = {
        "trend": e.weight_trend,
        "mean_reversion": e.weight_mean_reversion,
        "momentum": e.weight_momentum,
        "breakout": e.weight_breakout,
    }
    total = sum(weights[m] for m in MEMBERS if m in active)
    vote = np.zeros(len(cur["close"]))
    for m in MEMBERS:
        if m in active:
            vote += weights[m] * zero_nan(cur[member_feature(m)])
    if total > 0:
        vote /= total
    return vote
