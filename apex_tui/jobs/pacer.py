"""IB historical-data pacing: wait for a free slot instead of earning error 162.

Three rolling windows (an identical request within 15 s; more than `burst_max` requests for
one contract/whatToShow within 2 s; more than 60 per 10 minutes, BID_ASK counting twice) plus
at most 50 open requests, every window length multiplied by `scale`. Pure: time comes from an
injected `monotonic` and waiting from an injected `sleep`, so tests run the windows on a fake
clock. `acquire` is FIFO: callers get slots in the order they asked.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from apex_tui.jobs.settings import PacingSettings
from apex_tui.jobs.source import BarRequest


@dataclass(frozen=True, slots=True)
class PacingKey:
    """What the windows compare: the contract/whatToShow pair and the whole request."""

    contract: str  # symbol@exchange
    what_to_show: str
    identity: Hashable  # equal for identical requests

    @property
    def weight(self) -> int:
        return 2 if self.what_to_show == "BID_ASK" else 1

    @classmethod
    def for_request(cls, req: BarRequest, exchange: str = "SMART") -> PacingKey:
        return cls(f"{req.contract_key}@{exchange}", req.what_to_show, req)


@dataclass(frozen=True, slots=True)
class Lease:
    """A granted slot; give it back with `Pacer.release` when the answer (or error) arrives."""

    key: PacingKey
    granted_at: float


@dataclass(frozen=True, slots=True)
class WindowBudget:
    """Usage of one window: `used` of `limit` within the last `seconds`."""

    name: str
    used: int
    limit: int
    seconds: float

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True, slots=True)
class PacingBudget:
    """Snapshot for the Jobs pane's gauge and the health checks."""

    windows: tuple[WindowBudget, ...]
    open: int
    max_open: int
    next_free_in: float  # seconds until a new (non-identical) request could be sent
    waiting: int
    granted: int


class Pacer:
    """Grants historical-request slots within IB's windows."""

    def __init__(
        self,
        settings: PacingSettings | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        s = settings or PacingSettings()
        self.identical_s = s.identical_s * s.scale
        self.burst_s = s.burst_s * s.scale
        self.burst_max = s.burst_max
        self.window_s = s.window_s * s.scale
        self.window_max = s.window_max
        self.max_open = s.max_open
        self.margin_s = s.margin_s * min(1.0, s.scale)
        self._mono = monotonic
        self._sleep = sleep
        self._history: deque[tuple[float, PacingKey]] = deque()
        self._open = 0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()
        self._waiting = 0
        self._granted = 0

    # -- pure window arithmetic --------------------------------------------------------------
    def _prune(self, now: float) -> None:
        horizon = max(self.window_s, self.identical_s, self.burst_s)
        while self._history and self._history[0][0] <= now - horizon:
            self._history.popleft()

    def wait_time(self, key: PacingKey, now: float) -> float:
        """Seconds until `key` may be sent without breaking a window (0 when it may go now)."""
        self._prune(now)
        wait = 0.0
        same: list[float] = []
        weight_in_window = 0
        for t, k in self._history:
            if k.identity == key.identity and t > now - self.identical_s:
                wait = max(wait, t + self.identical_s - now)
            same_pair = k.contract == key.contract and k.what_to_show == key.what_to_show
            if same_pair and t > now - self.burst_s:
                same.append(t)
            if t > now - self.window_s:
                weight_in_window += k.weight
        if len(same) >= self.burst_max:
            # The slot frees when the oldest of the last `burst_max` leaves the window.
            wait = max(wait, same[-self.burst_max] + self.burst_s - now)
        excess = weight_in_window + key.weight - self.window_max
        if excess > 0:
            for t, k in self._history:
                if t <= now - self.window_s:
                    continue
                excess -= k.weight
                if excess <= 0:
                    wait = max(wait, t + self.window_s - now)
                    break
        return wait + self.margin_s if wait > 0 else 0.0

    # -- async API ------------------------------------------------------------------------
    async def acquire(self, key: PacingKey) -> Lease:
        """Wait for the next slot `key` may use, record it, and return its lease."""
        self._waiting += 1
        try:
            async with self._lock:
                while True:
                    if self._open >= self.max_open:
                        self._freed.clear()
                        await self._freed.wait()
                        continue
                    now = self._mono()
                    wait = self.wait_time(key, now)
                    if wait <= 0:
                        self._history.append((now, key))
                        self._open += 1
                        self._granted += 1
                        return Lease(key, now)
                    await self._sleep(wait)
        finally:
            self._waiting -= 1

    def release(self, lease: Lease) -> None:
        """The request's answer arrived (or failed): free its open slot.

        The request also counts in the windows from now on, not from its grant: the gateway
        stamps it when it gets to it, somewhere between the two, and a busy gateway (or a
        slow send queue) gets to it late. Measured against the strict simulator, counting
        from the grant reopened the 10-minute window early and earned 162s. Every stamp in
        the history is <= now, so re-appending keeps it in time order.
        """
        self._open = max(0, self._open - 1)
        now = self._mono()
        history = self._history
        for i in range(len(history) - 1, -1, -1):
            t, key = history[i]
            if t == lease.granted_at and key is lease.key:
                del history[i]
                history.append((max(t, now), key))
                break
        self._freed.set()

    def resent(self, key: PacingKey) -> None:
        """Count `key` as sent now, outside any slot: a request abandoned when the session
        dropped.

        Its bytes may still have reached the gateway, as late as the moment the gateway closed
        the old session, and a new session with the same client id starts only after that.
        Called once reconnected, this keeps the retry's windows, the identical-request one
        included, from a moment after any late copy: measured against the strict simulator
        behind a delayed link, timing them from the drop earned a 162 on the retry.
        """
        self._history.append((self._mono(), key))

    def budget(self) -> PacingBudget:
        now = self._mono()
        self._prune(now)
        in_window = sum(k.weight for t, k in self._history if t > now - self.window_s)
        in_burst = sum(1 for t, _ in self._history if t > now - self.burst_s)
        in_ident = sum(1 for t, _ in self._history if t > now - self.identical_s)
        probe = PacingKey("\0", "TRADES", object())
        return PacingBudget(
            windows=(
                WindowBudget("identical", in_ident, in_ident, self.identical_s),
                WindowBudget("burst", in_burst, self.burst_max, self.burst_s),
                WindowBudget("rolling", in_window, self.window_max, self.window_s),
            ),
            open=self._open,
            max_open=self.max_open,
            next_free_in=self.wait_time(probe, now),
            waiting=self._waiting,
            granted=self._granted,
        )

    def eta(self, requests: int) -> float:
        """Lower bound, in seconds, for sending `requests` more (rolling window bound)."""
        left = self.budget().windows[2].left
        if requests <= left:
            return 0.0
        return math.ceil((requests - left) / self.window_max) * self.window_s
