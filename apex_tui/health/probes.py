"""Measurements the checks read: event-loop lag, process memory, and trend slopes."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path


def slope_per_second(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (time, value) samples; 0 with fewer than two distinct times."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / var


def robust_slope_per_second(samples: Sequence[tuple[float, float]]) -> float:
    """Theil-Sen slope: the median of the slopes between every pair of samples.

    A trend that a few transient spikes cannot tilt (up to ~29 % of the samples may be
    outliers), where least squares follows a spike that happens to fall at either end.
    Quadratic in the samples: meant for a few hundred, as a soak takes.
    """
    slopes = sorted(
        (v2 - v1) / (t2 - t1)
        for i, (t1, v1) in enumerate(samples)
        for t2, v2 in samples[i + 1 :]
        if t2 != t1
    )
    n = len(slopes)
    if n == 0:
        return 0.0
    mid = n // 2
    return slopes[mid] if n % 2 else (slopes[mid - 1] + slopes[mid]) / 2


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux) or getrusage's peak elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # noqa: PLC0415 - fallback only

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def anon_rss_bytes() -> int:
    """The anonymous part of the resident set (heap, arenas): what a leak grows.

    The rest of RSS is mostly file-backed pages of the shared libraries, which become resident
    the first time their code runs (pyarrow and polars: tens of MB at the first dataset write)
    and can be dropped by the kernel at any time. Falls back to the whole RSS off Linux.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss_bytes()


class LoopLagMonitor:
    """Measures how late the event loop wakes a sleeper: the lag every UI update suffers."""

    def __init__(
        self,
        interval: float = 0.1,
        window: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        grace: float = 0.0,
    ) -> None:
        self.interval = interval
        self.window = window
        # Startup (building the world, reading calendars, first layout) is not steady state:
        # samples in the first `grace` seconds after start() are not recorded.
        self.grace = grace
        self._record_after = 0.0
        self._mono = monotonic
        self._samples: deque[tuple[float, float]] = deque()
        self._task: asyncio.Task[None] | None = None

    def record(self, at: float, lag: float) -> None:
        self._samples.append((at, lag))
        cutoff = at - self.window
        while self._samples and self._samples[0][0] < cutoff:
            self._samples.popleft()

    def lags(self) -> list[float]:
        return [lag for _, lag in self._samples]

    def p99(self) -> float:
        return percentile(self.lags(), 99)

    def start(self) -> None:
        if self._task is None:
            self._record_after = self._mono() + self.grace
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            before = self._mono()
            await asyncio.sleep(self.interval)
            after = self._mono()
            if after >= self._record_after:
                self.record(after, max(0.0, after - before - self.interval))
