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


def _clean(bars: pl.DataFrame) -> tuple[pl.Series, list[F64]]:
    """Time and float64 high, low, close, volume without gap rows (a null, or a NaN close)."""
    missing = [c for c in REQUIRED if c not in bars.columns]
    if missing:
        raise ValueError(f"bars lack columns {missing}")
    clean = bars.select(REQUIRED)
    # Float64 columns without nulls convert without a copy; usually there is no gap, and the
    # filter (a copy of every column) is skipped.
    arrays = [clean[c].cast(pl.Float64).to_numpy() for c in REQUIRED[1:]]
    if sum(clean.null_count().row(0)) or np.isnan(arrays[2]).any():
        clean = clean.drop_nulls().filter(~pl.col("close").is_nan())
        arrays = [clean[c].cast(pl.Float64).to_numpy() for c in REQUIRED[1:]]
    return clean["time"], arrays


def _column(name: str, score: F64) -> pl.Series:
    """Scores exist from bar 1 (they read the previous bar): bar 0 is null, NaN becomes null."""
    padded = np.empty(len(score) + 1)
    padded[0] = np.nan
    padded[1:] = score
    return pl.Series(name, padded, nan_to_null=True)


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
    time, (high, low, close, volume) = _clean(bars)
    feats = compute_features(high, low, close, volume, settings, regime=regime)
    codes = classify(feats["adx"], feats["atr_pct"], settings.regime) if regime else None
    cur, prev = shifted(feats)
    cur_codes = codes[1:] if codes is not None else None
    columns: list[pl.Series] = [time]
    if codes is not None:
        labels = {code: r.value for code, r in CODE_TO_REGIME.items()}
        regimes = pl.Series("regime", codes).replace_strict(
            labels, default=None, return_dtype=pl.String
        )
        columns.append(regimes)
    member_scores: dict[str, F64] = {}
    for name, gen in build_members(settings).items():
        if name in enabled:
            member_scores[name] = gen.score(cur, prev, cur_codes)
            columns.append(_column(name, member_scores[name]))
    ens = EnsembleGenerator(settings)
    ens.active = frozenset(member_scores)
    ens_cur: dict[str, F64] = dict(cur)
    zeros = np.zeros(len(close) - 1)
    for m in MEMBERS:
        score = member_scores.get(m, zeros)
        # Filtered scores are clipped (no infinity) and NaN only while warming up: zero those
        # rows in place (their columns are already copied out).
        score[np.flatnonzero(np.isnan(score))] = 0.0
        ens_cur[member_feature(m)] = score
    if learned:
        ens.learned = True
        ens_cur["ml_p"] = _ml_probabilities(ens_cur, close, settings)
    columns.append(_column("ensemble", ens.score(ens_cur, prev)))
    return pl.DataFrame(columns)


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
