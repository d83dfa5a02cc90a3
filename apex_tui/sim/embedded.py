"""Run the simulator in its own thread with its own event loop, so it never competes with
the UI's loop: `port = EmbeddedSimulator(settings, world_settings).start()`, then `stop()`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable

from apex_tui.domain.errors import ApexError
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings

log = logging.getLogger("apex_tui.sim")
START_TIMEOUT = 30.0


class SimulatorError(ApexError):
    """The embedded simulator could not start."""


class EmbeddedSimulator:
    """A `SimulatorServer` on 127.0.0.1 (or `settings.host`) in a daemon thread."""

    def __init__(self, settings: ServerSettings, world_settings: WorldSettings) -> None:
        self.settings = settings
        self.world_settings = world_settings
        self.server: SimulatorServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    def start(self) -> int:
        """Start listening; returns the port once the server accepts connections."""
        if self._thread is not None:
            raise SimulatorError("simulator already started")
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="apex-sim",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        try:
            return ready.result(timeout=START_TIMEOUT)
        except Exception as exc:
            self._thread.join(timeout=5)
            self._thread = None
            raise SimulatorError(f"simulator failed to start: {exc}") from exc

    def _run(self, ready: concurrent.futures.Future[int]) -> None:
        try:
            asyncio.run(self._main(ready))
        except Exception as exc:
            log.exception("embedded simulator crashed")
            if not ready.done():
                ready.set_exception(exc)

    async def _main(self, ready: concurrent.futures.Future[int]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self.server = SimulatorServer(self.settings, self.world_settings)
        port = await self.server.start()
        ready.set_result(port)
        try:
            await self._stopped.wait()
        finally:
            await self.server.stop()

    def call(self, fn: Callable[[SimulatorServer], object]) -> None:
        """Run fn(server) on the simulator's loop, e.g. `sim.call(lambda s: s.faults.stall(5))`."""
        loop, server = self._loop, self.server
        if loop is None or server is None:
            raise SimulatorError("simulator is not running")
        loop.call_soon_threadsafe(fn, server)

    def stop(self) -> None:
        """Stop the server, close every client and join the thread."""
        if self._thread is None:
            return
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None
