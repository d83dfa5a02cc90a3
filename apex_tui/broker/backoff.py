"""Reconnect schedule: exponential backoff with jitter, and giving up after N failures."""

from __future__ import annotations

import random
from collections import deque

from apex_tui.domain.clock import Clock, SystemClock


class Backoff:
    """Delays base, 2*base, 4*base ... capped at `cap`, each spread by +/- `jitter` of itself.

    Failures are counted in a sliding window of `window` seconds; once `max_failures` fall in
    it, `next_delay` returns None: the supervisor stops and waits for the trader.
    """

    def __init__(
        self,
        *,
        base: float,
        cap: float,
        jitter: float,
        max_failures: int,
        window: float,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._base, self._cap, self._jitter = base, cap, jitter
        self._max_failures, self._window = max_failures, window
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._failures: deque[float] = deque()
        self._attempt = 0  # consecutive failures since the last success

    def _prune(self) -> None:
        cutoff = self._clock.monotonic() - self._window
        while self._failures and self._failures[0] < cutoff:
            self._failures.popleft()

    @property
    def failures_in_window(self) -> int:
        self._prune()
        return len(self._failures)

    def base_delay(self, attempt: int) -> float:
        """The delay before jitter for the `attempt`-th consecutive failure (0-based)."""
        # Cap the exponent so a long outage never overflows a float.
        return float(min(self._cap, self._base * (2 ** min(attempt, 32))))

    def next_delay(self) -> float | None:
        """Record a failure and return how long to wait, or None to give up."""
        self._failures.append(self._clock.monotonic())
        self._prune()
        if len(self._failures) >= self._max_failures:
            return None
        delay = self.base_delay(self._attempt)
        self._attempt += 1
        spread = delay * self._jitter
        return max(0.0, min(self._cap, delay + self._rng.uniform(-spread, spread)))

    def succeeded(self) -> None:
        """A session was established: the next failure starts from `base` again."""
        self._attempt = 0

    def reset(self) -> None:
        """The trader asked to reconnect now: forget the failures that made us give up."""
        self._attempt = 0
        self._failures.clear()
