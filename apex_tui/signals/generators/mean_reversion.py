"""Mean reversion: RSI at an extreme while the close is outside the Bollinger band."""

from __future__ import annotations

from typing import Any

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.base import Generator, Row
from apex_tui.signals.generators.compiled import Filters
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
        return self._scores(cur, prev, compiled.RAW)

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        p = self.settings.mean_reversion
        bands = (cur["bb_upper"], cur["bb_middle"], cur["bb_lower"])
        return compiled.mean_reversion(
            cur["close"], cur["rsi"], bands, oversold=p.oversold, overbought=p.overbought, f=f
        )

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
