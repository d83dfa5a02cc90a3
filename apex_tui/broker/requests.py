"""Every request to the gateway goes through `bounded`: a per-kind timeout and domain errors.

Also the global message-rate guard: IB disconnects a client sending more than 50 messages
per second (error 100). The connector sets ib_async's own send queue, which every message
passes, to `max_msg_rate` per second in tenths of a second; `RateGuard` mirrors that window
so the bulk paths (qualifying and restoring hundreds of lines, backfills) wait for a slot
before sending instead of piling messages into ib_async's queue, where a paced historical
request would leave later than its pacing grant.
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

THROTTLE_INTERVAL = 0.1  # seconds; the window of ib_async's send queue as the connector sets it


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
    """A sliding `window` of at most `limit` sends; `acquire` waits for a free slot."""

    def __init__(self, limit: int, *, window: float = 1.0, clock: Clock | None = None) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock or SystemClock()
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()

    def wait_time(self) -> float:
        """Seconds until the next send is allowed (0 when one is free now)."""
        now = self._clock.monotonic()
        self._prune(now)
        if len(self._sent) < self._limit:
            return 0.0
        return self._sent[0] + self._window - now

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
        """Messages counted in the current window."""
        self._prune(self._clock.monotonic())
        return len(self._sent)
