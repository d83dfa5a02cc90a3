"""Breakout: a close beyond the previous Donchian channel, confirmed by volume."""

from __future__ import annotations

from typing import Any

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.base import Generator, Row
from apex_tui.signals.generators.compiled import Filters
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
        return self._scores(cur, prev, compiled.RAW)

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        channel = (prev["dc_upper"], prev["dc_lower"], prev["vol_avg"])
        mult = self.settings.breakout.volume_mult
        return compiled.breakout(
            cur["close"], cur["volume"], cur["atr"], channel, volume_mult=mult, f=f
        )

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
