"""IB's historical-data pacing rules, enforced per server (IB enforces them per user).

A request is refused with error 162 when it is identical to one made within 15 s, when it is
the 6th or more for the same contract, exchange and tick type within 2 s, when 60 requests
were already made in the last 10 minutes (BID_ASK counts twice), or when 50 are open (live
keepUpToDate subscriptions). IB applies the rules to bars of 30 seconds or less ("ib" mode);
"strict" applies them to every bar size and "off" disables them. `scale` multiplies every
window so tests can exercise the rules in a fraction of a second.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Literal

PacingMode = Literal["ib", "strict", "off"]
PACING_MODES: tuple[str, ...] = ("ib", "strict", "off")

IDENTICAL_WINDOW = 15.0
SAME_CONTRACT_WINDOW = 2.0
SAME_CONTRACT_LIMIT = 6
ROLLING_WINDOW = 600.0
ROLLING_LIMIT = 60
OPEN_LIMIT = 50

_SECONDS = {"sec": 1, "secs": 1, "min": 60, "mins": 60, "hour": 3600, "hours": 3600}


def bar_seconds(bar_size: str) -> int | None:
    """Seconds in an intraday bar size ('30 secs' -> 30); None for day/week/month bars."""
    parts = bar_size.split()
    if len(parts) != 2 or parts[1] not in _SECONDS:
        return None
    try:
        return int(parts[0]) * _SECONDS[parts[1]]
    except ValueError:
        return None


class HistoricalPacing:
    """Decides whether a historical request breaks a pacing rule, and records it if not."""

    def __init__(self, mode: PacingMode, scale: float, monotonic: Callable[[], float]) -> None:
        if mode not in PACING_MODES:
            raise ValueError(f"pacing mode must be one of {PACING_MODES}, not {mode!r}")
        if scale <= 0:
            raise ValueError("pacing scale must be positive")
        self.mode = mode
        self.scale = scale
        self._monotonic = monotonic
        self._identical: dict[tuple[object, ...], float] = {}
        self._by_contract: dict[tuple[object, ...], deque[float]] = {}
        self._all: deque[float] = deque()

    def applies(self, bar_size: str) -> bool:
        if self.mode == "off":
            return False
        if self.mode == "strict":
            return True
        secs = bar_seconds(bar_size)
        return secs is not None and secs <= 30

    def check(
        self,
        *,
        request_key: tuple[object, ...],
        contract_key: tuple[object, ...],
        bar_size: str,
        what_to_show: str,
        open_requests: int,
    ) -> str | None:
        """The rule the request breaks (and nothing recorded), or None (and it is recorded)."""
        if not self.applies(bar_size):
            return None
        now = self._monotonic()
        self._expire(now)
        if request_key in self._identical:
            return "identical request within 15 seconds"
        recent = self._by_contract.get(contract_key)
        if recent is not None and len(recent) >= SAME_CONTRACT_LIMIT - 1:
            return "6 or more requests for the same contract within 2 seconds"
        weight = 2 if what_to_show.upper() == "BID_ASK" else 1
        if len(self._all) + weight > ROLLING_LIMIT:
            return "more than 60 requests within 10 minutes"
        if open_requests >= OPEN_LIMIT:
            return "more than 50 simultaneous open historical requests"
        self._identical[request_key] = now
        self._by_contract.setdefault(contract_key, deque()).append(now)
        self._all.extend([now] * weight)
        return None

    def _expire(self, now: float) -> None:
        ident = IDENTICAL_WINDOW * self.scale
        for key in [k for k, t in self._identical.items() if now - t >= ident]:
            del self._identical[key]
        same = SAME_CONTRACT_WINDOW * self.scale
        for key, times in list(self._by_contract.items()):
            while times and now - times[0] >= same:
                times.popleft()
            if not times:
                del self._by_contract[key]
        rolling = ROLLING_WINDOW * self.scale
        while self._all and now - self._all[0] >= rolling:
            self._all.popleft()
