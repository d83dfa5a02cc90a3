"""Mean reversion: RSI at an extreme while the close is outside the Bollinger band."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, nan_where, ratio
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import TRENDING
from apex_tui.signals.signal import Direction


class MeanReversionGenerator(Generator):
    """LONG when oversold below the lower band, SHORT when overbought above the upper band.

    Strength adds how deep RSI is past its threshold (as a share of the threshold's distance
    to 0 or 100) and how far the close is outside the band (in half-band widths).
    """

    name = "mean_reversion"
    muted_in = frozenset({TRENDING})  # fading a trend is how mean reversion loses money

    def raw_score(self, cur: Features, prev: Features) -> F64:
        p = self.settings.mean_reversion
        close, rsi = cur["close"], cur["rsi"]
        upper, middle, lower = cur["bb_upper"], cur["bb_middle"], cur["bb_lower"]
        score = np.zeros(len(close))
        # Setups are rare: the strengths are computed only on the rows that have one.
        long_ = np.flatnonzero((rsi < p.oversold) & (close < lower))
        if long_.size:
            r, c, lo = rsi[long_], close[long_], lower[long_]
            depth = (p.oversold - r) / p.oversold + ratio(lo - c, upper[long_] - middle[long_])
            score[long_] = np.minimum(1.0, depth)
        short = np.flatnonzero((rsi > p.overbought) & (close > upper))
        if short.size:
            r, c, up = rsi[short], close[short], upper[short]
            depth = (r - p.overbought) / (100.0 - p.overbought) + ratio(c - up, up - middle[short])
            score[short] = -np.minimum(1.0, depth)
        return nan_where(score, rsi, middle)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.mean_reversion
        if direction is Direction.LONG:
            return (
                f"RSI{p.rsi_period} {cur['rsi']:.1f} < {p.oversold:g} and close"
                f" {cur['close']:.2f} below lower band {cur['bb_lower']:.2f}"
            )
        return (
            f"RSI{p.rsi_period} {cur['rsi']:.1f} > {p.overbought:g} and close"
            f" {cur['close']:.2f} above upper band {cur['bb_upper']:.2f}"
        )

    def params(self) -> dict[str, Any]:
        return self.settings.mean_reversion.model_dump()
