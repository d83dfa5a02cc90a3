"""Breakout: a close beyond the previous Donchian channel, confirmed by volume."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, ratio
from apex_tui.signals.kernels import F64
from apex_tui.signals.signal import Direction


class BreakoutGenerator(Generator):
    """LONG on a close above the prior n-bar high, SHORT below the prior n-bar low.

    The channel and the volume average are the previous bar's (the breakout bar must not
    define its own channel); volume must exceed `volume_mult` times that average. Strength
    is half the distance past the channel in ATRs (capped at 1) plus half the volume ratio
    over twice the multiple (capped at 1).
    """

    name = "breakout"

    def raw_score(self, cur: Features, prev: Features) -> F64:
        p = self.settings.breakout
        close, atr = cur["close"], cur["atr"]
        upper, lower, vol_avg = prev["dc_upper"], prev["dc_lower"], prev["vol_avg"]
        vol_ratio = ratio(cur["volume"], vol_avg)
        confirmed = vol_ratio > p.volume_mult
        vol_part = np.minimum(1.0, vol_ratio / (2.0 * max(p.volume_mult, 0.5)))
        up_part = np.minimum(1.0, ratio(close - upper, atr))
        down_part = np.minimum(1.0, ratio(lower - close, atr))
        score = np.where(confirmed & (close > upper), 0.5 * (up_part + vol_part), 0.0)
        score = np.where(confirmed & (close < lower), -0.5 * (down_part + vol_part), score)
        warm = ~(np.isnan(upper) | np.isnan(vol_avg) | np.isnan(atr))
        return np.where(warm, score, np.nan)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.breakout
        avg = prev["vol_avg"]
        vol = cur["volume"] / avg if avg > 0 else float("inf")
        if direction is Direction.LONG:
            where = f"above {p.channel}-bar high {prev['dc_upper']:.2f}"
        else:
            where = f"below {p.channel}-bar low {prev['dc_lower']:.2f}"
        return f"close {cur['close']:.2f} {where} on {vol:.1f}x volume"

    def params(self) -> dict[str, Any]:
        return {**self.settings.breakout.model_dump(), "atr_period": self.settings.atr_period}
