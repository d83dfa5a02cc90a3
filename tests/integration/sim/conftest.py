"""Fixtures: a SimulatorServer on the test's loop and unmodified ib_async clients against it,
plus a guard that fails a test on any unexpected ERROR record from ib_async's loggers."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from ib_async import IB

from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings

SYMBOLS = ("AAPL", "MSFT", "SPY", "JPM")
WORLD = WorldSettings(seed=11, symbols=SYMBOLS, tick_ms=50)
SERVER = ServerSettings(port=0, pacing_scale=0.01)


async def until(predicate: Callable[[], object], *, within: float = 3.0, what: str = "") -> None:
    """Wait for `predicate()` to be truthy; fail naming `what` after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


class IbErrors:
    """ERROR records from ib_async; tests declare the IB error codes they provoke."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog
        self._allowed: list[re.Pattern[str]] = []

    def allow_codes(self, *codes: int) -> None:
        for code in codes:
            self._allowed.append(re.compile(rf"^Error {code}, reqId"))

    def allow(self, pattern: str) -> None:
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        found = []
        for rec in self._caplog.records:
            if rec.name.startswith("ib_async") and rec.levelno >= logging.ERROR:
                text = rec.getMessage()
                if not any(p.search(text) for p in self._allowed):
                    found.append(f"{rec.name}: {text}")
        return found


@pytest.fixture
def ib_errors(caplog: pytest.LogCaptureFixture) -> Iterator[IbErrors]:
    caplog.set_level(logging.INFO, logger="ib_async")
    caplog.set_level(logging.INFO, logger="apex_tui.sim")
    guard = IbErrors(caplog)
    yield guard
    assert guard.unexpected() == []


@pytest.fixture
async def server(ib_errors: IbErrors) -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(SERVER, WORLD) as srv:
        yield srv


async def connect(srv: SimulatorServer, client_id: int = 1, wait: float = 2.0) -> IB:
    ib = IB()
    await ib.connectAsync("127.0.0.1", srv.port, clientId=client_id, timeout=wait)
    return ib


@pytest.fixture
async def ib(server: SimulatorServer) -> AsyncIterator[IB]:
    client = await connect(server)
    yield client
    client.disconnect()
