"""Every request to the gateway goes through `bounded`: a per-kind timeout and domain errors.

Also the global message-rate guard: IB disconnects a client sending more than 50 messages
per second (error 100). ib_async already queues its own sends at 45/s; `RateGuard` lets the
connector's bulk paths (restoring hundreds of subscriptions, backfills) wait for a slot
instead of piling thousands of messages into that queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import TypeVar

from ib_async.wrapper import RequestError

from apex_tui.broker.errors import error_from_ib
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ConnectionFailed, RequestTimeout

T = TypeVar("T")

MAX_MESSAGES_PER_SECOND = 45  # IB's hard limit is 50; keep ib_async's margin


async def bounded(awaitable: Awaitable[T], *, seconds: float, what: str) -> T:
    """Await `awaitable` for at most `seconds`; IB's failures become domain errors."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError as exc:
        raise RequestTimeout(f"{what}: no answer from the gateway within {seconds:g} s") from exc
    except RequestError as exc:
        raise error_from_ib(exc.code, exc.message, context=what) from exc
    except ConnectionError as exc:
        raise ConnectionFailed(f"{what}: not connected to the gateway ({exc})") from exc


class RateGuard:
    """A sliding one-second window of at most `limit` sends; `acquire` waits for a free slot."""

    def __init__(self, limit: int = MAX_MESSAGES_PER_SECOND, clock: Clock | None = None) -> None:
        self._limit = limit
        self._clock = clock or SystemClock()
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - 1.0:
            self._sent.popleft()

    def wait_time(self) -> float:
        """Seconds until the next send is allowed (0 when one is free now)."""
        now = self._clock.monotonic()
        self._prune(now)
        if len(self._sent) < self._limit:
            return 0.0
        return self._sent[0] + 1.0 - now

    async def acquire(self, n: int = 1) -> None:
        """Wait until `n` messages may be sent, then count them as sent."""
        async with self._lock:
            for _ in range(n):
                delay = self.wait_time()
                while delay > 0:
                    await asyncio.sleep(delay)
                    delay = self.wait_time()
                self._sent.append(self._clock.monotonic())

    @property
    def used(self) -> int:
        """Messages counted in the current one-second window."""
        self._prune(self._clock.monotonic())
        return len(self._sent)
