"""Trend: fast/slow EMA crossover, counted only once the gap exceeds a fraction of ATR."""

from __future__ import annotations

from typing import Any

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.base import Generator, Row
from apex_tui.signals.generators.compiled import Filters
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import RANGING
from apex_tui.signals.signal import Direction


class TrendGenerator(Generator):
    """LONG while EMA(fast) is above EMA(slow) by `atr_filter` ATRs, SHORT while below."""

    name = "trend"
    muted_in = frozenset({RANGING})  # crossovers whipsaw in a range

    def raw_score(self, cur: Features, prev: Features) -> F64:
        return self._scores(cur, prev, compiled.RAW)

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        p = self.settings.trend
        return compiled.trend(
            cur["ema_fast"],
            cur["ema_slow"],
            cur["atr"],
            atr_filter=p.atr_filter,
            atr_full=p.atr_full,
            f=f,
        )

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
