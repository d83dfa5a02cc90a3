"""The contract between backfill jobs and whatever serves historical bars (the connector).

The connector implements `HistoricalSource`; tests use a deterministic fake. Errors follow
apex_tui.domain.errors: NoData is a gap; PacingViolation, RequestTimeout and ConnectionFailed
are retried; any other BrokerError fails the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BarRequest:
    """One reqHistoricalData call, in IB's own terms.

    `end` is UTC; `duration` is IB's "N S/D/W/M/Y". For whole sessions the planner asks for
    "k D" ending at the last session's close (k trading sessions); for parts of a session
    "N S".
    """

    symbol: str
    bar_size: str  # IB's name: "1 min", "1 day"
    what_to_show: str
    end: datetime
    duration: str
    use_rth: bool


@dataclass(frozen=True, slots=True)
class BarRow:
    """One bar as received. `time` is the bar's start in UTC (daily bars: the session date
    at 00:00 UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    wap: float
    count: int


class HistoricalSource(Protocol):
    """Serves historical bars; every call goes through the connector's pacer."""

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        """Bars of `req`, oldest first; raise NoData when IB has none."""
        ...

    async def wait_connected(self) -> None:
        """Return once the session to the gateway is up (at once when it already is)."""
        ...
