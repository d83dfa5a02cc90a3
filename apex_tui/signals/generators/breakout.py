"""Breakout: a close beyond the previous Donchian channel, confirmed by volume."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, nan_where, ratio
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
        score = np.zeros(len(close))
        # Breakouts are rare: the strengths are computed only on the rows that have one.
        rows = np.flatnonzero((close > upper) | (close < lower))
        if rows.size:
            c, a, up, lo = close[rows], atr[rows], upper[rows], lower[rows]
            vol_ratio = ratio(cur["volume"][rows], vol_avg[rows])
            confirmed = vol_ratio > p.volume_mult
            vol_part = np.minimum(1.0, vol_ratio / (2.0 * max(p.volume_mult, 0.5)))
            up_part = np.minimum(1.0, ratio(c - up, a))
            down_part = np.minimum(1.0, ratio(lo - c, a))
            s = np.where(confirmed & (c > up), 0.5 * (up_part + vol_part), 0.0)
            score[rows] = np.where(confirmed & (c < lo), -0.5 * (down_part + vol_part), s)
        return nan_where(score, upper, vol_avg, atr)

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
