"""Whole-history scoring: every enabled generator's filtered score for every bar of a symbol.

Used to study a history (and by the benchmark); the live engine gets the same numbers one
bar at a time from `incremental.LiveFeatures` and the same generator code.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import polars as pl

from apex_tui.signals.features import Features, compute_features, shifted
from apex_tui.signals.generators import MEMBERS, EnsembleGenerator, build_members, compiled
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
    # Float64 columns without nulls convert without a copy; usually there is no gap, and the
    # filter (a copy of every column) is skipped. A Series knows its null count: no pass over
    # the data (and no query, unlike a frame's `select` or `null_count`).
    arrays = [bars[c].cast(pl.Float64).to_numpy() for c in REQUIRED[1:]]
    if sum(bars[c].null_count() for c in REQUIRED) or np.isnan(arrays[2]).any():
        clean = bars.select(REQUIRED).drop_nulls().filter(~pl.col("close").is_nan())
        return clean["time"], [clean[c].cast(pl.Float64).to_numpy() for c in REQUIRED[1:]]
    return bars["time"], arrays


def _column(name: str, score: F64) -> pl.Series:
    """A score over every bar (NaN at bar 0, which has no previous bar): NaN becomes null."""
    return pl.Series(name, score, nan_to_null=True)


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

    The members and their vote come from one compiled pass over the bars (`compiled.history`),
    the same row formulas the generators' `score` runs on the live rows.
    """
    time, (high, low, close, volume) = _clean(bars)
    feats = compute_features(high, low, close, volume, settings, regime=regime)
    codes = classify(feats["adx"], feats["atr_pct"], settings.regime) if regime else None
    columns: list[pl.Series] = [time]
    if codes is not None:
        labels = {code: r.value for code, r in CODE_TO_REGIME.items()}
        regimes = pl.Series("regime", codes).replace_strict(
            labels, default=None, return_dtype=pl.String
        )
        columns.append(regimes)
    members = build_members(settings)
    active = (
        MEMBERS[0] in enabled,
        MEMBERS[1] in enabled,
        MEMBERS[2] in enabled,
        MEMBERS[3] in enabled,
    )
    muted = (
        members[MEMBERS[0]].muted_in,
        members[MEMBERS[1]].muted_in,
        members[MEMBERS[2]].muted_in,
        members[MEMBERS[3]].muted_in,
    )
    scores = compiled.history(feats, settings, active=active, regime=codes, muted_in=muted)
    for j, name in enumerate(MEMBERS):
        if active[j]:
            columns.append(_column(name, scores[j]))
    if learned:
        cur, _ = shifted(feats)
        ens = EnsembleGenerator(settings)
        ens.active = frozenset(m for m, on in zip(MEMBERS, active, strict=True) if on)
        ens.learned = True
        ens_cur: dict[str, F64] = dict(cur)
        zeros = np.zeros(len(cur["close"]))
        for j, m in enumerate(MEMBERS):
            # Filtered scores are clipped and NaN only while warming up: those vote 0.
            ens_cur[member_feature(m)] = np.nan_to_num(scores[j, 1:]) if active[j] else zeros
        ens_cur["ml_p"] = _ml_probabilities(ens_cur, close, settings)
        ensemble = np.full(len(close), np.nan)
        ensemble[1:] = ens.score(ens_cur, {})
        columns.append(_column("ensemble", ensemble))
    else:
        columns.append(_column("ensemble", scores[4]))
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
