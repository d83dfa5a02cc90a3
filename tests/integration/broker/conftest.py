"""Fixtures for driving the real Connector (ib_async) against the simulator over loopback."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import BrokerSettings, RequestTimeouts
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings

pytestmark = pytest.mark.integration


async def until(predicate: Callable[[], object], *, within: float = 5.0, what: str = "") -> None:
    """Wait for `predicate()` to be truthy; fail naming `what` after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what or predicate}")
        await asyncio.sleep(0.02)


def fast_settings(port: int, **overrides: object) -> BrokerSettings:
    """Short timeouts and backoff so supervision tests run in seconds."""
    values: dict[str, object] = {
        "port": port,
        "client_id": 1,
        "connect_timeout": 3.0,
        "backoff_base": 0.1,
        "backoff_max": 0.4,
        "backoff_jitter": 0.1,
        "heartbeat_interval": 0.5,
        "timeouts": RequestTimeouts(heartbeat=1.0, contract_details=3.0),
        "staleness_threshold": 5.0,
        "resubscribe_after": 0.5,
    }
    values.update(overrides)
    return BrokerSettings.model_validate(values)


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(
        ServerSettings(max_lines=100), WorldSettings(seed=7, tick_ms=50)
    ) as srv:
        yield srv


@pytest.fixture
async def make_connector() -> AsyncIterator[Callable[..., Connector]]:
    made: list[Connector] = []

    def make(settings: BrokerSettings, **kw: object) -> Connector:
        c = Connector(settings, **kw)  # type: ignore[arg-type]
        made.append(c)
        return c

    yield make
    for c in made:
        await c.stop()


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ib_exceptions(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """Exceptions ib_async logged and swallowed (a decoding or handler failure)."""
    caplog.set_level(logging.INFO, logger="ib_async")

    def collect() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name.startswith("ib_async") and r.exc_info is not None
        ]

    return collect
