"""Live state vs full recompute: bar-by-bar values equal the whole-history ones."""

from __future__ import annotations

import numpy as np
import pytest

from apex_tui.signals.features import BASE_FEATURES, REGIME_FEATURES, compute_features
from apex_tui.signals.incremental import LiveFeatures
from apex_tui.signals.settings import SignalSettings
from tests.unit.signals.series import ohlcv, with_gaps

TOL = 1e-9
N = 2500
SETTINGS = SignalSettings(regime={"atr_window": 50})


def _feed(datasets: list[dict[str, np.ndarray]], rows: list[int]) -> dict[str, np.ndarray]:
    """Feed every dataset bar by bar (all symbols in step, gaps skipped per symbol)."""
    live = LiveFeatures(SETTINGS, size=8)
    names = (*BASE_FEATURES, *REGIME_FEATURES)
    out = {k: np.full((len(datasets), N), np.nan) for k in names}
    for t in range(N):
        have = [i for i, d in enumerate(datasets) if not np.isnan(d["close"][t])]
        cols = {k: np.array([datasets[i][k][t] for i in have]) for k in datasets[0]}
        res = live.update(
            np.array([rows[i] for i in have], dtype=np.intp),
            cols["high"],
            cols["low"],
            cols["close"],
            cols["volume"],
            regime=True,
        )
        for k in names:
            out[k][have, t] = res[k]
    return out


def test_live_values_equal_full_recompute_for_every_feature() -> None:
    datasets = [{k: v[:N] for k, v in ohlcv(seed).items()} for seed in (1, 2, 3)]
    # symbol 2 has gaps: a missing bar is skipped by both paths
    mask = ~np.isnan(with_gaps(datasets[2]["close"]))
    datasets[2] = {k: np.where(mask, v, np.nan) for k, v in datasets[2].items()}
    live = _feed(datasets, rows=[5, 0, 7])
    for i, d in enumerate(datasets):
        keep = ~np.isnan(d["close"])
        full = compute_features(
            d["high"][keep],
            d["low"][keep],
            d["close"][keep],
            d["volume"][keep],
            SETTINGS,
            regime=True,
        )
        for name, ref in full.items():
            got = live[name][i][keep]
            assert np.array_equal(np.isnan(got), np.isnan(ref)), f"{name}: warm-up differs"
            ok = ~np.isnan(ref)
            assert ok.sum() > N / 2
            worst = float(np.max(np.abs(got[ok] - ref[ok])))
            assert worst <= TOL, f"symbol {i} {name}: {worst:g}"


def test_reset_slot_starts_from_scratch() -> None:
    d = {k: v[:200] for k, v in ohlcv(4).items()}
    live = LiveFeatures(SETTINGS, size=2)
    rows = np.array([1], dtype=np.intp)

    def run() -> np.ndarray:
        vals = []
        for t in range(200):
            res = live.update(
                rows,
                d["high"][t : t + 1],
                d["low"][t : t + 1],
                d["close"][t : t + 1],
                d["volume"][t : t + 1],
                regime=True,
            )
            vals.append(res["macd_hist"][0])
        return np.array(vals)

    first = run()
    live.reset(rows)
    second = run()
    np.testing.assert_array_equal(first, second)
    assert np.isnan(first[32]) and not np.isnan(first[33])  # TA-Lib MACD lookback is 33


@pytest.mark.parametrize("name", ["ema_fast", "rsi", "adx", "bb_upper"])
def test_warm_up_on_a_tail_converges_to_full_history(name: str) -> None:
    """The engine warms up on the last bars only; smoothed values converge to the full run."""
    d = ohlcv(5)
    full = compute_features(d["high"], d["low"], d["close"], d["volume"], SETTINGS, regime=True)
    tail = slice(len(d["close"]) - 1000, None)
    part = compute_features(
        d["high"][tail],
        d["low"][tail],
        d["close"][tail],
        d["volume"][tail],
        SETTINGS,
        regime=True,
    )
    assert abs(full[name][-1] - part[name][-1]) <= TOL
