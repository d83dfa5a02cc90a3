"""Momentum: MACD histogram on the same side as the MACD line."""

from __future__ import annotations

from typing import Any

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.base import Generator, Row
from apex_tui.signals.generators.compiled import Filters
from apex_tui.signals.kernels import F64
from apex_tui.signals.signal import Direction


class MomentumGenerator(Generator):
    """LONG while MACD and its histogram are both positive, SHORT while both are negative.

    Strength is the histogram's size in ATRs over `hist_full`.
    """

    name = "momentum"

    def raw_score(self, cur: Features, prev: Features) -> F64:
        return self._scores(cur, prev, compiled.RAW)

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        hist_full = self.settings.momentum.hist_full
        return compiled.momentum(
            cur["macd"], cur["macd_hist"], cur["atr"], hist_full=hist_full, f=f
        )

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.momentum
        return (
            f"MACD({p.fast},{p.slow},{p.signal}) {cur['macd']:+.3f},"
            f" histogram {cur['macd_hist']:+.3f}"
        )

    def params(self) -> dict[str, Any]:
        return {**self.settings.momentum.model_dump(), "atr_period": self.settings.atr_period}
