"""The shared generator pipeline: features -> raw score -> filters -> signal.

A generator only supplies what differs: `raw_score` (vectorised, signed, in -1..1, NaN while
its features warm up), a one-line `reason`, its `params`, and the regimes it stays quiet in.
Scores are computed with the same code over a whole history (arrays over bars) and live
(arrays over symbols), because `raw_score` only reads the current and the previous row.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.features import Features
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import regime_of
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction, Signal

Row = Mapping[str, float]


def ratio(num: F64, den: F64) -> F64:
    """num / den, with +inf (or 0 for 0/0) where den is 0: a zero ATR means 'far' in ATRs."""
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, np.where(num > 0, np.inf, 0.0))


class Generator(ABC):
    """Base of every generator; subclasses define `name`, `raw_score`, `reason`, `params`."""

    name: ClassVar[str]
    muted_in: ClassVar[frozenset[int]] = frozenset()  # regime codes that silence it

    def __init__(self, settings: SignalSettings) -> None:
        self.settings = settings

    @abstractmethod
    def raw_score(self, cur: Features, prev: Features) -> F64:
        """Signed strength per row in -1..1 (NaN while warming up)."""

    @abstractmethod
    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        """One line saying why, for a LONG or SHORT score on this row."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters this generator ran with (copied into every Signal)."""

    def score(self, cur: Features, prev: Features, regime: NDArray[np.int8] | None = None) -> F64:
        """Raw score, clipped, muted by regime, and zeroed below the minimum strength."""
        s = np.clip(self.raw_score(cur, prev), -1.0, 1.0)
        if regime is not None and self.muted_in:
            s = np.where(np.isin(regime, list(self.muted_in)), 0.0, s)
        return np.where(np.abs(s) < self.settings.min_strength, 0.0, s)

    def signal(
        self,
        symbol: str,
        bar_time: datetime,
        score: float,
        *,
        cur: Row,
        prev: Row,
        regime_code: int | None = None,
    ) -> Signal:
        """The Signal record for one row's filtered score."""
        direction = Direction(int(np.sign(score))) if not np.isnan(score) else Direction.FLAT
        regime = regime_of(regime_code) if regime_code is not None else None
        if direction is Direction.FLAT:
            muted = regime_code is not None and regime_code in self.muted_in and regime
            why = f"muted: {regime} regime" if muted else "no setup"
        else:
            why = self.reason(cur, prev, direction)
        return Signal(
            symbol=symbol,
            direction=direction,
            strength=abs(float(score)) if direction is not Direction.FLAT else 0.0,
            generator=self.name,
            timeframe=self.settings.timeframe,
            bar_time=bar_time,
            reason=why,
            params=self.params(),
            regime=regime,
        )
