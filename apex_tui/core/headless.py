"""A connection for headless commands: `async with headless_session(settings) as s:` yields a
started connector (in `sim` mode on its own embedded simulator), the opened Lake and the
historical source with its pacer; leaving the block disconnects and stops the simulator.

The same pieces the Engine builds for the TUI, without the UI's stores and tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from apex_tui.broker.connector import Connector
from apex_tui.broker.options import IbOptionSource
from apex_tui.broker.settings import BrokerMode
from apex_tui.broker.states import ConnectionState
from apex_tui.config import Settings
from apex_tui.core.backfill import pacing_for
from apex_tui.core.simulator import RunningSimulator, start_embedded_simulator
from apex_tui.domain.errors import ConnectionFailed
from apex_tui.jobs.pacer import Pacer
from apex_tui.logging import get_logger
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings

log = get_logger(__name__)

# The TUI usually holds the configured clientId; a headless command next to it must not
# collide (error 326). Its own embedded simulator (sim mode) has no such neighbour.
HEADLESS_CLIENT_ID_OFFSET = 200
# Beyond the socket connect: the initial sync (accounts, positions, orders) must finish too.
SYNC_ALLOWANCE_S = 30.0


@dataclass(frozen=True)
class HeadlessSession:
    """What a headless command works with; valid inside the `headless_session` block."""

    connector: Connector
    lake: Lake
    pacer: Pacer
    source: IbOptionSource  # stock bars, option chains and option bars
    simulator: RunningSimulator | None


@asynccontextmanager
async def headless_session(
    settings: Settings,
    *,
    data: DataSettings | None = None,
    client_id: int | None = None,
    within: float | None = None,
) -> AsyncIterator[HeadlessSession]:
    """Connect per `settings.broker` and wait until the session is live (`within` seconds,
    default connect timeout + sync allowance); ConnectionFailed when it does not come up.

    `client_id` defaults to the configured one in sim mode and to it + 200 otherwise."""
    lake = await asyncio.to_thread(Lake.open, data or settings.data)
    simulator: RunningSimulator | None = None
    port: int | None = None
    if settings.broker.mode is BrokerMode.SIM:
        simulator = await asyncio.to_thread(start_embedded_simulator, settings.sim, settings.broker)
        port = simulator.port
    broker = settings.broker
    if client_id is None and broker.mode is not BrokerMode.SIM:
        client_id = broker.client_id + HEADLESS_CLIENT_ID_OFFSET
    if client_id is not None:
        broker = broker.model_copy(update={"client_id": client_id})
    connector = Connector(broker, port=port)
    try:
        await connector.start()
        limit = within if within is not None else broker.connect_timeout
        limit += SYNC_ALLOWANCE_S if within is None else 0.0
        state = await connector.wait_for_state(
            ConnectionState.CONNECTED,
            ConnectionState.DEGRADED,
            ConnectionState.STOPPED,
            within=limit,
        )
        if state is ConnectionState.STOPPED:
            raise ConnectionFailed(f"cannot connect to the gateway: {connector.board.reason}")
        pacer = Pacer(pacing_for(settings))
        log.info("headless_connected", mode=str(settings.broker.mode), port=port)
        yield HeadlessSession(connector, lake, pacer, connector.option_source(pacer), simulator)
    finally:
        await connector.stop()
        if simulator is not None:
            await asyncio.to_thread(simulator.stop)
