"""Whole-history scoring: every enabled generator's filtered score for every bar of a symbol.

Used to study a history (and by the benchmark); the live engine gets the same numbers one
bar at a time from `incremental.LiveFeatures` and the same generator code.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import polars as pl

from apex_tui.signals.features import Features, compute_features, shifted
from apex_tui.signals.generators import MEMBERS, EnsembleGenerator, build_members
from apex_tui.signals.generators.ensemble import OnlineLogistic, member_feature
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import CODE_TO_REGIME, classify
from apex_tui.signals.settings import SignalSettings

REQUIRED = ("time", "high", "low", "close", "volume")


def _pad(x: F64) -> F64:
    """Scores exist from bar 1 (they read the previous bar); bar 0 gets NaN."""
    return np.concatenate([[np.nan], x])


def score_history(
    bars: pl.DataFrame,
    settings: SignalSettings,
    *,
    enabled: Collection[str] = MEMBERS,
    regime: bool = False,
    learned: bool = False,
) -> pl.DataFrame:
    """Per-bar scores: columns `time`, `regime` (when on), one per enabled member, `ensemble`.

    Rows with a null in high/low/close/volume are gaps: dropped before computing (see
    `indicators`). A score is null while its features warm up; 0 means no setup.
    """
    missing = [c for c in REQUIRED if c not in bars.columns]
    if missing:
        raise ValueError(f"bars lack columns {missing}")
    clean = bars.select(REQUIRED).drop_nulls().filter(~pl.col("close").is_nan())
    arrays = [clean[c].cast(pl.Float64).to_numpy() for c in REQUIRED[1:]]
    high, low, close, volume = arrays
    feats = compute_features(high, low, close, volume, settings, regime=regime)
    codes = classify(feats["adx"], feats["atr_pct"], settings.regime) if regime else None
    cur, prev = shifted(feats)
    cur_codes = codes[1:] if codes is not None else None
    columns: dict[str, F64 | pl.Series] = {}
    member_scores: dict[str, F64] = {}
    for name, gen in build_members(settings).items():
        if name in enabled:
            s = gen.score(cur, prev, cur_codes)
            member_scores[name] = s
            columns[name] = _pad(s)
    ens = EnsembleGenerator(settings)
    ens.active = frozenset(member_scores)
    ens_cur: dict[str, F64] = dict(cur)
    for m in MEMBERS:
        ens_cur[member_feature(m)] = np.nan_to_num(member_scores.get(m, np.zeros(len(close) - 1)))
    if learned:
        ens.learned = True
        ens_cur["ml_p"] = _ml_probabilities(ens_cur, close, settings)
    columns["ensemble"] = _pad(ens.score(ens_cur, prev))
    out = pl.DataFrame({"time": clean["time"]})
    if codes is not None:
        labels = [CODE_TO_REGIME[int(c)].value if c >= 0 else None for c in codes]
        out = out.with_columns(pl.Series("regime", labels, dtype=pl.String))
    return out.with_columns(
        [pl.Series(k, v).fill_nan(None) for k, v in columns.items() if isinstance(v, np.ndarray)]
    )


def _ml_probabilities(cur: Features, close: F64, settings: SignalSettings) -> F64:
    e = settings.ensemble
    initial = [
        e.weight_trend,
        e.weight_mean_reversion,
        e.weight_momentum,
        e.weight_breakout,
    ]
    model = OnlineLogistic(initial, 1, e.learning_rate, e.l2)
    x = np.column_stack([cur[member_feature(m)] for m in MEMBERS])
    p: F64 = model.run(x, close[1:])
    return p
