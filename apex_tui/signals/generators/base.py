"""The shared generator pipeline: features -> raw score -> filters -> signal.

A generator only supplies what differs: `raw_score` (vectorised, signed, in -1..1, NaN while
its features warm up), a one-line `reason`, its `params`, and the regimes it stays quiet in.
Scores are computed with the same code over a whole history (arrays over bars) and live
(arrays over symbols), because `raw_score` only reads the current and the previous row.

The built-in generators compute the raw score and the filters in one compiled pass over the
rows (`compiled`, overriding `_scores`); the numpy helpers below remain for a generator
written with array operations (and are the reference the compiled kernels are tested against).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.compiled import Filters
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import regime_of
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction, Signal

Row = Mapping[str, float]


def ratio(num: F64, den: F64, out: F64 | None = None) -> F64:
    """num / den, with +inf (or 0 for 0/0) where den is 0: a zero ATR means 'far' in ATRs.

    The same where den is negative or NaN (num > 0 gives +inf, anything else 0). Divides
    everywhere, then repairs the few rows whose denominator is not positive (warm-up, flat
    markets): masked `np.where` passes cost several times a plain division. `out` may be `num`.
    """
    bad = np.flatnonzero(~(den > 0))
    fix = np.where(num[bad] > 0, np.inf, 0.0) if bad.size else None
    with np.errstate(divide="ignore", invalid="ignore"):
        result: F64 = np.divide(num, den, out=out)
    if fix is not None:
        result[bad] = fix
    return result


def nan_where(out: F64, *inputs: F64) -> F64:
    """Set `out` to NaN (in place) wherever any input is NaN: a warming-up feature."""
    missing = np.isnan(inputs[0])
    for x in inputs[1:]:
        missing |= np.isnan(x)
    idx = np.flatnonzero(missing)
    if idx.size:
        out[idx] = np.nan
    return out


def zero_nan(x: F64) -> F64:
    """`np.nan_to_num(x)`, copying only when x has a NaN or an infinity (repairing just those)."""
    finite = np.isfinite(x)
    if finite.all():
        return x
    bad = np.flatnonzero(~finite)
    out = x.copy()
    out[bad] = np.nan_to_num(x[bad])
    return out


def strong(s: F64, threshold: float) -> NDArray[np.bool_]:
    """~(|s| < threshold) without a float temporary: NaN (warming up) is kept, so stays NaN."""
    weak = s < threshold
    weak &= s > -threshold
    return ~weak


def keep_where(score: F64, keep: NDArray[np.bool_]) -> F64:
    """`np.where(keep, score, 0.0)` in place, as arithmetic (no branch per row); NaN stays NaN.

    Multiplying by False gives -0.0 for a negative score; adding 0.0 turns that into +0.0.
    """
    np.multiply(score, keep, out=score)
    return np.add(score, 0.0, out=score)


class Generator(ABC):
    """Base of every generator; subclasses define `name`, `raw_score`, `reason`, `params`."""

    name: ClassVar[str]
    muted_in: ClassVar[frozenset[int]] = frozenset()  # regime codes that silence it

    def __init__(self, settings: SignalSettings) -> None:
        self.settings = settings

    @abstractmethod
    def raw_score(self, cur: Features, prev: Features) -> F64:
        """Signed strength per row in -1..1 (NaN while warming up), as a new array.

        `score` finishes it in place, so it must not be a view of a feature.
        """

    @abstractmethod
    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        """One line saying why, for a LONG or SHORT score on this row."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters this generator ran with (copied into every Signal)."""

    def score(self, cur: Features, prev: Features, regime: NDArray[np.int8] | None = None) -> F64:
        """Raw score, clipped, muted by regime, and zeroed below the minimum strength."""
        f = compiled.filters(self.settings.min_strength, regime, self.muted_in)
        return self._scores(cur, prev, f)

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        """The raw score with the filters `f` applied; a compiled generator does both at once."""
        return compiled.apply(self.raw_score(cur, prev), f)

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
