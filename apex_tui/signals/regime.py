"""Regime classification: trending / ranging / volatile from ADX and the ATR percentile."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.kernels import F64
from apex_tui.signals.settings import RegimeSettings
from apex_tui.signals.signal import Regime

# Codes in the per-bar regime array; -1 while ADX or the percentile is still warming up.
UNKNOWN, TRENDING, RANGING, VOLATILE = -1, 0, 1, 2
CODE_TO_REGIME: dict[int, Regime] = {
    TRENDING: Regime.TRENDING,
    RANGING: Regime.RANGING,
    VOLATILE: Regime.VOLATILE,
}


def classify(adx: F64, atr_pct: F64, settings: RegimeSettings) -> NDArray[np.int8]:
    """Per-bar regime codes. Volatility wins: a high-ATR market is volatile even if trending."""
    known = ~np.isnan(adx) & ~np.isnan(atr_pct)
    code = np.where(
        atr_pct >= settings.volatile_percentile,
        VOLATILE,
        np.where(adx >= settings.adx_trending, TRENDING, RANGING),
    )
    return np.where(known, code, UNKNOWN).astype(np.int8)


def regime_of(code: int) -> Regime | None:
    return CODE_TO_REGIME.get(int(code))
