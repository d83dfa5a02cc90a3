"""Momentum: MACD histogram on the same side as the MACD line."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, ratio
from apex_tui.signals.kernels import F64
from apex_tui.signals.signal import Direction


class MomentumGenerator(Generator):
    """LONG while MACD and its histogram are both positive, SHORT while both are negative.

    Strength is the histogram's size in ATRs over `hist_full`.
    """

    name = "momentum"

    def raw_score(self, cur: Features, prev: Features) -> F64:
        p = self.settings.momentum
        macd, hist = cur["macd"], cur["macd_hist"]
        agree = np.sign(macd) == np.sign(hist)
        strength = np.minimum(1.0, ratio(np.abs(hist), cur["atr"]) / p.hist_full)
        score = np.where(agree, np.sign(hist) * strength, 0.0)
        return np.where(np.isnan(hist) | np.isnan(cur["atr"]), np.nan, score)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.momentum
        return (
            f"MACD({p.fast},{p.slow},{p.signal}) {cur['macd']:+.3f},"
            f" histogram {cur['macd_hist']:+.3f}"
        )

    def params(self) -> dict[str, Any]:
        return {**self.settings.momentum.model_dump(), "atr_period": self.settings.atr_period}
