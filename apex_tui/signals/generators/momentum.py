"""Momentum: MACD histogram on the same side as the MACD line."""

from __future__ import annotations

from typing import Any

import numpy as np

from apex_tui.signals.features import Features
from apex_tui.signals.generators.base import Generator, Row, keep_where, nan_where, ratio
from apex_tui.signals.kernels import F64
from apex_tui.signals.signal import Direction


class MomentumGenerator(Generator):
    """LONG while MACD and its histogram are both positive, SHORT while both are negative.

    Strength is the histogram's size in ATRs over `hist_full`.
    """

    name = "momentum"

    def raw_score(self, cur: Features, prev: Features) -> F64:
        p = self.settings.momentum
        macd, hist, atr = cur["macd"], cur["macd_hist"], cur["atr"]
        # sign(macd) == sign(hist), from boolean compares (no float temporaries).
        agree = (macd > 0) == (hist > 0)
        agree &= (macd < 0) == (hist < 0)
        score = np.abs(hist)
        ratio(score, atr, out=score)
        np.divide(score, p.hist_full, out=score)
        np.minimum(score, 1.0, out=score)
        # Where hist is 0 the score is already 0, so copysign is sign(hist) * s.
        np.copysign(score, hist, out=score)
        keep_where(score, agree)
        return nan_where(score, hist, atr)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        p = self.settings.momentum
        return (
            f"MACD({p.fast},{p.slow},{p.signal}) {cur['macd']:+.3f},"
            f" histogram {cur['macd_hist']:+.3f}"
        )

    def params(self) -> dict[str, Any]:
        return {**self.settings.momentum.model_dump(), "atr_period": self.settings.atr_period}
