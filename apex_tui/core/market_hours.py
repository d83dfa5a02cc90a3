"""Is the market open now? The exchange calendar (XNYS), or always for the around-the-clock
simulator, cached per day so the risk check and health checks can ask on every call."""

from __future__ import annotations

from datetime import date, datetime

from apex_tui.domain.clock import Clock
from apex_tui.jobs.calendar import ET, session_bounds, sessions


class MarketHours:
    """`is_open(symbol)` for US stocks: regular trading hours of today's NYSE session."""

    def __init__(self, clock: Clock, *, always_open: bool) -> None:
        self._clock = clock
        self._always = always_open
        self._day: date | None = None
        self._bounds: tuple[datetime, datetime] | None = None

    def is_open(self, _symbol: str = "") -> bool:
        if self._always:
            return True
        now = self._clock.now()
        today = now.astimezone(ET).date()
        if today != self._day:
            self._day = today
            self._bounds = session_bounds(today, rth=True) if sessions(today, today) else None
        return self._bounds is not None and self._bounds[0] <= now < self._bounds[1]
