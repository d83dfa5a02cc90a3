"""Trend: fast/slow EMA crossover, counted only once the gap exceeds a fraction of ATR."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, ratio
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import RANGING
from apex_tui.signals.signal import Direction


class TrendGenerator(Generator):
    """LONG while EMA(fast) is above EMA(slow) by `atr_filter` ATRs, SHORT while below."""

    name = "trend"
    muted_in = frozenset({RANGING})  # crossovers whipsaw in a range

    def raw_score(self, cur: Features, prev: Features) -> F64:
        p = self.settings.trend
        gap = cur["ema_fast"] - cur["ema_slow"]
        gap_atr = ratio(np.abs(gap), cur["atr"])
        strength = np.minimum(1.0, gap_atr / p.atr_full)
        score = np.where(gap_atr > p.atr_filter, np.sign(gap) * strength, 0.0)
        return np.where(np.isnan(gap) | np.isnan(cur["atr"]), np.nan, score)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.trend
        side = ">" if direction is Direction.LONG else "<"
        atr = cur["atr"]
        gap = abs(cur["ema_fast"] - cur["ema_slow"]) / atr if atr > 0 else float("inf")
        return (
            f"EMA{p.fast} {cur['ema_fast']:.2f} {side} EMA{p.slow} {cur['ema_slow']:.2f}"
            f" by {gap:.2f} ATR"
        )

    def params(self) -> dict[str, Any]:
        return {**self.settings.trend.model_dump(), "atr_period": self.settings.atr_period}
