"""The health checks. Each reads injected inputs, so tests drive every transition directly.

Every check is `async run() -> CheckResult` and must be cheap: the runner calls them off the
UI's hot path, each under a timeout, and turns an exception into an UNHEALTHY result.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from apex_tui.domain.clock import Clock
from apex_tui.domain.quotes import Quote
from apex_tui.health.model import CheckResult, Status
from apex_tui.health.probes import LoopLagMonitor, slope_per_second

H, D, U = Status.HEALTHY, Status.DEGRADED, Status.UNHEALTHY


class Check:
    """Base: a name and a clock; subclasses implement `run`."""

    name = "check"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def result(
        self, status: Status, value: str, message: str, number: float | None = None
    ) -> CheckResult:
        return CheckResult(self.name, status, value, message, self.clock.now(), number)

    async def run(self) -> CheckResult:
        raise NotImplementedError


class ConnectionCheck(Check):
    """Broker connection state and the heartbeat's round trip."""

    name = "connection"

    def __init__(
        self,
        clock: Clock,
        state: Callable[[], tuple[str, str]],
        rtt: Callable[[], float | None],
        slow_rtt: float = 1.0,
    ) -> None:
        super().__init__(clock)
        self._state, self._rtt, self._slow = state, rtt, slow_rtt

    async def run(self) -> CheckResult:
        state, reason = self._state()
        rtt = self._rtt()
        shown = state if rtt is None else f"{state} {rtt * 1000:.0f}ms"
        if state in {"DISCONNECTED", "STOPPED"}:
            return self.result(U, shown, f"no session with the gateway: {reason}")
        if state != "CONNECTED":
            return self.result(D, shown, reason or state.lower(), rtt)
        if rtt is not None and rtt > self._slow:
            return self.result(D, shown, f"heartbeat slow (over {self._slow:g} s)", rtt)
        return self.result(H, shown, reason, rtt)


class FarmCheck(Check):
    """IB's data farms as the gateway reports them (2103-2106, 2157/2158)."""

    name = "data farms"

    def __init__(self, clock: Clock, down: Callable[[], dict[str, str]]) -> None:
        super().__init__(clock)
        self._down = down

    async def run(self) -> CheckResult:
        down = self._down()
        if not down:
            return self.result(H, "all OK", "every data farm reported OK", 0)
        names = ", ".join(sorted(down))
        return self.result(D, f"{len(down)} down", f"down: {names}", len(down))


class FreshnessCheck(Check):
    """Market data freshness, counting only symbols whose market is open."""

    name = "market data"

    def __init__(
        self,
        clock: Clock,
        quotes: Callable[[], Sequence[Quote]],
        market_open: Callable[[str], bool],
        stale_after: float,
    ) -> None:
        super().__init__(clock)
        self._quotes, self._open, self._stale_after = quotes, market_open, stale_after

    async def run(self) -> CheckResult:
        now = self.clock.now()
        live = [q for q in self._quotes() if self._open(q.symbol)]
        if not live:
            return self.result(H, "no open markets", "no streaming symbol's market is open")
        ages = {
            q.symbol: math.inf if q.time is None else (now - q.time).total_seconds() for q in live
        }
        stale = sorted(s for s, age in ages.items() if age > self._stale_after)
        worst_symbol = max(ages, key=lambda s: ages[s])
        worst_age = ages[worst_symbol]
        age_text = "never" if math.isinf(worst_age) else f"{worst_age:.0f} s"
        value = f"{len(stale)}/{len(live)} stale"
        if not stale:
            return self.result(H, value, f"oldest {worst_symbol} {age_text}", len(stale))
        shown = ", ".join(stale[:5]) + (" …" if len(stale) > 5 else "")
        status = U if len(stale) == len(live) else D
        return self.result(status, value, f"stale: {shown}; oldest {age_text}", len(stale))


@dataclass(frozen=True, slots=True)
class SinkView:
    """What the sink reports (adapted from the sink's own stats record)."""

    queue_depth: int
    queue_capacity: int
    flush_lag: float  # seconds since the oldest unflushed row was accepted
    dropped: int
    last_error: str | None


class SinkCheck(Check):
    """The Parquet sink: queue depth, flush lag, dropped rows, last error."""

    name = "sink"

    def __init__(
        self, clock: Clock, stats: Callable[[], SinkView | None], max_lag: float = 30.0
    ) -> None:
        super().__init__(clock)
        self._stats, self._max_lag = stats, max_lag

    async def run(self) -> CheckResult:
        s = self._stats()
        if s is None:
            return self.result(H, "off", "the sink is not running")
        fill = s.queue_depth / s.queue_capacity if s.queue_capacity else 0.0
        value = f"queue {s.queue_depth:,}" + (f" · {s.dropped:,} dropped" if s.dropped else "")
        if s.last_error:
            return self.result(U, value, f"write failing: {s.last_error}", fill)
        if s.dropped or fill > 0.8 or s.flush_lag > self._max_lag:
            why = "rows dropped" if s.dropped else "falling behind"
            return self.result(D, value, why, fill)
        return self.result(H, value, "writing", fill)


class DiskCheck(Check):
    """Free space where the dataset lives, and hours until full at the recent write rate."""

    name = "disk"

    def __init__(
        self,
        clock: Clock,
        path: Path,
        *,
        min_free_bytes: float = 2e9,
        warn_hours: float = 24.0,
        free_bytes: Callable[[Path], float] | None = None,
        min_span_s: float = 240.0,
    ) -> None:
        super().__init__(clock)
        self._path, self._min, self._warn = path, min_free_bytes, warn_hours
        self._min_span = min_span_s
        self._free = free_bytes or _statvfs_free
        self._samples: deque[tuple[float, float]] = deque(maxlen=60)

    async def run(self) -> CheckResult:
        free = self._free(self._path)
        now = self.clock.monotonic()
        self._samples.append((now, free))
        # Forecast only from a few minutes of samples: one burst of writes is not a trend.
        span = now - self._samples[0][0]
        rate = -slope_per_second(self._samples) if span >= self._min_span else 0.0
        hours = free / rate / 3600 if rate > 0 else math.inf
        value = f"{free / 1e9:.1f} GB free"
        if not math.isinf(hours):
            value += f" · full in {hours:.0f} h"
        if free < self._min:
            return self.result(U, value, f"under {self._min / 1e9:.1f} GB free", free)
        if hours < self._warn:
            return self.result(D, value, "filling up at the current write rate", free)
        return self.result(H, value, str(self._path), free)


def _statvfs_free(path: Path) -> float:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    st = os.statvfs(probe)
    return float(st.f_bavail * st.f_frsize)


class MemoryCheck(Check):
    """Resident memory and its slope over the last samples (a leak shows as a steady climb)."""

    name = "memory"

    def __init__(
        self,
        clock: Clock,
        rss: Callable[[], float],
        limit_bytes: float = 4e9,
        max_slope_mb_per_min: float = 5.0,
        min_samples: int = 60,
    ) -> None:
        super().__init__(clock)
        self._rss, self._limit = rss, limit_bytes
        self._max_slope, self._min_samples = max_slope_mb_per_min, min_samples
        self._samples: deque[tuple[float, float]] = deque(maxlen=120)

    async def run(self) -> CheckResult:
        rss = self._rss()
        self._samples.append((self.clock.monotonic(), rss))
        slope = slope_per_second(self._samples) * 60 / 1e6  # MB per minute
        enough = len(self._samples) >= self._min_samples  # a slope from startup noise misleads
        value = f"{rss / 1e6:.0f} MB" + (f" · {slope:+.1f} MB/min" if enough else "")
        if rss > self._limit:
            return self.result(U, value, f"over {self._limit / 1e9:.1f} GB", rss)
        if enough and slope > self._max_slope:
            return self.result(D, value, "growing steadily: possible leak", rss)
        return self.result(H, value, "steady", rss)


class LoopLagCheck(Check):
    """Event-loop lag p99 over the last minute: what every keypress and redraw waits."""

    name = "event loop"

    def __init__(
        self, clock: Clock, monitor: LoopLagMonitor, warn: float = 0.05, bad: float = 0.25
    ) -> None:
        super().__init__(clock)
        self._monitor, self._warn, self._bad = monitor, warn, bad

    async def run(self) -> CheckResult:
        p99 = self._monitor.p99()
        value = f"p99 {p99 * 1000:.0f} ms"
        if p99 > self._bad:
            return self.result(U, value, "the UI is freezing", p99)
        if p99 > self._warn:
            return self.result(D, value, "the UI is sluggish", p99)
        return self.result(H, value, "responsive", p99)


class PacingCheck(Check):
    """Historical-data pacing budget left in IB's 10-minute window."""

    name = "pacing"

    def __init__(self, clock: Clock, left: Callable[[], tuple[int, int] | None]) -> None:
        super().__init__(clock)
        self._left = left

    async def run(self) -> CheckResult:
        budget = self._left()
        if budget is None:
            return self.result(H, "idle", "no historical requests yet")
        left, total = budget
        value = f"{left}/{total} left"
        if left == 0:
            return self.result(D, value, "budget used up: backfill waits for the window", left)
        return self.result(H, value, "within IB's limits", left)


class CheckpointCheck(Check):
    """Whether the last reconnect checkpoint was acknowledged by the trader."""

    name = "reconnect checkpoint"

    def __init__(self, clock: Clock, pending: Callable[[], str | None]) -> None:
        super().__init__(clock)
        self._pending = pending

    async def run(self) -> CheckResult:
        summary = self._pending()
        if summary is None:
            return self.result(H, "acknowledged", "nothing to review")
        return self.result(D, "to review", summary)


class ClockSkewCheck(Check):
    """Our clock against the gateway's reqCurrentTime."""

    name = "clock skew"

    def __init__(
        self,
        clock: Clock,
        server_time: Callable[[], Awaitable[datetime | None]],
        warn: float = 2.0,
        bad: float = 30.0,
    ) -> None:
        super().__init__(clock)
        self._server_time, self._warn, self._bad = server_time, warn, bad

    async def run(self) -> CheckResult:
        server = await self._server_time()
        if server is None:
            return self.result(H, "unknown", "not connected")
        skew = (self.clock.now() - server).total_seconds()
        value = f"{skew:+.1f} s"
        if abs(skew) > self._bad:
            return self.result(U, value, "fix the system clock: bar times will be wrong", skew)
        if abs(skew) > self._warn:
            return self.result(D, value, "clock drifting from the gateway's", skew)
        return self.result(H, value, "in step with the gateway", skew)
