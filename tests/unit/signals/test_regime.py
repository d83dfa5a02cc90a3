"""Regime classes from ADX and the ATR percentile."""

from __future__ import annotations

import numpy as np
import polars as pl

from apex_tui.signals.batch import score_history
from apex_tui.signals.regime import RANGING, TRENDING, UNKNOWN, VOLATILE, classify
from apex_tui.signals.settings import RegimeSettings, SignalSettings

R = RegimeSettings()


def test_thresholds_and_precedence() -> None:
    adx = np.array([np.nan, 30.0, 10.0, 30.0, 10.0, 25.0])
    pct = np.array([0.5, 0.5, 0.5, 0.95, 0.9, np.nan])
    assert classify(adx, pct, R).tolist() == [UNKNOWN, TRENDING, RANGING, VOLATILE, VOLATILE, -1]


def _bars(close: np.ndarray, spread: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": np.arange(len(close)),
            "high": close + spread,
            "low": close - spread,
            "close": close,
            "volume": np.full(len(close), 100.0),
        }
    )


def test_classifies_crafted_markets() -> None:
    rng = np.random.default_rng(1)
    n = 400
    steady = np.full(n, 0.3)
    ranging = 100 + np.sin(np.arange(n) * 0.5) + rng.normal(0, 0.05, n)
    trending = 100 + 0.5 * np.arange(n) + rng.normal(0, 0.05, n)
    burst = np.r_[ranging[:350], ranging[350:] + rng.normal(0, 4.0, 50)]
    burst_spread = np.r_[steady[:350], np.full(50, 3.0)]
    s = SignalSettings()

    def last(close: np.ndarray, spread: np.ndarray) -> str:
        return str(score_history(_bars(close, spread), s, regime=True)["regime"][-1])

    assert last(trending, steady) == "trending"
    assert last(ranging, steady) == "ranging"
    assert last(burst, burst_spread) == "volatile"
