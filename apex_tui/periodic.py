"""A task that calls a function every few seconds until stopped: the one shape behind the
recorder's hand-off, the health runner, the config watcher and the engine's upkeep."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from apex_tui.logging import get_logger

log = get_logger(__name__)


class Periodic:
    """Calls `fn` (sync or async) every `interval` seconds on the running loop.

    A call that raises is logged and the schedule goes on: one bad tick must not silently end
    a background duty (the failure mode of workers that die after a laptop sleeps).
    """

    def __init__(
        self,
        fn: Callable[[], object | Awaitable[object]],
        interval: float,
        *,
        name: str,
        immediate: bool = False,
    ) -> None:
        self.fn = fn
        self.interval = interval
        self.name = name
        self.immediate = immediate
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _call(self) -> None:
        try:
            result = self.fn()
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("periodic_call_failed", task=self.name)

    async def _loop(self) -> None:
        if self.immediate:
            await self._call()
        while True:
            await asyncio.sleep(self.interval)
            await self._call()
