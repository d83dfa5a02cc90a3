"""Compiled scoring: each generator's raw score and its filters as one numba pass over rows.

The numpy version made about ten array passes per generator (divisions, masks, repairs of the
rows a ratio or a NaN spoils); here each row is read once and its filtered score written once.
The same kernels score a whole history (rows are bars) and a live bar (rows are symbols).

Every row follows the numpy formulas operation by operation, in the same order (a ratio's
repair for a non-positive denominator, `np.minimum`'s NaN, `copysign`, multiplying by a
boolean then adding 0.0 so no -0.0 survives), so the scores are the same to the last bit.

The filters (`Filters`) are the generic pipeline's: clip to -1..1, zero the rows whose regime
mutes the generator (NaN included), zero what is weaker than the threshold (NaN kept). With
`Filters.on` false a kernel returns the raw score.

All kernels live in this one file because numba's on-disk cache (`cache=True`) only notices
edits to the file a compiled function is defined in. Inputs go through `_f64` / `_i8` (C
contiguous, read-only), so calls from Python need one specialisation per kernel (`_history`
calls the loops with its own argument types: those are compiled once, with it).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import NamedTuple

import numba
import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.jit import F64, _f64
from apex_tui.signals.settings import SignalSettings

I8 = NDArray[np.int8]
Mask = NDArray[np.bool_]

# Numba ships type stubs: a decorated kernel keeps its signature for mypy.
_jit = numba.njit(cache=True, nogil=True)


def _i8(x: NDArray[np.int8]) -> I8:
    """Regime codes as a read-only, C-contiguous int8 view (see `jit._f64`)."""
    out: I8 = np.ascontiguousarray(x, dtype=np.int8)
    if out.flags.writeable:
        out = out.view()
        out.flags.writeable = False
    return out


def _readonly(x: NDArray[np.generic]) -> None:
    x.flags.writeable = False


_NO_CODES = np.zeros(1, dtype=np.int8)
_readonly(_NO_CODES)


@lru_cache(maxsize=16)
def _mute_table(codes: frozenset[int]) -> Mask:
    """Lookup by regime code + 128: True where the code mutes the generator."""
    table = np.zeros(256, dtype=np.bool_)
    for code in codes:
        table[code + 128] = True
    _readonly(table)
    return table


class Filters(NamedTuple):
    """What `Generator.score` applies after the raw score (see the module docstring)."""

    on: bool = False
    threshold: float = 0.0
    codes: I8 = _NO_CODES  # per row; read only when `use_regime`
    mute: Mask = _mute_table(frozenset())
    use_regime: bool = False


RAW = Filters()

# How a kernel receives `Filters`: as a plain tuple, in its field order.
FilterArgs = tuple[bool, float, I8, Mask, bool]
Four = tuple[float, float, float, float]
Flags = tuple[bool, bool, bool, bool]


def filters(
    threshold: float, regime: NDArray[np.int8] | None = None, muted_in: Collection[int] = ()
) -> Filters:
    """The filters of a generator muted in `muted_in`, on rows whose regime codes are given."""
    if regime is None or not muted_in:
        return Filters(on=True, threshold=float(threshold))
    return Filters(True, float(threshold), _i8(regime), _mute_table(frozenset(muted_in)), True)


# -- per-row pieces (LLVM inlines them into the loops) --------------------------------------
#
# Helpers take scalars and tuples of scalars only: an array argument costs a reference count
# update per call, which made a pass ten times slower. The loops index the arrays themselves.


@_jit
def _ratio(num: float, den: float) -> float:
    """`base.ratio` on one row: +inf (num > 0) or 0 where den is not positive (or NaN)."""
    if den > 0.0:
        return num / den
    return np.inf if num > 0.0 else 0.0


@_jit
def _min1(x: float) -> float:
    """`np.minimum(x, 1.0)`: NaN stays NaN."""
    return 1.0 if x > 1.0 else x


@_jit
def _keep(x: float, keep: bool) -> float:
    """`base.keep_where` on one row: x * keep + 0.0 (NaN and infinities behave as in numpy)."""
    return x * (1.0 if keep else 0.0) + 0.0


@_jit
def _zero_nan(x: float) -> float:
    """`np.nan_to_num` on one row."""
    if np.isnan(x):
        return 0.0
    if np.isinf(x):
        return 1.7976931348623157e308 if x > 0.0 else -1.7976931348623157e308
    return x


@_jit
def _finish(s: float, on: bool, threshold: float, muted: bool) -> float:
    """Clip, mute by regime, drop what is weaker than the threshold (`Generator.score`)."""
    if not on:
        return s
    if s > 1.0:
        s = 1.0
    elif s < -1.0:
        s = -1.0
    if muted:
        s = 0.0
    return _keep(s, not (-threshold < s < threshold))


# -- one row of each generator's raw score --------------------------------------------------


@_jit
def _trend_row(ema_fast: float, ema_slow: float, atr: float, p: tuple[float, float]) -> float:
    """`p` is (atr_filter, atr_full)."""
    gap = ema_fast - ema_slow
    s = _ratio(abs(gap), atr)  # the gap in ATRs
    keep = s > p[0]
    s = _keep(math.copysign(_min1(s / p[1]), gap), keep)
    return np.nan if np.isnan(gap) or np.isnan(atr) else s


@_jit
def _mean_reversion_row(
    close: float, rsi: float, bands: tuple[float, float, float], p: tuple[float, float]
) -> float:
    """`bands` is (upper, middle, lower); `p` is (oversold, overbought)."""
    upper, middle, lower = bands
    oversold, overbought = p
    s = 0.0
    if rsi < oversold and close < lower:
        s = _min1((oversold - rsi) / oversold + _ratio(lower - close, upper - middle))
    if rsi > overbought and close > upper:
        depth = (rsi - overbought) / (100.0 - overbought) + _ratio(close - upper, upper - middle)
        s = -_min1(depth)
    return np.nan if np.isnan(rsi) or np.isnan(middle) else s


@_jit
def _momentum_row(macd: float, hist: float, atr: float, hist_full: float) -> float:
    agree = ((macd > 0.0) == (hist > 0.0)) and ((macd < 0.0) == (hist < 0.0))
    s = _keep(math.copysign(_min1(_ratio(abs(hist), atr) / hist_full), hist), agree)
    return np.nan if np.isnan(hist) or np.isnan(atr) else s


@_jit
def _breakout_row(
    close: float,
    volume: float,
    atr: float,
    channel: tuple[float, float, float],
    p: tuple[float, float],
) -> float:
    """`channel` is the previous bar's (dc_upper, dc_lower, vol_avg); `p` is (volume_mult,
    the volume ratio worth half the strength)."""
    upper, lower, vol_avg = channel
    s = 0.0
    if close > upper or close < lower:
        vol_ratio = _ratio(volume, vol_avg)
        confirmed = vol_ratio > p[0]
        vol_part = _min1(vol_ratio / p[1])
        if confirmed and close > upper:
            s = 0.5 * (_min1(_ratio(close - upper, atr)) + vol_part)
        if confirmed and close < lower:
            s = -0.5 * (_min1(_ratio(lower - close, atr)) + vol_part)
    return np.nan if np.isnan(upper) or np.isnan(vol_avg) or np.isnan(atr) else s


@_jit
def _vote_row(scores: Four, weights: Four, active: Flags, total: float) -> float:
    """Sum of weight x score (NaN counts 0) over the active members, over their total weight."""
    s = 0.0  # unrolled: a tuple indexed by a loop variable is copied to the stack each time
    if active[0]:
        s += weights[0] * _zero_nan(scores[0])
    if active[1]:
        s += weights[1] * _zero_nan(scores[1])
    if active[2]:
        s += weights[2] * _zero_nan(scores[2])
    if active[3]:
        s += weights[3] * _zero_nan(scores[3])
    return s / total if total > 0.0 else s


# -- passes over rows (`Generator.score`; live, the rows are symbols) -------------------------


@_jit
def _trend(cols: tuple[F64, F64, F64], p: tuple[float, float], f: FilterArgs, out: F64) -> F64:
    """`cols` is (ema_fast, ema_slow, atr)."""
    ema_fast, ema_slow, atr = cols
    on, threshold, codes, mute, use_regime = f
    for i in range(atr.shape[0]):
        s = _trend_row(ema_fast[i], ema_slow[i], atr[i], p)
        out[i] = _finish(s, on, threshold, use_regime and mute[codes[i] + 128])
    return out


@_jit
def _mean_reversion(
    cols: tuple[F64, F64, F64, F64, F64], p: tuple[float, float], f: FilterArgs, out: F64
) -> F64:
    """`cols` is (close, rsi, bb_upper, bb_middle, bb_lower)."""
    close, rsi, upper, middle, lower = cols
    on, threshold, codes, mute, use_regime = f
    for i in range(close.shape[0]):
        s = _mean_reversion_row(close[i], rsi[i], (upper[i], middle[i], lower[i]), p)
        out[i] = _finish(s, on, threshold, use_regime and mute[codes[i] + 128])
    return out


@_jit
def _momentum(cols: tuple[F64, F64, F64], hist_full: float, f: FilterArgs, out: F64) -> F64:
    """`cols` is (macd, macd_hist, atr)."""
    macd, hist, atr = cols
    on, threshold, codes, mute, use_regime = f
    for i in range(hist.shape[0]):
        s = _momentum_row(macd[i], hist[i], atr[i], hist_full)
        out[i] = _finish(s, on, threshold, use_regime and mute[codes[i] + 128])
    return out


@_jit
def _breakout(
    cols: tuple[F64, F64, F64, F64, F64, F64], p: tuple[float, float], f: FilterArgs, out: F64
) -> F64:
    """`cols` is (close, volume, atr, previous dc_upper, dc_lower, vol_avg)."""
    close, volume, atr, upper, lower, vol_avg = cols
    on, threshold, codes, mute, use_regime = f
    for i in range(close.shape[0]):
        s = _breakout_row(close[i], volume[i], atr[i], (upper[i], lower[i], vol_avg[i]), p)
        out[i] = _finish(s, on, threshold, use_regime and mute[codes[i] + 128])
    return out


@_jit
def _ensemble(
    members: tuple[F64, F64, F64, F64],
    p_up: F64,
    vote: tuple[Four, Flags, float, bool],
    f: FilterArgs,
    out: F64,
) -> F64:
    """The vote of the active members (inactive ones may be empty arrays) or, when `vote`'s
    last field (learned) is set, 2p - 1. `vote` is (weights, active, total weight, learned).
    One row per row of `out`."""
    trend, mean_reversion, momentum, breakout = members
    weights, active, total, learned = vote
    on, threshold, codes, mute, use_regime = f
    for i in range(out.shape[0]):
        if learned:
            s = 2.0 * p_up[i] - 1.0
        else:
            scores = (
                trend[i] if active[0] else 0.0,
                mean_reversion[i] if active[1] else 0.0,
                momentum[i] if active[2] else 0.0,
                breakout[i] if active[3] else 0.0,
            )
            s = _vote_row(scores, weights, active, total)
        out[i] = _finish(s, on, threshold, use_regime and mute[codes[i] + 128])
    return out


@_jit
def _filter(score: F64, f: FilterArgs) -> F64:
    """The filters alone, in place (the generic `Generator.score` of a numpy `raw_score`)."""
    on, threshold, codes, mute, use_regime = f
    for i in range(score.shape[0]):
        score[i] = _finish(score[i], on, threshold, use_regime and mute[codes[i] + 128])
    return score


# -- one pass over a whole history ----------------------------------------------------------

_BLOCK = 2048  # bars: 14 input and 5 output columns of 16 KiB each

HistoryColumns = tuple[F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64]


@_jit
def _history(
    features: HistoryColumns,
    params: F64,
    vote: tuple[Four, Flags, float],
    regime: tuple[I8, Mask, bool],
    out: F64,
) -> F64:
    """Every member's filtered score and their vote, for bars 1.. (bar 0 has no previous bar).

    `features` are whole-history columns in `HISTORY_FEATURES` order; `params` are the
    generators' parameters, then the minimum strength and the ensemble threshold (see
    `history`); `regime` is (codes per bar, one mute table per member, use the codes);
    `out` has a row per member plus the ensemble, a column per bar (column 0 is set to NaN).
    Each bar reads its features once and writes five numbers, where the member by member
    passes and the vote read the same columns from memory again and again.
    """
    close, volume, ema_fast, ema_slow, atr, rsi, bb_upper, bb_middle, bb_lower = features[:9]
    macd, macd_hist, dc_upper, dc_lower, vol_avg = features[9:]
    threshold, ensemble_threshold = params[7], params[8]
    weights, active, total = vote
    codes, mutes, use_regime = regime
    if close.shape[0] == 0:
        return out
    out[:, 0] = np.nan
    # Blocks of bars small enough for the columns to stay in cache from one generator's loop
    # to the next (and for the vote to read the members' scores back from L1): as fast as
    # one loop doing everything, while each loop stays simple enough to vectorise.
    for start in range(1, close.shape[0], _BLOCK):
        # Bar i's current row is i, its previous row i - 1 (`features.shifted`).
        cur = slice(start, min(start + _BLOCK, close.shape[0]))
        prev = slice(start - 1, cur.stop - 1)
        cur_codes = codes[cur]
        _trend(
            (ema_fast[cur], ema_slow[cur], atr[cur]),
            (params[0], params[1]),
            (True, threshold, cur_codes, mutes[0], use_regime),
            out[0, cur],
        )
        _mean_reversion(
            (close[cur], rsi[cur], bb_upper[cur], bb_middle[cur], bb_lower[cur]),
            (params[2], params[3]),
            (True, threshold, cur_codes, mutes[1], use_regime),
            out[1, cur],
        )
        _momentum(
            (macd[cur], macd_hist[cur], atr[cur]),
            params[4],
            (True, threshold, cur_codes, mutes[2], use_regime),
            out[2, cur],
        )
        _breakout(
            (close[cur], volume[cur], atr[cur], dc_upper[prev], dc_lower[prev], vol_avg[prev]),
            (params[5], params[6]),
            (True, threshold, cur_codes, mutes[3], use_regime),
            out[3, cur],
        )
        _ensemble(
            (out[0, cur], out[1, cur], out[2, cur], out[3, cur]),
            out[0, cur],  # not read: the vote is not learned
            (weights, active, total, False),
            (True, ensemble_threshold, cur_codes, mutes[0], False),
            out[4, cur],
        )
    return out


# -- typed wrappers -------------------------------------------------------------------------

_EMPTY = np.zeros(0)
_readonly(_EMPTY)


def _args(f: Filters) -> FilterArgs:
    """`f` as a plain tuple: numba types a NamedTuple by its class, a tuple by its fields."""
    return (f.on, f.threshold, f.codes, f.mute, f.use_regime)


def _vol_scale(volume_mult: float) -> float:
    """The volume ratio that gives a breakout half its strength (2x the multiple, >= 1)."""
    return 2.0 * max(volume_mult, 0.5)


def trend(
    ema_fast: F64, ema_slow: F64, atr: F64, *, atr_filter: float, atr_full: float, f: Filters
) -> F64:
    """Trend score per row: the EMA gap in ATRs past `atr_filter`, over `atr_full`, signed."""
    cols = (_f64(ema_fast), _f64(ema_slow), _f64(atr))
    p = (float(atr_filter), float(atr_full))
    return _trend(cols, p, _args(f), np.empty(len(cols[2])))


def mean_reversion(
    close: F64,
    rsi: F64,
    bands: tuple[F64, F64, F64],
    *,
    oversold: float,
    overbought: float,
    f: Filters,
) -> F64:
    """Mean-reversion score per row from RSI and the (upper, middle, lower) Bollinger bands."""
    upper, middle, lower = (_f64(b) for b in bands)
    cols = (_f64(close), _f64(rsi), upper, middle, lower)
    p = (float(oversold), float(overbought))
    return _mean_reversion(cols, p, _args(f), np.empty(len(cols[0])))


def momentum(macd: F64, hist: F64, atr: F64, *, hist_full: float, f: Filters) -> F64:
    """Momentum score per row: the histogram in ATRs over `hist_full` where it agrees."""
    cols = (_f64(macd), _f64(hist), _f64(atr))
    return _momentum(cols, float(hist_full), _args(f), np.empty(len(cols[1])))


def breakout(
    close: F64,
    volume: F64,
    atr: F64,
    prev: tuple[F64, F64, F64],
    *,
    volume_mult: float,
    f: Filters,
) -> F64:
    """Breakout score per row; `prev` is the previous row's (dc_upper, dc_lower, vol_avg)."""
    upper, lower, vol_avg = (_f64(x) for x in prev)
    cols = (_f64(close), _f64(volume), _f64(atr), upper, lower, vol_avg)
    p = (float(volume_mult), _vol_scale(volume_mult))
    return _breakout(cols, p, _args(f), np.empty(len(cols[0])))


def ensemble(
    members: tuple[F64 | None, F64 | None, F64 | None, F64 | None],
    weights: Four,
    *,
    p_up: F64 | None,
    size: int,
    f: Filters,
) -> F64:
    """The ensemble per row: the weighted vote of the members given (None: not active) over
    their total weight, or 2p - 1 when `p_up` (the learned probability) is given."""
    active = (
        members[0] is not None,
        members[1] is not None,
        members[2] is not None,
        members[3] is not None,
    )
    # Summed in Python, in member order, as the vote's denominator always was.
    total = sum(w for w, on in zip(weights, active, strict=True) if on)
    m0, m1, m2, m3 = (_EMPTY if m is None else _f64(m) for m in members)
    w = (float(weights[0]), float(weights[1]), float(weights[2]), float(weights[3]))
    vote = (w, active, float(total), p_up is not None)
    p = _EMPTY if p_up is None else _f64(p_up)
    return _ensemble((m0, m1, m2, m3), p, vote, _args(f), np.empty(size))


# The columns `history` reads, in `_history`'s order.
HISTORY_FEATURES = (
    "close",
    "volume",
    "ema_fast",
    "ema_slow",
    "atr",
    "rsi",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "macd",
    "macd_hist",
    "dc_upper",
    "dc_lower",
    "vol_avg",
)


def history(
    features: Mapping[str, F64],
    settings: SignalSettings,
    *,
    active: Flags,
    regime: NDArray[np.int8] | None,
    muted_in: tuple[Collection[int], Collection[int], Collection[int], Collection[int]],
) -> F64:
    """Filtered scores of trend, mean reversion, momentum, breakout and their vote for every
    bar of a whole history: a (5, bars) array, NaN at bar 0 and while warming up.

    `features` are whole-history columns (not shifted: a bar reads the previous one itself);
    `active` and `muted_in` follow that member order. A member that is not active is still
    scored (its row is simply not used) but has no vote. Bar for bar the same numbers as each
    generator's `score` on (current, previous) rows followed by the ensemble's `score`.
    """
    s, e = settings, settings.ensemble
    cols = tuple(_f64(features[name]) for name in HISTORY_FEATURES)
    params = np.array(
        [
            s.trend.atr_filter,
            s.trend.atr_full,
            s.mean_reversion.oversold,
            s.mean_reversion.overbought,
            s.momentum.hist_full,
            s.breakout.volume_mult,
            _vol_scale(s.breakout.volume_mult),
            s.min_strength,
            e.threshold,
        ],
        dtype=np.float64,
    )
    weights = (e.weight_trend, e.weight_mean_reversion, e.weight_momentum, e.weight_breakout)
    total = sum(w for w, on in zip(weights, active, strict=True) if on)
    w = (float(weights[0]), float(weights[1]), float(weights[2]), float(weights[3]))
    codes = _i8(regime) if regime is not None else _i8(np.zeros(len(cols[0]), dtype=np.int8))
    mutes = np.stack([_mute_table(frozenset(m)) for m in muted_in])
    regime_args = (codes, mutes, regime is not None)
    out = np.empty((5, len(cols[0])))
    return _history(cols, params, (w, active, float(total)), regime_args, out)  # type: ignore[arg-type]


def apply(score: F64, f: Filters) -> F64:
    """The filters alone, in place on a raw score (copied first unless a writable, C-contiguous
    float64 array, which a `raw_score` returns)."""
    if not (score.dtype == np.float64 and score.flags.c_contiguous and score.flags.writeable):
        score = np.array(score, dtype=np.float64)
    return _filter(score, _args(f))


def warm_up() -> None:
    """Compile (or load from the cache) every kernel, on inputs a few bars long."""
    x = np.linspace(1.0, 2.0, 8)
    codes = np.zeros(8, dtype=np.int8)
    for f in (RAW, filters(0.05), filters(0.05, codes, (1,))):
        trend(x, x, x, atr_filter=0.25, atr_full=2.0, f=f)
        mean_reversion(x, x, (x, x, x), oversold=30.0, overbought=70.0, f=f)
        momentum(x, x, x, hist_full=0.5, f=f)
        breakout(x, x, x, (x, x, x), volume_mult=1.5, f=f)
        ensemble((x, x, None, x), (1.0, 1.0, 1.0, 1.0), p_up=None, size=8, f=f)
        ensemble((x, x, x, x), (1.0, 1.0, 1.0, 1.0), p_up=x, size=8, f=f)
        apply(x.copy(), f)
    features = dict.fromkeys(HISTORY_FEATURES, x)
    muted: tuple[Collection[int], Collection[int], Collection[int], Collection[int]]
    muted = ((), (0,), (), ())
    for regime in (None, codes):
        history(
            features,
            SignalSettings(),
            active=(True, True, True, False),
            regime=regime,
            muted_in=muted,
        )
