"""Circuit breaker: trips on the daily loss limit or N rejections in M minutes; typed reset only.

A trip restricts the trading state (to REDUCING or HALTED, per config) and stays tripped until
the trader types the reset phrase: a losing streak is exactly when nobody should be able to
un-trip it by pressing a key out of habit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apex_tui.domain.clock import Clock
from apex_tui.risk.settings import RiskSettings
from apex_tui.risk.states import TradingState, TradingStatus


@dataclass(frozen=True, slots=True)
class BreakerTrip:
    """Why and when the breaker tripped, and the state it moved trading to."""

    reason: str
    state: TradingState
    time: datetime


class CircuitBreaker:
    """Counts rejections in a sliding window and watches the day's P&L."""

    def __init__(
        self,
        settings: RiskSettings,
        status: TradingStatus,
        clock: Clock,
        *,
        on_trip: Callable[[BreakerTrip], None] | None = None,
    ) -> None:
        self._settings = settings
        self._status = status
        self._clock = clock
        self._on_trip = on_trip
        self._rejections: deque[float] = deque()
        self.trip: BreakerTrip | None = None

    def reconfigure(self, settings: RiskSettings) -> None:
        """New limits (config hot reload); the rejection history is kept."""
        self._settings = settings

    @property
    def tripped(self) -> bool:
        return self.trip is not None

    def recent_rejections(self) -> int:
        self._expire()
        return len(self._rejections)

    def record_rejection(self, reason: str = "") -> BreakerTrip | None:
        """Count one rejection (risk refusal or broker reject); trips at the configured count."""
        cfg = self._settings.breaker
        self._rejections.append(self._clock.monotonic())
        self._expire()
        if len(self._rejections) >= cfg.max_rejections:
            why = f"{len(self._rejections)} rejections in {cfg.window_minutes:g} min"
            return self._trip(why + (f" (last: {reason})" if reason else ""))
        return None

    def observe_pnl(self, realized: float, unrealized: float) -> BreakerTrip | None:
        """Trip when the day's loss exceeds the daily loss limit (exactly at the limit is fine)."""
        loss = -(realized + unrealized)
        limit = self._settings.daily_loss_limit
        if loss > limit:
            return self._trip(f"daily loss {loss:,.2f} over limit {limit:,.2f}")
        return None

    def reset(self, typed: str) -> None:
        """Clear a trip and return trading to ACTIVE; raises ConfirmationMismatch on wrong text."""
        self._status.release(typed, self._settings.breaker.reset_phrase, "breaker reset")
        self.trip = None
        self._rejections.clear()

    def _expire(self) -> None:
        horizon = self._clock.monotonic() - self._settings.breaker.window_minutes * 60.0
        while self._rejections and self._rejections[0] <= horizon:
            self._rejections.popleft()

    def _trip(self, reason: str) -> BreakerTrip | None:
        if self.trip is not None:
            return None  # already tripped: one trip, one journal record
        state = TradingState(self._settings.breaker.trip_to)
        self.trip = BreakerTrip(reason, state, self._clock.now())
        self._status.restrict(state, f"breaker: {reason}")
        if self._on_trip is not None:
            self._on_trip(self.trip)
        return self.trip
